// For bench/web: how long the dashboard takes to be ready in chromium (from
// the navigation's start to the page's data drawn: body[data-ready]), logged
// in with the session cookie given, RUNS times; prints one JSON list of ms.
// env: GUI, SPKI, SESSION, RUNS
import { chromium } from "playwright-core";

const { GUI, SPKI, SESSION } = process.env;
const runs = Number(process.env.RUNS || 10);
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--ignore-certificate-errors-spki-list=" + SPKI],
});
try {
  const ctx = await browser.newContext();
  await ctx.addCookies([{ name: "moat_session", value: SESSION, url: GUI, secure: true, httpOnly: true, sameSite: "Strict" }]);
  const page = await ctx.newPage();
  const times = [];
  for (let i = 0; i < runs + 1; i++) {
    await page.goto(GUI);
    await page.waitForSelector("body[data-ready='1']");
    const ms = await page.evaluate(() => performance.now());
    if (i > 0) times.push(Math.round(ms * 10) / 10); // the first warms the TLS session
  }
  console.log(JSON.stringify(times));
} finally {
  await browser.close();
}
