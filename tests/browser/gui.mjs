// The web GUI in a real browser: Debian's chromium driven by playwright-core,
// from a LAN host's network namespace, against an appliance that
// tests/appliance/web_browser.sh brought up. Sets the first account with the
// setup link, logs in, reads the dashboard, blocks a port in the rules
// editor and sees real traffic stopped, kills a state; and the refusals,
// each with its status and nothing changed. A screenshot of every page goes
// to SHOTS; each page must have rendered its data (an empty page fails).
// env: GUI (https://ADDR/), SETUP (the setup token), SPKI (the certificate's
// key hash, the one chromium accepts), SHOTS, WAN_HOST (a server beyond the
// WAN with ports 8080 and 9000 open).
import { chromium } from "playwright-core";
import net from "node:net";
import { mkdirSync, readFileSync } from "node:fs";

const { GUI, SETUP, SPKI, SHOTS, WAN_HOST } = process.env;
const USER = "admin", PASSWORD = "a long enough password";
const started = Date.now();
mkdirSync(SHOTS, { recursive: true });

function check(ok, what) {
  if (!ok) throw new Error("FAIL: " + what);
  console.log("ok: " + what);
}

// node's fetch trusts the appliance's certificate alone (NODE_EXTRA_CA_CERTS).
async function call(method, path, { cookie, csrf, token, body, type } = {}) {
  const headers = {};
  if (cookie) headers.Cookie = "moat_session=" + cookie;
  if (csrf) headers["X-CSRF-Token"] = csrf;
  if (token) headers.Authorization = "Bearer " + token;
  if (body !== undefined) headers["Content-Type"] = type || "application/json";
  const r = await fetch(GUI + "api/v1/" + path, { method, headers, body });
  let data = null;
  try { data = await r.json(); } catch (e) { data = null; }
  const set = r.headers.get("set-cookie") || "";
  return { status: r.status, data, cookie: (set.match(/moat_session=([0-9a-f]{64})/) || [])[1] };
}

function reach(port, ms = 2000) { // a TCP connection to the WAN host: true if it opened
  return new Promise((resolve) => {
    const s = net.connect({ host: WAN_HOST, port, timeout: ms });
    s.on("connect", () => { s.destroy(); resolve(true); });
    s.on("timeout", () => { s.destroy(); resolve(false); });
    s.on("error", () => resolve(false));
  });
}

async function shot(page, name) {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--ignore-certificate-errors-spki-list=" + SPKI],
});
try {
  const ctx = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await ctx.newPage();
  const cspErrors = [];
  // every error but the 401s the refusals below provoke on purpose
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().includes("status of 401")) cspErrors.push(m.text());
  });

  // No account: the API says so, and the setup link makes the first.
  check((await call("POST", "login", { body: JSON.stringify({ user: USER, password: PASSWORD }) })).status === 401,
    "no login before an account exists");
  await page.goto(GUI + "setup#" + SETUP);
  await page.waitForSelector("body[data-ready='1']");
  await shot(page, "setup");
  await page.fill("#setup-user", USER);
  await page.fill("#setup-password", PASSWORD);
  await page.click("#setup-submit");
  await page.waitForURL(GUI);
  await page.waitForSelector("body[data-ready='1']");
  check(true, "the setup link made the account and logged in");

  // A session to leave idle: it must have expired by the end.
  const idle = await call("POST", "login", { body: JSON.stringify({ user: USER, password: PASSWORD }) });
  const idleSince = Date.now();
  check(idle.status === 200 && idle.cookie, "a login through the API");

  // Log out, then a wrong password, then the right one, in the login page.
  await page.click("#logout");
  await page.waitForURL(GUI + "login");
  await page.fill("#login-user", USER);
  await page.fill("#login-password", "not the password");
  await page.click("#login-submit");
  await page.waitForSelector("#message:not([hidden])");
  check((await page.textContent("#message")).includes("wrong user or password"), "a wrong password is refused in the page");
  await shot(page, "login-refused");
  await page.fill("#login-password", PASSWORD);
  await page.click("#login-submit");
  await page.waitForURL(GUI);

  // The dashboard: the domains running, the interfaces, the states.
  await page.waitForSelector("#domains tbody tr");
  for (const d of ["fw", "ndvm-lan", "ndvm-wan"]) {
    const row = page.locator("#domains tbody tr", { hasText: d }).first();
    check((await row.locator("td").nth(2).textContent()) === "running", `the dashboard shows ${d} running`);
  }
  check((await page.locator("#interfaces tbody tr").count()) >= 2, "the dashboard lists the interfaces");
  check(/^\d+$/.test(await page.textContent("#states-limit")), "the dashboard shows the state limit");
  const cookies = await ctx.cookies();
  const sc = cookies.find((c) => c.name === "moat_session");
  check(sc && sc.httpOnly && sc.secure && sc.sameSite === "Strict" && sc.expires > Date.now() / 1000,
    "the session cookie is HttpOnly, Secure, SameSite=Strict and expires");
  const session = sc.value;
  const csrf = (await call("GET", "session", { cookie: session })).data.csrf;
  await shot(page, "dashboard");

  // Before any change: both ports beyond the WAN are open.
  check(await reach(8080), "port 8080 beyond the WAN is reachable before the block");
  check(await reach(9000), "port 9000 beyond the WAN is reachable");

  // Rules: a broken line marked, then a block of port 8080 applied and kept.
  await page.click("#nav-rules");
  await page.waitForSelector("body[data-ready='1']");
  const original = await page.inputValue("#rules-text");
  check(original.includes("pass all"), "the rules editor holds the loaded pf.conf");
  await page.fill("#rules-text", original + "block in on lan proto tcp to port\n");
  await page.click("#check");
  await page.waitForSelector("#rules-errors li");
  const line = original.split("\n").length;
  check((await page.textContent("#rules-errors li")).startsWith(`line ${line}:`), `Check marks the error on line ${line}`);
  check((await page.locator("#gutter .bad").count()) === 1, "the editor's gutter marks the line");
  await shot(page, "rules-check");
  await page.fill("#rules-text", original + "block in log quick on lan proto tcp to port 8080\n");
  await page.click("#check");
  await page.waitForSelector("#rules-result.ok");
  await page.click("#apply");
  await page.waitForSelector("#revert:not([hidden])");
  check(Number(await page.textContent("#revert-secs")) > 50, "Apply says it reverts within 60 s unless confirmed");
  await shot(page, "rules-applied");
  await page.click("#confirm");
  await page.waitForSelector("#revert[hidden]", { state: "attached" });
  check(!(await reach(8080)), "port 8080 is blocked after Apply, with real traffic");
  check(await reach(9000), "port 9000 still passes");

  // Diff, history, rollback: the original ruleset applied again (8080 open),
  // then the blocking one rolled back to from the history in one click.
  await page.fill("#rules-text", original);
  await page.click("#diff");
  check((await page.locator("#rules-diff .del").count()) === 1 &&
    (await page.textContent("#rules-diff .del")).includes("port 8080"), "the diff shows the block rule's line removed");
  await page.click("#apply");
  await page.waitForSelector("#revert:not([hidden])");
  await page.click("#confirm");
  await page.waitForSelector("#revert[hidden]", { state: "attached" });
  check(await reach(8080), "port 8080 passes again with the original ruleset");
  await page.waitForSelector("#history tbody tr:nth-child(2)");
  await page.locator("#history tbody tr").nth(1).locator("button.rollback").click();
  await page.waitForSelector("#revert:not([hidden])");
  await page.click("#confirm");
  await page.waitForSelector("#revert[hidden]", { state: "attached" });
  check(!(await reach(8080)), "one click in the history rolled back to the blocking ruleset");
  await page.waitForFunction(() => document.getElementById("counters").textContent.includes("Evaluations"));
  check((await page.textContent("#counters")).includes('label "anti-lockout rule"'), "the rules page shows each rule's counters and label");
  await shot(page, "rules-history");

  // Logs: the blocked packets, filtered down to them; the capture downloads.
  await page.click("#nav-logs");
  await page.waitForSelector("body[data-ready='1']");
  await page.selectOption("#f-action", "block");
  await page.fill("#f-addr", WAN_HOST);
  const blockedRow = page.locator("#logs tbody tr", { hasText: WAN_HOST + ":8080" }).first();
  await blockedRow.waitFor();
  check((await blockedRow.locator("td").nth(1).textContent()) === "block" &&
    (await blockedRow.locator("td").nth(3).textContent()) === "lan", "the logs page shows the blocked packet to port 8080 on lan");
  await shot(page, "logs");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#pcap")]);
  const pcapPath = `${SHOTS}/pflog.pcap`;
  await download.saveAs(pcapPath);
  const pcap = readFileSync(pcapPath);
  check(pcap.length > 24 && pcap.readUInt32LE(0) === 0xa1b2c3d4 && pcap.readUInt32LE(20) === 117,
    `the capture downloads as pcap with the pflog link type (${pcap.length} bytes)`);

  // States: a connection held open, found by its port, killed.
  const held = net.connect({ host: WAN_HOST, port: 9000 });
  await new Promise((r) => held.on("connect", r));
  await page.click("#nav-states");
  await page.waitForSelector("body[data-ready='1']");
  await page.fill("#states-filter", ":9000");
  const row = page.locator("#states tbody tr", { hasText: ":9000" }).first();
  check((await row.count()) === 1, "the states page lists the held connection");
  await shot(page, "states");
  const before = (await call("GET", "states", { cookie: session })).data.states.filter((s) => s.line.includes(":9000"));
  await row.locator("button.kill").click();
  await page.waitForSelector("#message.ok:not([hidden])");
  const after = (await call("GET", "states", { cookie: session })).data.states.filter((s) => s.line.includes(":9000"));
  check(before.length >= 1 && after.length < before.length, `the state was killed (${before.length} -> ${after.length})`);
  held.destroy();
  // Many at once: two more held open, every :9000 state killed with one click.
  const more = [net.connect({ host: WAN_HOST, port: 9000 }), net.connect({ host: WAN_HOST, port: 9000 })];
  await Promise.all(more.map((m) => new Promise((r) => m.on("connect", r))));
  await page.reload();
  await page.waitForSelector("body[data-ready='1']");
  await page.fill("#states-filter", ":9000");
  check((await page.locator("#states tbody tr").count()) >= 2, "the states page lists the two held connections");
  await page.click("#kill-shown");
  await page.waitForSelector("#message.ok:not([hidden])");
  const left = (await call("GET", "states", { cookie: session })).data.states.filter((s) => s.line.includes(":9000"));
  check(left.length === 0, `Kill all shown killed every :9000 state (${left.length} left)`);
  more.forEach((m) => m.destroy());

  // Tables: add an entry in the page.
  await page.click("#nav-tables");
  await page.waitForSelector("body[data-ready='1']");
  await page.fill("#table-addr", "192.0.2.55");
  await page.click("#table-add");
  await page.waitForSelector("#table-entries li:has-text('192.0.2.55')");
  check(true, "a table entry added in the tables page");
  await shot(page, "tables");
  const table = () => call("GET", "tables/blocked", { cookie: session }).then((r) => JSON.stringify(r.data.addresses));
  const entries = await table();

  // The refusals, each with its status, and nothing changed.
  const add = JSON.stringify({ addresses: ["192.0.2.66"] });
  let r = await call("POST", "tables/blocked/add", { cookie: session, body: add });
  check(r.status === 403 && (await table()) === entries, "a change without the CSRF token: 403, table unchanged");
  r = await call("POST", "tables/blocked/add", { body: add });
  check(r.status === 401 && (await table()) === entries, "an API call without a token or session: 401, table unchanged");
  r = await call("POST", "tables/blocked/add", { cookie: session, csrf, body: '{"addresses": ["192.0.2.66"' });
  check(r.status === 400 && (await table()) === entries, "a malformed body: 400, table unchanged");
  r = await call("POST", "rules/apply", { cookie: session, csrf, body: '{"text": 5}' });
  check(r.status === 400, "a ruleset that is not a string: 400");
  check(!(await reach(8080)), "the rules are as applied");
  r = await call("POST", "login", { body: JSON.stringify({ user: USER, password: "wrong" }) });
  check(r.status === 401 && !r.cookie, "a wrong password: 401, no cookie");

  // The dashboard again (its polling keeps the browser's session alive),
  // with the ruleset's line filled in.
  await page.click("#nav-dashboard");
  await page.waitForSelector("#domains tbody tr");
  // The idle session has expired (session_timeout = 15 in the test's config).
  const wait = 16000 - (Date.now() - idleSince);
  if (wait > 0) await new Promise((res) => setTimeout(res, wait));
  r = await call("POST", "tables/blocked/add", { cookie: idle.cookie, csrf: idle.data.csrf, body: add });
  check(r.status === 401 && (await table()) === entries, "an expired session: 401, table unchanged");
  check((await page.textContent("#ruleset-info")).includes("by user admin"), "the dashboard says who applied the ruleset");
  check((await page.locator("#boot .row").count()) >= 4 && /first frame forwarded [0-9.]+ ms/.test(await page.textContent("#boot-total")),
    "the dashboard draws the boot timeline up to the first forwarded frame");
  await page.waitForSelector("#throughput-legend span");
  check((await page.locator("#throughput-legend span").count()) >= 2, "the dashboard draws each interface's throughput");
  check(/^\d+\.\d %$/.test(await page.locator("#domains tbody tr").first().locator("td").nth(4).textContent()),
    "the dashboard shows each domain's CPU");
  await shot(page, "dashboard-after");
  check(cspErrors.length === 0, "no console errors (CSP violations included): " + cspErrors.join("; "));
  console.log(`ok: the browser test took ${((Date.now() - started) / 1000).toFixed(1)} s`);
} finally {
  await browser.close();
}
