// moat's web GUI: every page calls the JSON API (/api/v1, docs/api.md) and
// builds its elements with textContent only, so nothing the appliance
// reports is ever taken as markup. The session is an HttpOnly cookie; each
// change carries the CSRF token the session call returns.
"use strict";

let csrf = "";

function $(id) { return document.getElementById(id); }

function say(text, ok) {
  const m = $("message");
  if (!m) return;
  m.textContent = text;
  m.className = ok ? "message ok" : "message";
  m.hidden = !text;
}

async function api(method, path, body) {
  const opts = { method, credentials: "same-origin", headers: {} };
  if (method !== "GET") {
    opts.headers["X-CSRF-Token"] = csrf;
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
  }
  const r = await fetch("/api/v1/" + path, opts);
  let data = {};
  try { data = await r.json(); } catch (e) { data = { error: "no JSON in the answer" }; }
  if (r.status === 401 && !["login", "setup"].includes(path)) {
    location.href = "/login";
    throw new Error("not logged in");
  }
  if (!r.ok) {
    const err = new Error(data.error || ("HTTP " + r.status));
    err.status = r.status;
    err.data = data;
    throw err;
  }
  return data;
}

function cell(tr, text, cls) {
  const td = document.createElement("td");
  td.textContent = text === undefined || text === null ? "-" : String(text);
  if (cls) td.className = cls;
  tr.appendChild(td);
  return td;
}

function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); }

function duration(s) {
  if (s === undefined) return "-";
  const d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24, m = Math.floor(s / 60) % 60;
  return (d ? d + "d " : "") + (d || h ? h + "h " : "") + m + "m " + (s % 60) + "s";
}

function bytes(n) {
  if (n === undefined || n === null || n < 0) return "-";
  const u = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : n) + " " + u[i];
}

// --- the pages ---

// the last poll's CPU times and counters, for rates; 60 points of history
let lastPoll = null;
const history = {};
const COLORS = ["#2f6fc2", "#c2412f", "#2f9e5b", "#9a6700", "#7a3fb0"];

function rates(s, now) {
  const cpu = {};
  if (lastPoll) {
    const dt = (now - lastPoll.t) / 1000;
    for (const d of s.domains || []) {
      const before = lastPoll.cpu[d.name];
      if (before !== undefined && d.cpu_ms !== undefined && dt > 0)
        cpu[d.name] = Math.max(0, (d.cpu_ms - before) / 10 / dt);
    }
    for (const i of s.interfaces || []) {
      const c = i.counters, b = lastPoll.bytes[i.name];
      if (!c || b === undefined || dt <= 0) continue;
      const bps = Math.max(0, (c.in_bytes + c.out_bytes - b) * 8 / dt);
      (history[i.name] = history[i.name] || []).push(bps);
      if (history[i.name].length > 60) history[i.name].shift();
    }
  }
  lastPoll = { t: now, cpu: {}, bytes: {} };
  for (const d of s.domains || []) lastPoll.cpu[d.name] = d.cpu_ms;
  for (const i of s.interfaces || [])
    if (i.counters) lastPoll.bytes[i.name] = i.counters.in_bytes + i.counters.out_bytes;
  return cpu;
}

function bits(n) {
  const u = ["b/s", "kb/s", "Mb/s", "Gb/s"];
  let i = 0;
  while (n >= 1000 && i < u.length - 1) { n /= 1000; i++; }
  return n.toFixed(i ? 1 : 0) + " " + u[i];
}

function drawThroughput() {
  const cv = $("throughput"), g = cv.getContext("2d");
  const names = Object.keys(history);
  let max = 1000;
  for (const n of names) for (const v of history[n]) max = Math.max(max, v);
  g.clearRect(0, 0, cv.width, cv.height);
  g.strokeStyle = "#e3e7ec";
  g.fillStyle = "#6a7787";
  g.font = "11px sans-serif";
  for (let k = 0; k <= 4; k++) {
    const y = 10 + (cv.height - 20) * k / 4;
    g.beginPath(); g.moveTo(0, y); g.lineTo(cv.width, y); g.stroke();
    g.fillText(bits(max * (4 - k) / 4), 4, y - 2);
  }
  const legend = $("throughput-legend");
  clear(legend);
  names.forEach((n, idx) => {
    const pts = history[n], color = COLORS[idx % COLORS.length];
    g.strokeStyle = color;
    g.lineWidth = 2;
    g.beginPath();
    pts.forEach((v, k) => {
      const x = cv.width - (pts.length - 1 - k) * (cv.width / 59);
      const y = 10 + (cv.height - 20) * (1 - v / max);
      if (k) g.lineTo(x, y); else g.moveTo(x, y);
    });
    g.stroke();
    const span = document.createElement("span");
    span.textContent = "\u25a0 " + n + " " + bits(pts[pts.length - 1] || 0);
    span.style.color = color;
    legend.appendChild(span);
  });
}

async function bootTimeline() {
  const r = await api("GET", "boot");
  const marks = r.marks || [];
  const box = $("boot");
  clear(box);
  if (!marks.length) return;
  const end = Math.max(...marks.map((m) => m.us), 1);
  const first = marks.find((m) => m.name === "first_forward");
  $("boot-total").textContent = first ? "first frame forwarded " + (first.us / 1000).toFixed(1) +
    " ms after moat up" : "no frame forwarded yet";
  const rows = [...new Set(marks.map((m) => m.domain))];
  rows.forEach((who) => {
    const row = document.createElement("div");
    row.className = "row";
    const label = document.createElement("span");
    label.className = "who";
    label.textContent = who;
    const lane = document.createElement("div");
    lane.className = "lane";
    const mine = marks.filter((m) => m.domain === who);
    mine.forEach((m, k) => {
      const start = k ? mine[k - 1].us : (who === "moatd" ? 0 : m.us);
      const bar = document.createElement("div");
      bar.className = "phase";
      bar.style.left = (100 * Math.max(0, start) / end) + "%";
      bar.style.width = (100 * Math.max(0, m.us - start) / end) + "%";
      bar.style.background = "hsl(" + ((k * 47) % 360) + ",60%,60%)";
      bar.title = m.name + ": " + ((m.us - start) / 1000).toFixed(3) + " ms, at " + (m.us / 1000).toFixed(3) + " ms";
      lane.appendChild(bar);
    });
    row.appendChild(label);
    row.appendChild(lane);
    box.appendChild(row);
  });
  const axis = document.createElement("div");
  axis.className = "axis";
  for (let k = 0; k <= 4; k++) {
    const t = document.createElement("span");
    t.textContent = (end * k / 4 / 1000).toFixed(1) + " ms";
    axis.appendChild(t);
  }
  box.appendChild(axis);
}

async function dashboard() {
  const s = await api("GET", "status");
  const cpu = rates(s, Date.now());
  const dt = $("domains").tBodies[0];
  clear(dt);
  for (const d of s.domains || []) {
    const tr = document.createElement("tr");
    cell(tr, d.name);
    cell(tr, d.platform);
    cell(tr, d.state, "state-" + d.state);
    cell(tr, duration(d.uptime_s));
    cell(tr, cpu[d.name] === undefined ? "-" : cpu[d.name].toFixed(1) + " %", "num");
    cell(tr, d.restarts, "num");
    cell(tr, bytes(d.memory), "num");
    cell(tr, d.rss_kib === undefined ? "-" : bytes(d.rss_kib * 1024), "num");
    dt.appendChild(tr);
  }
  const it = $("interfaces").tBodies[0];
  clear(it);
  for (const i of s.interfaces || []) {
    const c = i.counters || {};
    const tr = document.createElement("tr");
    cell(tr, i.name);
    cell(tr, i.device);
    cell(tr, (i.addresses || []).join(", "));
    cell(tr, c.in_packets, "num");
    cell(tr, bytes(c.in_bytes), "num");
    cell(tr, c.out_packets, "num");
    cell(tr, bytes(c.out_bytes), "num");
    cell(tr, c.blocked_packets, "num");
    it.appendChild(tr);
  }
  const st = s.states || {};
  $("states-count").textContent = st.count >= 0 ? st.count : "?";
  $("states-limit").textContent = st.limit >= 0 ? st.limit : "?";
  if (st.count >= 0 && st.limit > 0)
    $("states-bar").style.width = Math.min(100, (100 * st.count) / st.limit) + "%";
  if (s.applied) {
    let t = "Applied from the web GUI by " + s.applied.by + " at " +
      new Date(s.applied.at * 1000).toLocaleString();
    if (s.applied.reverts_in !== undefined) t += " (reverts in " + s.applied.reverts_in + " s unless confirmed)";
    $("ruleset-info").textContent = t;
  }
  if (s.web)
    $("web-info").textContent = s.web.url + " (" + s.web.state + ", " + s.web.restarts +
      " restarts, " + (s.web.rss_kib ? bytes(s.web.rss_kib * 1024) + " resident, " : "") +
      "certificate SHA-256 " + s.web.fingerprint + ")";
  drawThroughput();
  document.body.dataset.ready = "1";
}

let revertTimer = null;

function showRevert(secs) {
  const box = $("revert");
  if (revertTimer) clearInterval(revertTimer);
  if (secs === undefined) { box.hidden = true; return; }
  let left = secs;
  box.hidden = false;
  $("revert-secs").textContent = left;
  revertTimer = setInterval(() => {
    left = Math.max(0, left - 1);
    $("revert-secs").textContent = left;
    if (left === 0) { clearInterval(revertTimer); setTimeout(loadRules, 1500); }
  }, 1000);
}

function gutter(bad) {
  const n = $("rules-text").value.split("\n").length;
  const g = $("gutter");
  clear(g);
  for (let i = 1; i <= n; i++) {
    const s = document.createElement("span");
    s.textContent = i + "\n";
    if (bad && bad.has(i)) s.className = "bad";
    g.appendChild(s);
  }
  g.scrollTop = $("rules-text").scrollTop;
}

function showErrors(errors) {
  const ul = $("rules-errors");
  clear(ul);
  const bad = new Set();
  for (const e of errors || []) {
    const li = document.createElement("li");
    li.textContent = (e.line ? "line " + e.line + ": " : "") + e.message;
    if (e.line) {
      bad.add(e.line);
      li.addEventListener("click", () => selectLine(e.line));
    }
    ul.appendChild(li);
  }
  gutter(bad);
}

function selectLine(n) {
  const t = $("rules-text"), lines = t.value.split("\n");
  let start = 0;
  for (let i = 0; i < n - 1 && i < lines.length; i++) start += lines[i].length + 1;
  t.focus();
  t.setSelectionRange(start, start + (lines[n - 1] || "").length);
}

let runningText = "";

// A line diff (longest common subsequence): "  ", "- " and "+ " lines.
function diffLines(a, b) {
  const x = a.split("\n"), y = b.split("\n"), n = x.length, m = y.length;
  if (n * m > 4e6) return [["!", "too large to compare here"]];
  const L = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      L[i][j] = x[i] === y[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
  const out = [];
  let i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) { out.push([" ", x[i]]); i++; j++; }
    else if (j < m && (i >= n || L[i][j + 1] >= L[i + 1][j])) { out.push(["+", y[j]]); j++; }
    else { out.push(["-", x[i]]); i++; }
  }
  return out;
}

function showDiff() {
  const pre = $("rules-diff");
  clear(pre);
  let changed = 0;
  for (const [k, line] of diffLines(runningText, $("rules-text").value)) {
    const s = document.createElement("span");
    s.textContent = k + " " + line + "\n";
    if (k === "+") s.className = "add";
    if (k === "-") s.className = "del";
    if (k !== " ") changed++;
    pre.appendChild(s);
  }
  pre.hidden = false;
  $("rules-result").textContent = changed ? changed + " line(s) differ from the running text." : "No difference.";
  $("rules-result").className = "";
}

async function loadHistory() {
  const r = await api("GET", "rules/history");
  const tb = $("history").tBodies[0];
  clear(tb);
  for (const h of r.history || []) {
    const tr = document.createElement("tr");
    cell(tr, new Date(h.at * 1000).toLocaleString());
    cell(tr, h.by);
    cell(tr, h.text.split("\n").length, "num");
    const td = cell(tr, "");
    const b = document.createElement("button");
    b.type = "button";
    b.className = "rollback";
    b.textContent = "Roll back to this";
    b.addEventListener("click", async () => {
      $("rules-text").value = h.text;
      await applyRules();
    });
    td.appendChild(b);
    tb.appendChild(tr);
  }
  const c = await api("GET", "rules/counters");
  $("counters").textContent = c.text || "";
}

async function applyRules() {
  try {
    const r = await api("POST", "rules/apply", { text: $("rules-text").value });
    showErrors([]);
    $("rules-result").textContent = "Applied.";
    $("rules-result").className = "ok";
    showRevert(r.reverts_in);
    runningText = $("rules-text").value;
    $("rules-diff").hidden = true; /* it compared with the text that ran before */
    await loadHistory();
  } catch (e) {
    showErrors(e.data && e.data.errors);
    $("rules-result").textContent = e.message;
    $("rules-result").className = "bad";
  }
}

async function loadRules() {
  const r = await api("GET", "rules");
  $("rules-text").value = r.text;
  runningText = r.text;
  await loadHistory();
  $("rules-source").textContent = r.source === "web GUI" ? "as last applied here" : "from " + r.source;
  showErrors([]);
  showRevert(r.reverts_in);
  document.body.dataset.ready = "1";
}

async function rulesPage() {
  await loadRules();
  $("rules-text").addEventListener("input", () => gutter());
  $("rules-text").addEventListener("scroll", () => { $("gutter").scrollTop = $("rules-text").scrollTop; });
  $("check").addEventListener("click", async () => {
    const r = await api("POST", "rules/check", { text: $("rules-text").value });
    showErrors(r.errors);
    $("rules-result").textContent = r.ok ? "No errors." : r.errors.length + " error(s).";
    $("rules-result").className = r.ok ? "ok" : "bad";
  });
  $("apply").addEventListener("click", applyRules);
  $("diff").addEventListener("click", showDiff);
  $("confirm").addEventListener("click", async () => {
    await api("POST", "rules/confirm");
    showRevert(undefined);
    $("rules-result").textContent = "Confirmed: this ruleset stays.";
    $("rules-result").className = "ok";
  });
}

let currentTable = "";

async function showTable(name) {
  currentTable = name;
  const r = await api("GET", "tables/" + encodeURIComponent(name));
  $("table-view").hidden = false;
  $("table-name").textContent = name;
  const ul = $("table-entries");
  clear(ul);
  for (const a of r.addresses || []) {
    const li = document.createElement("li");
    li.textContent = a;
    ul.appendChild(li);
  }
  if (!(r.addresses || []).length) {
    const li = document.createElement("li");
    li.textContent = "(empty)";
    ul.appendChild(li);
  }
}

async function tableChange(what) {
  const addr = $("table-addr").value.trim();
  if (!addr) return;
  try {
    const r = await api("POST", "tables/" + encodeURIComponent(currentTable) + "/" + what,
      { addresses: [addr] });
    $("table-result").textContent = (r.msg || r.text || "done").trim();
    $("table-result").className = "ok";
  } catch (e) {
    $("table-result").textContent = e.message;
    $("table-result").className = "bad";
  }
  if (what !== "test") await showTable(currentTable);
}

async function tablesPage() {
  const r = await api("GET", "tables");
  const tb = $("tables").tBodies[0];
  clear(tb);
  for (const name of r.tables || []) {
    const tr = document.createElement("tr");
    const td = cell(tr, "");
    const a = document.createElement("a");
    a.href = "#" + name;
    a.textContent = name;
    a.addEventListener("click", (ev) => { ev.preventDefault(); showTable(name); });
    td.appendChild(a);
    tb.appendChild(tr);
  }
  $("table-form").addEventListener("submit", (ev) => { ev.preventDefault(); tableChange("add"); });
  $("table-delete").addEventListener("click", () => tableChange("delete"));
  $("table-test").addEventListener("click", () => tableChange("test"));
  if ((r.tables || []).length) await showTable(r.tables[0]);
  document.body.dataset.ready = "1";
}

let allStates = [];

function drawStates() {
  const f = $("states-filter").value.trim().toLowerCase();
  const tb = $("states").tBodies[0];
  clear(tb);
  let shown = 0;
  for (const s of allStates) {
    if (f && !s.line.toLowerCase().includes(f)) continue;
    const p = s.line.trim().split(/\s+/);
    const tr = document.createElement("tr");
    cell(tr, p[0]);
    cell(tr, p[1]);
    cell(tr, p.slice(2, p.length - 1).join(" "));
    cell(tr, p[p.length - 1]);
    const td = cell(tr, "");
    if (s.id) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = "Kill";
      b.className = "kill";
      b.addEventListener("click", async () => {
        await api("POST", "states/kill", { id: s.id });
        say("State " + s.id + " killed.", true);
        await loadStates();
      });
      td.appendChild(b);
    }
    tb.appendChild(tr);
    shown++;
  }
  $("states-shown").textContent = shown + " of " + allStates.length + " shown";
}

async function killShown() {
  const f = $("states-filter").value.trim().toLowerCase();
  const ids = [...new Set(allStates.filter((s) => s.id && (!f || s.line.toLowerCase().includes(f))).map((s) => s.id))];
  for (const id of ids) await api("POST", "states/kill", { id });
  say(ids.length + " state(s) killed.", true);
  await loadStates();
}

async function loadStates() {
  const r = await api("GET", "states");
  allStates = r.states || [];
  drawStates();
  document.body.dataset.ready = "1";
}

async function statesPage() {
  $("states-filter").addEventListener("input", drawStates);
  $("kill-shown").addEventListener("click", killShown);
  await loadStates();
}

let allLogs = [];

function hostPort(addr, port) {
  if (!addr) return "-";
  const a = addr.includes(":") ? "[" + addr + "]" : addr;
  return port === undefined ? addr : a + ":" + port;
}

function drawLogs() {
  const act = $("f-action").value, ifn = $("f-if").value.trim();
  const rule = $("f-rule").value.trim(), addr = $("f-addr").value.trim();
  const tb = $("logs").tBodies[0];
  clear(tb);
  let shown = 0;
  for (let i = allLogs.length - 1; i >= 0; i--) {
    const r = allLogs[i];
    if (act && r.action !== act) continue;
    if (ifn && r.if !== ifn) continue;
    if (rule && String(r.rule) !== rule) continue;
    if (addr && r.src !== addr && r.dst !== addr) continue;
    const tr = document.createElement("tr");
    tr.className = r.action === "block" ? "block" : r.action === "pass" ? "pass" : "";
    cell(tr, new Date(r.time * 1000).toLocaleTimeString());
    cell(tr, r.action);
    cell(tr, r.dir);
    cell(tr, r.if);
    cell(tr, r.rule, "num");
    cell(tr, r.proto);
    cell(tr, hostPort(r.src, r.sport));
    cell(tr, hostPort(r.dst, r.dport));
    tb.appendChild(tr);
    shown++;
  }
  $("logs-shown").textContent = shown + " of " + allLogs.length + " shown";
}

async function loadLogs() {
  const r = await api("GET", "logs");
  allLogs = r.records || [];
  drawLogs();
  document.body.dataset.ready = "1";
}

async function logsPage() {
  for (const id of ["f-action", "f-if", "f-rule", "f-addr"]) $(id).addEventListener("input", drawLogs);
  $("logs-filter").addEventListener("submit", (ev) => ev.preventDefault());
  await loadLogs();
  setInterval(() => loadLogs().catch((e) => say(e.message)), 2000);
}

async function loginPage(setup) {
  const form = $(setup ? "setup-form" : "login-form");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const user = $(setup ? "setup-user" : "login-user").value;
    const password = $(setup ? "setup-password" : "login-password").value;
    try {
      const body = { user, password };
      if (setup) body.token = location.hash.slice(1);
      await api("POST", setup ? "setup" : "login", body);
      location.href = "/";
    } catch (e) {
      say(e.message, false);
    }
  });
  document.body.dataset.ready = "1";
}

async function start() {
  const page = document.body.dataset.page;
  if (page === "login" || page === "setup") return loginPage(page === "setup");
  const s = await api("GET", "session");
  csrf = s.csrf || "";
  $("user").textContent = s.user || "";
  const nav = { index: "nav-dashboard", rules: "nav-rules", tables: "nav-tables", states: "nav-states",
    logs: "nav-logs" };
  if ($(nav[page])) $(nav[page]).className = "current";
  $("logout").addEventListener("click", async () => {
    await api("POST", "logout").catch(() => {});
    location.href = "/login";
  });
  if (page === "index") {
    await bootTimeline();
    await dashboard();
    setInterval(() => dashboard().catch((e) => say(e.message)), 2000);
  } else if (page === "rules") {
    await rulesPage();
  } else if (page === "tables") {
    await tablesPage();
  } else if (page === "states") {
    await statesPage();
  } else if (page === "logs") {
    await logsPage();
  }
}

document.addEventListener("DOMContentLoaded", () => {
  start().catch((e) => { if (e.message !== "not logged in") say(e.message); });
});
