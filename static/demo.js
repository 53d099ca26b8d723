// The browser demo: log in to a mode, fire requests, see who answered and what was sent.
import { CLAIMS, TIME_CLAIMS, parseToken, tamperedToken, unsignedToken } from "./jwt.js";

const $ = (id) => document.getElementById(id);
const MODES = new Map(JSON.parse($("modes-data").textContent).map((m) => [m.name, m]));

// Credentials per mode, in this page's memory only (never localStorage: see the page).
const held = new Map(); // mode -> {user, accessToken, refreshToken}
const oldCredentials = new Map(); // mode -> what was held before the last logout
let countdownTimer = null;

const credentialHint = $("credential").firstElementChild;

const REPLAY_WHY = {
  "session-local": (result, old) =>
    result.status === 200
      ? `${result.backend} still holds the session: the logout was answered by ${old.logoutBackend}, ` +
        "and a backend can only delete its own sessions. Logout is as broken as login here."
      : `${result.backend} has no such session: either it never had it, or it answered the logout ` +
        `(${old.logoutBackend}) and deleted it. Replay again: one backend in N may still hold it.`,
  "session-sticky": "The pinned backend deleted the session at logout: the old id names nothing now.",
  "session-redis": "The session record was deleted from the shared Redis: no backend can find it.",
  "signed-cookie": "The cookie carries the user id itself and nothing on the server remembers the logout: a copy stays valid until it expires.",
  jwt: "The token is stateless: every backend checks only its signature and expiry, so a copy stays valid until it expires.",
  "jwt-blocklist": "Logout put the token's id (jti) into Redis: every backend checks it there and refuses the token.",
};

function currentMode() {
  return MODES.get($("mode-select").value);
}

function isJwt(mode) {
  return mode.kind === "jwt";
}

function apiUrl(mode, endpoint) {
  return `${mode.prefix}/api/${endpoint}`;
}

function bearer(token) {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** Send a request and return {status, body, backend}, whatever happens. */
async function call(url, options = {}) {
  try {
    const response = await fetch(url, { credentials: "same-origin", ...options });
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    return { status: response.status, body, backend: response.headers.get("X-Served-By") || "nginx" };
  } catch (error) {
    return { status: 0, body: { error: String(error) }, backend: "none" };
  }
}

function backendNumber(backend) {
  const match = /(\d+)$/.exec(backend || "");
  return match ? Number(match[1]) : 0;
}

/** Build one tile: colour by backend, but also its number and a ✓ or ✗, never colour alone. */
function makeTile(result) {
  const tile = document.createElement("li");
  const ok = result.status === 200;
  tile.setAttribute("data-testid", "tile");
  tile.dataset.backend = result.backend;
  tile.dataset.status = String(result.status);
  tile.className = `tile ${ok ? "ok" : "rejected"} backend-${backendNumber(result.backend) % 8}`;
  tile.textContent = `${backendNumber(result.backend) || "?"}${ok ? "✓" : "✗"}`;
  tile.title = `${result.backend}: ${result.status}${ok ? "" : ` (${result.body?.error ?? "rejected"})`}`;
  return tile;
}

function successText(results) {
  const ok = results.filter((r) => r.status === 200).length;
  const percent = results.length ? Math.round((100 * ok) / results.length) : 0;
  return `Success: ${ok} of ${results.length} (${percent}%)`;
}

function setStatus(text) {
  $("login-status").textContent = text;
}

function showOutcome(action, result, explanation) {
  const box = $("outcome");
  box.hidden = false;
  box.dataset.status = String(result.status);
  box.dataset.action = action;
  box.className = `outcome ${result.status === 200 ? "accepted" : "refused"}`;
  box.replaceChildren();
  const verdict = document.createElement("p");
  verdict.className = "verdict";
  verdict.textContent =
    result.status === 200
      ? `${action}: ACCEPTED (200) by ${result.backend}, as user ${result.body?.user}`
      : `${action}: REFUSED (${result.status}) by ${result.backend}: ${result.body?.error ?? ""}`;
  const why = document.createElement("p");
  why.textContent = explanation;
  box.append(verdict, why);
}

async function login(mode, username, password) {
  const result = await call(apiUrl(mode, "login"), {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  if (result.status === 200) {
    held.set(mode.name, {
      user: result.body.user,
      accessToken: result.body.access_token ?? null,
      refreshToken: result.body.refresh_token ?? null,
      csrfToken: result.body.csrf_token ?? null,
    });
    oldCredentials.delete(mode.name);
  }
  return result;
}

async function onLogin(event) {
  event.preventDefault();
  const mode = currentMode();
  const result = await login(mode, $("username").value, $("password").value);
  if (result.status === 200) {
    setStatus(`Logged in to ${mode.name} as ${result.body.user}, by ${result.backend}.`);
  } else {
    setStatus(`Login to ${mode.name} refused (${result.status}): ${result.body?.error ?? ""}`);
  }
  renderInspector();
}

async function onLogout() {
  const mode = currentMode();
  const credential = held.get(mode.name);
  const keepCopy = $("keep-copy").checked;
  // Cookie modes: the login answer's CSRF token proves the request comes from this page.
  const csrf = credential?.csrfToken ? { "X-CSRF-Token": credential.csrfToken } : {};
  const headers = { "Content-Type": "application/json", ...bearer(credential?.accessToken), ...csrf };
  const body = credential?.refreshToken ? JSON.stringify({ refresh_token: credential.refreshToken }) : null;
  const query = keepCopy && !isJwt(mode) ? "?keep_cookie=1" : "";
  const result = await call(apiUrl(mode, "logout") + query, { method: "POST", headers, body });
  if (keepCopy) {
    oldCredentials.set(mode.name, { accessToken: credential?.accessToken ?? null, logoutBackend: result.backend });
  } else {
    oldCredentials.delete(mode.name);
  }
  held.delete(mode.name);
  setStatus(
    result.status === 200
      ? `Logged out of ${mode.name} (${result.backend}): ${result.body?.message ?? ""}`
      : `Logout of ${mode.name} answered ${result.status}: ${result.body?.error ?? ""}`,
  );
  renderInspector();
}

/** Send count requests to /me in mode, drawing a tile per answer in list. */
async function fire(mode, count, list, onProgress) {
  const results = [];
  for (let i = 0; i < count; i += 1) {
    const result = await call(apiUrl(mode, "me"), { headers: bearer(held.get(mode.name)?.accessToken) });
    results.push(result);
    list.append(makeTile(result));
    onProgress?.(results);
  }
  return results;
}

function requestCount() {
  const value = Number.parseInt($("request-count").value, 10);
  return Number.isFinite(value) ? Math.min(Math.max(value, 1), 500) : 24;
}

function renderSummary(results) {
  const perBackend = new Map();
  for (const r of results) {
    const row = perBackend.get(r.backend) ?? { ok: 0, rejected: 0 };
    r.status === 200 ? (row.ok += 1) : (row.rejected += 1);
    perBackend.set(r.backend, row);
  }
  const body = $("backend-summary").querySelector("tbody");
  body.replaceChildren();
  for (const [backend, row] of [...perBackend].sort()) {
    const tr = document.createElement("tr");
    tr.dataset.backend = backend;
    for (const text of [backend, row.ok, row.rejected]) {
      const cell = document.createElement("td");
      cell.textContent = String(text);
      tr.append(cell);
    }
    body.append(tr);
  }
  $("backend-summary").hidden = results.length === 0;
}

async function onSend() {
  const mode = currentMode();
  const button = $("send-requests");
  button.disabled = true;
  $("tiles").replaceChildren();
  const results = await fire(mode, requestCount(), $("tiles"), (soFar) => {
    $("success-rate").textContent = successText(soFar);
    renderSummary(soFar);
  });
  $("success-rate").dataset.rate = String(results.filter((r) => r.status === 200).length / results.length);
  button.disabled = false;
  await renderCredential(mode);
}

/** Show the credential of the mode's requests as the backend received it. */
async function renderCredential(mode) {
  const result = await call(apiUrl(mode, "credential"), { headers: bearer(held.get(mode.name)?.accessToken) });
  const box = $("credential");
  box.replaceChildren();
  const data = result.body ?? {};
  const wire = document.createElement("pre");
  wire.className = "wire-line";
  wire.textContent = data.value ? `${data.header}: ${data.value}` : `(no ${data.header ?? "credential"} header was sent)`;
  const facts = document.createElement("dl");
  facts.className = "facts";
  const rows = [
    ["Size", data.bytes ? `${data.bytes} bytes on every request` : "0 bytes"],
    ["The server looked up", data.lookup ?? mode.lookup],
    [
      "Readable by this page",
      data.readable_by_page
        ? "yes: the page holds the token and adds the header itself"
        : "no: HttpOnly cookie, attached by the browser; values masked by the backend",
    ],
  ];
  if (data.decoded) {
    rows.push([
      "Decoded without the key",
      `${JSON.stringify(data.decoded.payload)} (signature ${data.decoded.signature_valid ? "valid" : "invalid"})`,
    ]);
  }
  for (const [term, value] of rows) {
    const dt = document.createElement("dt");
    dt.textContent = term;
    const dd = document.createElement("dd");
    dd.textContent = value;
    facts.append(dt, dd);
  }
  box.append(wire, facts);
}

function renderInspector() {
  const mode = currentMode();
  const token = held.get(mode.name)?.accessToken;
  const inspector = $("token-inspector");
  clearInterval(countdownTimer);
  if (!isJwt(mode) || !token) {
    inspector.hidden = true;
    return;
  }
  inspector.hidden = false;
  const { parts, header, payload } = parseToken(token);
  const line = $("token-parts");
  line.replaceChildren();
  for (const [name, text] of Object.entries(parts)) {
    const span = document.createElement("span");
    span.className = `part-${name}`;
    span.textContent = text;
    line.append(span);
    if (name !== "signature") line.append(document.createTextNode("."));
  }
  $("token-header").textContent = JSON.stringify(header, null, 2);
  $("token-payload").textContent = JSON.stringify(payload, null, 2);
  const claims = $("token-claims");
  claims.replaceChildren();
  for (const [claim, value] of Object.entries(payload)) {
    const tr = document.createElement("tr");
    const shown = TIME_CLAIMS.has(claim) ? `${value} = ${new Date(value * 1000).toLocaleString()}` : JSON.stringify(value);
    for (const text of [claim, shown, CLAIMS[claim] ?? "a claim of this application"]) {
      const cell = document.createElement("td");
      cell.textContent = text;
      tr.append(cell);
    }
    claims.append(tr);
  }
  const tick = () => {
    const left = payload.exp - Math.floor(Date.now() / 1000);
    $("token-countdown").textContent =
      left > 0
        ? `Expires in ${Math.floor(left / 60)} min ${String(left % 60).padStart(2, "0")} s (issued ${new Date(payload.iat * 1000).toLocaleTimeString()}).`
        : "Expired: every backend now refuses this token. Refresh it or log in again.";
  };
  tick();
  countdownTimer = setInterval(tick, 1000);
}

function needsToken(action) {
  const mode = currentMode();
  const token = held.get(mode.name)?.accessToken;
  if (!isJwt(mode) || !token) {
    showOutcome(action, { status: 0, backend: "this page", body: { error: "log in to a JWT mode first" } },
      "Tampering and alg: none need a token to start from.");
    return null;
  }
  return token;
}

async function onTamper() {
  const token = needsToken("tamper");
  if (!token) return;
  const mode = currentMode();
  const { payload } = parseToken(token);
  const other = payload.sub === "alice" ? "bob" : "alice";
  const forged = tamperedToken(token, { sub: other });
  const result = await call(apiUrl(mode, "me"), { headers: bearer(forged) });
  showOutcome(
    "tamper",
    result,
    result.status === 200
      ? `This server took the edited payload (sub = ${other}) at its word: it did not check the ` +
          "signature. That is the bug; a correct server recomputes the HMAC and refuses."
      : `The page changed sub from ${payload.sub} to ${other}: anyone can, since the payload is ` +
          "only base64url. But the signature was computed over the original header.payload; the " +
          "server recomputed the HMAC over the edited one with its secret, the two differ, and it " +
          "refused the token.",
  );
}

async function onAlgNone() {
  const token = needsToken("alg none");
  if (!token) return;
  const result = await call(apiUrl(currentMode(), "me"), { headers: bearer(unsignedToken(token)) });
  showOutcome(
    "alg none",
    result,
    result.status === 200
      ? 'This server accepted a token whose header says {"alg": "none"}, with no signature at ' +
          "all: it lets the token choose how to be verified. That is the bug; an algorithm " +
          "allowlist set by the server refuses it."
      : 'The page sent the same payload with header {"alg": "none"} and no signature. The server ' +
          "accepts only the algorithm it is configured with (an allowlist), so a token that asks " +
          "not to be verified is refused.",
  );
}

async function onReplay() {
  const mode = currentMode();
  const old = oldCredentials.get(mode.name);
  if (!old) {
    showOutcome("replay", { status: 0, backend: "this page", body: { error: "nothing to replay" } },
      "Log in, then log out with “keep a copy” ticked: the page keeps the old credential to resend it.");
    return;
  }
  // Cookie modes: the browser still holds the old cookie (logout did not delete it) and sends it.
  const result = await call(apiUrl(mode, "me"), { headers: bearer(old.accessToken) });
  const why = REPLAY_WHY[mode.name];
  showOutcome("replay", result, typeof why === "function" ? why(result, old) : why);
}

async function onCompareAll() {
  const button = $("compare-all");
  button.disabled = true;
  const rows = $("compare-rows");
  rows.replaceChildren();
  const count = requestCount();
  for (const mode of MODES.values()) {
    const row = document.createElement("div");
    row.className = "compare-row";
    row.setAttribute("data-testid", "compare-row");
    row.dataset.mode = mode.name;
    const label = document.createElement("h3");
    label.textContent = mode.name;
    const rate = document.createElement("p");
    rate.className = "compare-rate";
    const list = document.createElement("ol");
    list.className = "tiles";
    list.setAttribute("aria-label", `Answers in ${mode.name}`);
    row.append(label, rate, list);
    rows.append(row);
    const loggedIn = await login(mode, $("username").value, $("password").value);
    if (loggedIn.status !== 200) {
      rate.textContent = `login refused (${loggedIn.status})`;
      continue;
    }
    await fire(mode, count, list, (soFar) => {
      rate.textContent = successText(soFar);
    });
  }
  renderInspector();
  setStatus(`Compared all modes as ${$("username").value}: you are now logged in to each.`);
  button.disabled = false;
}

function onModeChange() {
  const mode = currentMode();
  $("mode-description").textContent = mode.description;
  $("mode-credential").textContent = mode.credential;
  $("mode-lookup").textContent = mode.lookup;
  $("fire-target").textContent = `${mode.prefix}/api/me`;
  // The last run and its credential belong to the previous mode: start clean.
  $("tiles").replaceChildren();
  $("success-rate").textContent = "";
  $("backend-summary").hidden = true;
  $("credential").replaceChildren(credentialHint);
  const credential = held.get(mode.name);
  setStatus(credential ? `Logged in to ${mode.name} as ${credential.user}.` : `Not logged in to ${mode.name}.`);
  renderInspector();
}

$("mode-select").addEventListener("change", onModeChange);
$("login-form").addEventListener("submit", onLogin);
$("logout").addEventListener("click", onLogout);
$("send-requests").addEventListener("click", onSend);
$("tamper").addEventListener("click", onTamper);
$("alg-none").addEventListener("click", onAlgNone);
$("replay").addEventListener("click", onReplay);
$("compare-all").addEventListener("click", onCompareAll);
onModeChange();
document.body.dataset.ready = "true";
