// breakerbox dashboard: plain browser JavaScript, no build step, no external assets.
// The admin token is typed by the user and kept in sessionStorage; the server never puts it in the page.

const base = document.body.dataset.base ?? '';
const adminEnabled = document.body.dataset.admin === 'true';
const TOKEN_KEY = 'breakerbox.adminToken';
const SPARK_POINTS = 60;
const FEED_LIMIT = 30;

const STATES = {
  closed: { icon: '✓', label: 'Closed' },
  open: { icon: '✕', label: 'Open' },
  half_open: { icon: '◐', label: 'Half-open' },
  forced_open: { icon: '✕', label: 'Forced open' },
  forced_closed: { icon: '✓', label: 'Forced closed' },
};

const $ = (id) => document.getElementById(id);
const cards = new Map();
let token = sessionStorage.getItem(TOKEN_KEY) ?? '';

function stateOf(circuitState) {
  return STATES[circuitState] ?? { icon: '?', label: String(circuitState) };
}

function setBadge(element, kind, text) {
  element.textContent = text;
  element.dataset.kind = kind;
}

function percent(rate) {
  return typeof rate === 'number' ? `${(rate * 100).toFixed(1)}%` : '—';
}

function seconds(ms) {
  return ms >= 10_000 ? `${Math.round(ms / 1000)}s` : `${(ms / 1000).toFixed(1)}s`;
}

function time(at) {
  return new Date(at).toLocaleTimeString();
}

function card(name) {
  let entry = cards.get(name);
  if (entry !== undefined) return entry;
  const node = $('breaker-template').content.firstElementChild.cloneNode(true);
  const id = `breaker-${cards.size}`;
  node.id = id;
  node.setAttribute('aria-labelledby', `${id}-name`);
  const title = node.querySelector('.name');
  title.id = `${id}-name`;
  title.textContent = name;
  const field = (selector) => node.querySelector(selector);
  entry = {
    node,
    name,
    state: field('.state'),
    failureRate: field('.failure-rate'),
    slowRate: field('.slow-rate'),
    window: field('.window'),
    tripped: field('.tripped'),
    countdown: field('.countdown'),
    epoch: field('.epoch'),
    mode: field('.mode'),
    lastError: field('.last-error'),
    replicas: field('.replicas'),
    svg: field('.sparkline'),
    caption: field('.spark-caption'),
    actions: field('.actions'),
    deadline: null,
    last: null,
    lastAt: 0,
    calls: [],
    refusals: [],
  };
  entry.svg.setAttribute('aria-label', `Calls and refusals of ${name}`);
  for (const button of entry.actions.querySelectorAll('button')) {
    button.setAttribute('aria-label', `${button.textContent} ${name}`);
    button.addEventListener('click', () => act(name, button.dataset.action, button));
  }
  entry.actions.hidden = !adminEnabled;
  cards.set(name, entry);
  const list = $('breakers');
  const after = [...cards.keys()].sort().find((other) => other > name);
  list.insertBefore(node, after === undefined ? null : cards.get(after).node);
  $('empty').hidden = true;
  return entry;
}

function pushPoint(series, value) {
  series.push(value);
  if (series.length > SPARK_POINTS) series.shift();
}

function polyline(series, max, dashed) {
  const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
  const step = 120 / (SPARK_POINTS - 1);
  const offset = SPARK_POINTS - series.length;
  const points = series.map(
    (v, i) => `${((offset + i) * step).toFixed(1)},${(29 - (v / max) * 27).toFixed(1)}`,
  );
  line.setAttribute('points', points.join(' '));
  line.setAttribute('class', dashed ? 'line refusals' : 'line calls');
  return line;
}

/** Calls and refusals per second: this replica's own counters (live), plus the other replicas' reported rates. */
function drawSpark(entry, b, receivedAt) {
  const others = b.others ?? { calls: 0, refusals: 0 };
  const own = b.counters ?? null;
  const elapsed = Math.max(0.05, (receivedAt - entry.lastAt) / 1000);
  const delta = (key) =>
    own === null || entry.last === null ? 0 : Math.max(0, own[key] - entry.last[key]) / elapsed;
  if (entry.lastAt !== 0) {
    pushPoint(entry.calls, delta('calls') + others.calls);
    pushPoint(entry.refusals, delta('refusals') + others.refusals);
  }
  entry.last = own;
  entry.lastAt = receivedAt;
  const max = Math.max(1, ...entry.calls, ...entry.refusals);
  entry.svg.replaceChildren(polyline(entry.calls, max, false), polyline(entry.refusals, max, true));
  const rate = (series) => (series.at(-1) ?? 0).toFixed(1);
  const scope = b.local ? 'fleet' : 'other replicas';
  entry.caption.textContent = `— calls ${rate(entry.calls)}/s · ┄ refusals ${rate(entry.refusals)}/s (${scope})`;
}

function renderBreaker(b, view, receivedAt) {
  const entry = card(b.name);
  const circuit = b.circuitState ?? b.state;
  const shown = stateOf(circuit);
  setBadge(entry.state, b.state, `${shown.icon} ${shown.label}`);
  entry.node.dataset.state = b.state;
  const w = b.window;
  entry.failureRate.textContent = w === undefined ? '—' : percent(w.failureRate);
  entry.slowRate.textContent = w === undefined ? '—' : percent(w.slowCallRate);
  entry.window.textContent =
    w === undefined ? '—' : `${w.calls} calls, ${w.failures} failed, ${w.slowCalls} slow`;
  entry.tripped.textContent = describeTrip(b);
  const at = typeof b.at === 'number' ? b.at : view.at;
  entry.deadline =
    b.openUntil === null || b.openUntil === undefined
      ? null
      : receivedAt + Math.max(0, b.openUntil - at);
  entry.epoch.textContent = b.epoch === null || b.epoch === undefined ? '—' : String(b.epoch);
  entry.mode.textContent =
    b.source === 'view'
      ? `yes; shared record unreadable: ${b.error}`
      : b.local
        ? 'yes'
        : 'no (another replica created it)';
  entry.lastError.textContent = b.lastError ?? '—';
  const replicas =
    w === undefined ? [] : Object.entries(w.replicas ?? {}).sort(([x], [y]) => x.localeCompare(y));
  entry.replicas.textContent =
    replicas.length === 0
      ? '—'
      : replicas
          .map(([id, c]) => `${id}: ${c.calls} calls, ${c.failures} failed, ${c.slowCalls} slow`)
          .join('; ');
  drawSpark(entry, b, receivedAt);
  tick(entry);
}

function tick(entry) {
  if (entry.deadline === null) {
    entry.countdown.textContent = '—';
    return;
  }
  const left = entry.deadline - Date.now();
  entry.countdown.textContent = left > 0 ? seconds(left) : 'now (probe due)';
}

function renderView(view) {
  const receivedAt = Date.now();
  $('replica-id').textContent = view.replicaId;
  setBadge($('replica-mode'), view.mode, view.mode);
  const health = { healthy: '✓ healthy', degraded: '! degraded', unhealthy: '✕ unhealthy' };
  setBadge($('replica-health'), view.health, health[view.health] ?? view.health);
  for (const b of view.breakers) renderBreaker(b, view, receivedAt);
  if (view.scope === 'fleet') {
    // A record deleted from Redis leaves the page too.
    const shown = new Set(view.breakers.map((b) => b.name));
    for (const [name, entry] of cards)
      if (!shown.has(name)) {
        entry.node.remove();
        cards.delete(name);
      }
  }
  renderReplicas(view);
}

function renderReplicas(view) {
  const scope = $('scope');
  if (view.scope === 'fleet') {
    const n = view.breakers.length;
    scope.textContent = `Every breaker of the namespace (${n}) across ${view.replicas.length} live replica(s), read from Redis.`;
  } else {
    scope.textContent = `Only this replica's breakers: ${view.fleetError ?? 'no Redis, so no fleet to read'}.`;
  }
  const rows = view.replicas.map((r) => {
    const row = document.createElement('tr');
    if (r.replicaId === view.replicaId) row.className = 'self';
    const health = { healthy: '✓ healthy', degraded: '! degraded', unhealthy: '✕ unhealthy' };
    const cell = (text, kind) => {
      const td = document.createElement('td');
      if (kind === undefined) td.textContent = text;
      else {
        const badge = document.createElement('span');
        badge.className = 'badge';
        setBadge(badge, kind, text);
        td.append(badge);
      }
      return td;
    };
    const workers =
      r.workers.length === 0
        ? '—'
        : r.workers
            .map(
              (w) =>
                `${w.queue}: ${w.paused ? '⏸ paused' : '▶ running'} (${w.dependencies.join(', ')})`,
            )
            .join('; ');
    const unhealthy = r.unhealthy.length === 0 ? '' : ` (${r.unhealthy.join(', ')})`;
    const age = Math.max(0, Math.round((view.at - r.at) / 1000));
    row.append(
      cell(r.replicaId === view.replicaId ? `${r.replicaId} (this page)` : r.replicaId),
      cell(r.mode, r.mode),
      cell(`${health[r.health] ?? r.health}${unhealthy}`, r.health),
      cell(String(r.breakers)),
      cell(workers),
      cell(String(r.gateRefusals)),
      cell(`${age}s ago`),
    );
    return row;
  });
  if (rows.length === 0) {
    const row = document.createElement('tr');
    const td = document.createElement('td');
    td.colSpan = 7;
    td.textContent =
      view.scope === 'fleet'
        ? 'No replica has written a presence entry yet.'
        : 'No fleet: this replica only.';
    row.append(td);
    rows.push(row);
  }
  $('replica-rows').replaceChildren(...rows);
}

function addTransition(t) {
  const item = document.createElement('li');
  const from = stateOf(t.from).label;
  const to = stateOf(t.to);
  item.textContent = `${time(t.at)} ${t.breaker}: ${from} → ${to.icon} ${to.label} (${String(t.reason).replaceAll('_', ' ')}, epoch ${t.epoch}, by ${t.replicaId})`;
  item.dataset.state = to.label;
  const feed = $('feed');
  feed.prepend(item);
  while (feed.children.length > FEED_LIMIT) feed.lastElementChild.remove();
}

function connect() {
  const source = new EventSource(`${base}/events`);
  const status = $('connection');
  source.addEventListener('open', () => setBadge(status, 'live', '● live'));
  source.addEventListener('error', () => setBadge(status, 'down', '○ reconnecting…'));
  source.addEventListener('snapshot', (e) => renderView(JSON.parse(e.data)));
  source.addEventListener('history', (e) => {
    $('feed').replaceChildren();
    for (const t of JSON.parse(e.data)) addTransition(t);
  });
  source.addEventListener('transition', (e) => addTransition(JSON.parse(e.data)));
  source.addEventListener('mode', (e) => {
    const m = JSON.parse(e.data);
    setBadge($('replica-mode'), m.to, m.to);
  });
}

async function act(name, action, button) {
  const status = $('action-status');
  if (token === '') {
    status.textContent = 'Enter the admin token first.';
    $('admin-token').focus();
    return;
  }
  const label = button.textContent;
  button.disabled = true;
  try {
    const path = `${base.slice(0, -'/dashboard'.length)}/breakers/${encodeURIComponent(name)}/${action}`;
    const init = { method: 'POST', headers: { authorization: `Bearer ${token}` } };
    if (action === 'force-open') {
      init.headers['content-type'] = 'application/json';
      init.body = '{}';
    }
    const res = await fetch(path, init);
    if (res.status === 401)
      status.textContent = `${label} ${name}: refused, the admin token is wrong.`;
    else if (!res.ok) status.textContent = `${label} ${name}: failed (${res.status}).`;
    else status.textContent = `${label} ${name}: done.`;
  } catch (error) {
    status.textContent = `${label} ${name}: ${error.message}`;
  } finally {
    button.disabled = false;
  }
}

function setupAdmin() {
  if (!adminEnabled) return;
  const form = $('admin');
  const state = $('admin-state');
  const input = $('admin-token');
  form.hidden = false;
  const show = () => {
    state.textContent = token === '' ? 'No token: actions are refused.' : 'Token set for this tab.';
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    token = input.value.trim();
    input.value = '';
    if (token === '') sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, token);
    show();
  });
  $('admin-forget').addEventListener('click', () => {
    token = '';
    sessionStorage.removeItem(TOKEN_KEY);
    show();
  });
  show();
}

setupAdmin();
connect();
setInterval(() => {
  for (const entry of cards.values()) tick(entry);
}, 250);

/** What tripped the breaker: its snapshot's trippedBy (rule, rate, counts), else the reason it opened. */
function describeTrip(b) {
  const cause = b.trippedBy;
  if (cause !== null && typeof cause === 'object') {
    const slow = cause.rule === 'slow_call_rate';
    const rate = slow ? cause.slowCallRate : cause.failureRate;
    const bad = slow ? `${cause.slowCalls} slow` : `${cause.failures} failed`;
    return `${String(cause.rule).replaceAll('_', ' ')}: ${percent(rate)} of ${cause.calls} calls (${bad})`;
  }
  if (b.state === 'open' && typeof b.reason === 'string') return b.reason.replaceAll('_', ' ');
  return '—';
}
