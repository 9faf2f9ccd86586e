// The operator's dashboard: plain JavaScript over the admin API of this listener. Everything shown
// goes into the page as text nodes, never parsed as HTML: payloads are attacker-controlled.
'use strict';

const state = { csrf: null, charts: [] };

// --- the admin API -------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(path, options = {}) {
  const method = options.method || 'GET';
  const headers = {};
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && state.csrf) headers['X-CSRF-Token'] = state.csrf;
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (_) { data = null; }
  if (!response.ok) {
    const error = data && data.error ? data.error : { code: 'http_' + response.status, message: text };
    if (response.status === 401 && !options.quietUnauthorized) showLogin();
    throw new ApiError(response.status, error.code, error.message);
  }
  return data;
}

function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  }
  const text = search.toString();
  return text ? '?' + text : '';
}

// --- building the page (text only) ---------------------------------------------------------------

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function when(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
}

function badge(text) { return el('span', { class: 'state ' + String(text) }, text); }

function table(headings, rows) {
  return el('table', {},
    el('thead', {}, el('tr', {}, headings.map((heading) => el('th', {}, heading)))),
    el('tbody', {}, rows.length ? rows : el('tr', {}, el('td', { colspan: headings.length, class: 'muted' }, 'Nothing here.'))));
}

function card(label, value, sub) {
  return el('div', { class: 'card' }, el('div', { class: 'label' }, label), el('div', { class: 'value' }, value),
    sub ? el('div', { class: 'sub' }, sub) : null);
}

function page(...children) {
  destroyCharts();
  const root = document.getElementById('page');
  root.replaceChildren(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
  return root;
}

function failure(error) {
  return el('p', { class: 'error', role: 'alert' }, error instanceof ApiError ? error.code + ': ' + error.message : String(error));
}

function destroyCharts() {
  for (const chart of state.charts) chart.destroy();
  state.charts = [];
}

// A list paged by cursor: `load(cursor)` answers {rows, next_cursor, total}; Previous keeps the
// cursors already seen.
function pagedList(headings, load) {
  const holder = el('div');
  const cursors = [null];
  let index = 0;
  async function show() {
    try {
      const { rows, next_cursor: next, total } = await load(cursors[index]);
      const previous = el('button', { type: 'button', disabled: index === 0, onclick: () => { index -= 1; show(); } }, 'Previous');
      const nextButton = el('button', { type: 'button', disabled: !next, 'data-next': next || '',
        onclick: () => { cursors[index + 1] = next; index += 1; show(); } }, 'Next');
      const summary = 'page ' + (index + 1) + (total === null || total === undefined ? '' : ' · ' + total + ' in all');
      holder.replaceChildren(table(headings, rows), el('div', { class: 'pager' }, previous, nextButton, summary));
    } catch (error) {
      holder.replaceChildren(failure(error));
    }
  }
  show();
  holder.refresh = show;
  return holder;
}

// --- signing in ------------------------------------------------------------------------------------

function showLogin() {
  document.getElementById('nav').hidden = true;
  document.getElementById('login').hidden = false;
  page();
}

async function signIn(event) {
  event.preventDefault();
  const message = document.getElementById('login-error');
  message.textContent = '';
  try {
    const answer = await api('/api/session', { method: 'POST', body: { token: document.getElementById('token').value }, quietUnauthorized: true });
    state.csrf = answer.csrf_token;
    document.getElementById('token').value = '';
    signedIn();
  } catch (error) {
    message.textContent = error.message;
  }
}

async function signOut() {
  try { await api('/api/session', { method: 'DELETE' }); } catch (_) { /* signed out either way */ }
  state.csrf = null;
  showLogin();
}

function signedIn() {
  document.getElementById('login').hidden = true;
  document.getElementById('nav').hidden = false;
  route();
}

// --- overview --------------------------------------------------------------------------------------

async function overviewPage(params) {
  const windowName = params.get('window') === 'day' ? 'day' : 'hour';
  const data = await api('/api/overview' + query({ window: windowName }));
  const live = data.since_start || { received: {}, refused: 0, handled: 0, last_delivery: [], handler_latency: { buckets: [] } };
  const states = Object.entries(data.fulfillments);
  const attentionTotal = data.attention.errors + data.attention.conflicts + data.attention.held + data.inbox.dead +
    data.outbox.dead + data.quarantined + data.refused_kept;
  const refusedReasons = Object.entries(live.received).filter(([outcome]) => outcome !== 'accepted' && outcome !== 'duplicate')
    .map(([outcome, count]) => outcome + ' ' + count).join(', ');
  const perMinute = el('canvas', { id: 'deliveries-chart' });
  const latency = el('canvas', { id: 'latency-chart' });
  const lastDelivery = live.last_delivery.map((entry) =>
    el('tr', {}, el('td', {}, entry.platform), el('td', {}, when(entry.at)),
      el('td', {}, Math.round((Date.parse(data.now) - Date.parse(entry.at)) / 60000) + ' min ago')));
  page(
    el('h1', {}, 'Overview'),
    el('div', { class: 'filters' }, 'Window:',
      el('a', { href: '#/overview?window=hour' }, 'last hour'), el('a', { href: '#/overview?window=day' }, 'last day')),
    el('div', { class: 'cards', id: 'overview-cards' },
      card('Received', live.received.accepted || 0, 'since the server started'),
      card('Duplicates', live.received.duplicate || 0, 'same event id again'),
      card('Refused', live.refused, refusedReasons || 'no refusals'),
      card('Quarantined', data.quarantined, 'authentic, did not parse'),
      card('Handled', live.handled, 'events since start'),
      card('Dead letters', data.inbox.dead + data.outbox.dead, 'inbox ' + data.inbox.dead + ', outbox ' + data.outbox.dead),
      card('Tracking outbox', data.outbox.pending, 'posts waiting'),
      card('Needs attention', attentionTotal, 'errors ' + data.attention.errors + ', conflicts ' + data.attention.conflicts),
      states.map(([name, count]) => card('Fulfillments ' + name, count))),
    el('div', { class: 'charts' },
      el('div', { class: 'chart' }, perMinute),
      el('div', { class: 'chart' }, latency)),
    el('h2', {}, 'Last delivery per platform'),
    table(['Platform', 'Last delivery', ''], lastDelivery),
    el('p', { class: 'muted' }, 'Last event handled: ' + when(data.last_event_handled_at)));
  if (typeof Chart === 'undefined') return;
  // Every minute of the window, the quiet ones at zero (the API leaves them out).
  const counted = new Map(data.events_per_minute.map((point) => [Date.parse(point.minute), point.events]));
  const lastMinute = Math.floor(Date.parse(data.now) / 60000) * 60000;
  const minutes = windowName === 'day' ? 1440 : 60;
  const series = Array.from({ length: minutes }, (_, i) => lastMinute - (minutes - 1 - i) * 60000);
  state.charts.push(new Chart(perMinute, {
    type: 'bar',
    data: {
      labels: series.map((minute) => new Date(minute).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })),
      datasets: [{ label: 'Events handled per minute (last ' + windowName + ')', data: series.map((minute) => counted.get(minute) || 0), backgroundColor: '#2457c5' }],
    },
    options: { animation: false, maintainAspectRatio: false, scales: { y: { beginAtZero: true } } },
  }));
  const buckets = live.handler_latency.buckets;
  state.charts.push(new Chart(latency, {
    type: 'bar',
    data: {
      labels: buckets.map((bucket) => '≤ ' + (bucket.le < 1 ? bucket.le * 1000 + ' ms' : bucket.le + ' s')),
      datasets: [{ label: 'Handler latency (events since start)', data: buckets.map((bucket, i) => bucket.count - (i ? buckets[i - 1].count : 0)), backgroundColor: '#17803d' }],
    },
    options: { animation: false, maintainAspectRatio: false, scales: { y: { beginAtZero: true } } },
  }));
}

// --- needs attention -------------------------------------------------------------------------------

function actionButton(label, action, list, className) {
  return el('button', { type: 'button', class: className, 'data-action': label.toLowerCase(),
    onclick: async (event) => {
      event.target.disabled = true;
      try {
        await action();
        list.refresh();
        refreshBadge();
      } catch (error) {
        event.target.disabled = false;
        event.target.after(failure(error));
      }
    } }, label);
}

function noteAction(label, path, listRef) {
  const note = el('input', { type: 'text', placeholder: 'note (why)', 'aria-label': 'note' });
  return el('span', { class: 'actions' }, note,
    actionButton(label, () => {
      if (!note.value.trim()) throw new ApiError(0, 'note_required', 'write a note first');
      return api(path, { method: 'POST', body: { note: note.value } });
    }, listRef()));
}

function attentionSection(title, id, headings, path, key, rowOf, filter = {}) {
  let list = null;
  list = pagedList(headings, async (cursor) => {
    const data = await api(path + query({ ...filter, limit: 20, cursor }));
    return { rows: data[key].map((entry) => rowOf(entry, () => list)), next_cursor: data.next_cursor, total: data.total };
  });
  return el('section', { id }, el('h2', {}, title), list);
}

function shipmentLink(id) { return el('a', { href: '#/shipment/' + encodeURIComponent(id) }, String(id)); }

async function attentionPage() {
  page(
    el('h1', {}, 'Needs attention'),
    attentionSection('Fulfillments in error', 'attention-errors', ['Shipment', 'Why', 'Updated', 'Action'],
      '/api/fulfillments', 'fulfillments', (f, list) => el('tr', { 'data-shipment': f.shipment_id },
        el('td', {}, shipmentLink(f.shipment_id)), el('td', {}, f.attention), el('td', {}, when(f.updated_at)),
        el('td', { class: 'actions' },
          actionButton('Retry', () => api('/api/fulfillments/' + f.shipment_id + '/retry', { method: 'POST' }), list()),
          shipByHand(f.shipment_id, list))), { state: 'error' }),
    attentionSection('Conflicts (a cancel or change after shipping)', 'attention-conflicts', ['Shipment', 'State', 'Event', 'Why', 'Action'],
      '/api/conflicts', 'conflicts', (c, list) => el('tr', { 'data-shipment': c.shipment_id },
        el('td', {}, shipmentLink(c.shipment_id)), el('td', {}, badge(c.state || 'none')), el('td', {}, c.event, el('br'), el('span', { class: 'muted' }, c.event_id)),
        el('td', {}, c.detail), el('td', {}, noteAction('Dismiss', '/api/conflicts/' + c.shipment_id + '/dismiss', list)))),
    attentionSection('Events held for shipments never scheduled', 'attention-held', ['Shipment', 'Held events', 'Held since', 'Action'],
      '/api/held', 'held', (h, list) => el('tr', { 'data-shipment': h.shipment_id },
        el('td', {}, shipmentLink(h.shipment_id)), el('td', {}, h.events), el('td', {}, when(h.first_held_at)),
        el('td', {}, noteAction('Dismiss', '/api/held/' + h.shipment_id + '/dismiss', list)))),
    attentionSection('Inbox dead letters (handling gave up)', 'attention-inbox', ['Entry', 'Event', 'Attempts', 'Last error', 'Action'],
      '/api/dead-letters/inbox', 'dead_letters', (d, list) => el('tr', {},
        el('td', {}, d.id), el('td', {}, d.event, el('br'), el('span', { class: 'muted' }, d.event_id)), el('td', {}, d.attempts),
        el('td', {}, d.last_error), el('td', {}, actionButton('Replay', () => api('/api/dead-letters/inbox/' + d.id + '/replay', { method: 'POST' }), list())))),
    attentionSection('Outbox dead letters (tracking post gave up)', 'attention-outbox', ['Shipment', 'Tracking', 'Attempts', 'Last error', 'Action'],
      '/api/dead-letters/outbox', 'dead_letters', (d, list) => el('tr', { 'data-shipment': d.shipment_id },
        el('td', {}, shipmentLink(d.shipment_id)), el('td', {}, d.shipment_tracking_id), el('td', {}, d.attempts),
        el('td', {}, d.last_error), el('td', {}, actionButton('Retry', () => api('/api/dead-letters/outbox/' + d.shipment_id + '/retry', { method: 'POST' }), list())))),
    attentionSection('Quarantined deliveries (authentic, did not parse)', 'attention-quarantine', ['Id', 'Platform', 'Received', 'Error', 'Action'],
      '/api/quarantine', 'quarantine', (q, list) => el('tr', {},
        el('td', {}, q.id), el('td', {}, q.platform), el('td', {}, when(q.received_at)), el('td', {}, q.error.path + ': ' + q.error.message),
        el('td', { class: 'actions' },
          actionButton('Replay', () => api('/api/quarantine/' + q.id + '/replay', { method: 'POST' }), list()),
          actionButton('Delete', () => api('/api/quarantine/' + q.id, { method: 'DELETE' }), list(), 'danger')))),
    attentionSection('Refused deliveries (did not authenticate)', 'attention-refused', ['Id', 'Platform', 'Peer', 'Reason', 'Received', 'Action'],
      '/api/refused', 'refused', (r, list) => el('tr', {},
        el('td', {}, r.id), el('td', {}, r.platform), el('td', {}, r.peer), el('td', {}, r.reason + ': ' + r.message),
        el('td', {}, when(r.received_at)), el('td', {}, actionButton('Retry', () => api('/api/refused/' + r.id + '/retry', { method: 'POST' }), list())))));
}

function shipByHand(shipmentId, list) {
  const tracking = el('input', { type: 'text', placeholder: 'tracking number', 'aria-label': 'tracking number' });
  const carrier = el('select', { 'aria-label': 'carrier' }, el('option', { value: '1' }, 'USPS'), el('option', { value: '2' }, 'UPS'));
  return el('span', { class: 'actions' }, tracking, carrier,
    actionButton('Ship by hand', () => {
      if (!tracking.value.trim()) throw new ApiError(0, 'tracking_required', 'enter the tracking number');
      return api('/api/fulfillments/' + shipmentId + '/ship', { method: 'POST', body: { tracking: tracking.value, carrier_id: Number(carrier.value) } });
    }, list()));
}

async function refreshBadge() {
  try {
    const counts = await api('/api/attention', { quietUnauthorized: true });
    document.getElementById('attention-badge').textContent = counts.total ? String(counts.total) : '';
  } catch (_) { /* the page shows the failure */ }
}

// --- fulfillments ----------------------------------------------------------------------------------

const states = ['waiting', 'picking', 'packing', 'shipped', 'cancelled', 'skipped', 'error', 'returned'];

function customerName(f) {
  if (!f.address) return '';
  return [f.address.fname, f.address.lname].filter(Boolean).join(' ');
}

async function fulfillmentsPage(params) {
  const stateSelect = el('select', { id: 'state-filter', 'aria-label': 'state' }, el('option', { value: '' }, 'any state'),
    states.map((name) => el('option', { value: name, selected: params.get('state') === name }, name)));
  const search = el('input', { id: 'search', type: 'search', value: params.get('q') || '',
    placeholder: 'shipment, order, customer, SKU or tracking number', size: 40 });
  const attentionOnly = el('input', { id: 'attention-only', type: 'checkbox', checked: params.get('needs_attention') === 'true' });
  const form = el('form', { class: 'filters', onsubmit: (event) => {
    event.preventDefault();
    location.hash = '#/fulfillments' + query({ state: stateSelect.value, q: search.value.trim(), needs_attention: attentionOnly.checked ? 'true' : '' });
  } }, stateSelect, search, el('label', {}, attentionOnly, ' needs attention'), el('button', { type: 'submit', class: 'primary' }, 'Search'));
  const list = pagedList(['Shipment', 'State', 'Customer', 'Order', 'Items', 'Tracking', 'Created'], async (cursor) => {
    const data = await api('/api/fulfillments' + query({ state: params.get('state'), q: params.get('q'),
      needs_attention: params.get('needs_attention'), limit: 50, cursor }));
    return {
      rows: data.fulfillments.map((f) => el('tr', { class: 'clickable', 'data-shipment': f.shipment_id, onclick: () => { location.hash = '#/shipment/' + f.shipment_id; } },
        el('td', {}, shipmentLink(f.shipment_id)),
        el('td', {}, badge(f.state), f.needs_attention ? el('span', { class: 'state error' }, 'attention') : null),
        el('td', { class: 'customer' }, customerName(f)),
        el('td', {}, f.order_id === null ? '' : f.order_id),
        el('td', {}, f.items.map((item) => item.quantity + ' × ' + item.item_sku).join(', ')),
        el('td', {}, f.tracking ? f.tracking.shipment_tracking_id : ''),
        el('td', {}, when(f.created_at)))),
      next_cursor: data.next_cursor,
      total: data.total,
    };
  });
  page(el('h1', {}, 'Fulfillments'), form, list);
}

// --- one shipment ----------------------------------------------------------------------------------

function addressLines(address) {
  if (!address) return ['no address yet'];
  return [[address.fname, address.lname].filter(Boolean).join(' '), address.address1, address.address2,
    [address.city, address.state, address.zipcode].filter(Boolean).join(' '), address.country].filter(Boolean);
}

async function shipmentPage(id) {
  const [f, events] = await Promise.all([
    api('/api/fulfillments/' + encodeURIComponent(id)),
    api('/api/events' + query({ shipment_id: id, payload: 'true', limit: 200 })),
  ]);
  const timeline = f.history.map((line) => el('li', { class: 'kind-' + line.kind },
    el('span', { class: 'when' }, when(line.at)), badge(line.decision || line.kind), ' ',
    line.kind === 'transition' ? line.from + ' → ' + line.to + ': ' : '',
    line.event ? line.event + ' (' + line.event_id + ') ' : '', line.detail));
  const attempts = f.tracking_attempts.map((attempt) => el('tr', {},
    el('td', {}, attempt.attempt), el('td', {}, when(attempt.at)), el('td', {}, badge(attempt.outcome)),
    el('td', {}, attempt.http_status || '—'), el('td', {}, attempt.detail)));
  const payloads = events.events.map((event, i) => el('details', { class: 'payload', open: i === 0 },
    el('summary', {}, event.event + ' · ' + event.decision + ' · ' + event.event_id + ' · ' + when(event.handled_at)),
    el('p', {}, event.explanation), el('pre', {}, prettyJson(event.payload))));
  page(
    el('h1', {}, 'Shipment ' + f.shipment_id + ' ', badge(f.state)),
    f.needs_attention ? el('p', { class: 'notice' }, f.state === 'error' ? 'In error: ' + f.attention : 'A conflict needs a look (see the timeline).') : null,
    el('div', { class: 'grid2' },
      el('dl', {},
        el('dt', {}, 'Ship to'), el('dd', { id: 'ship-to' }, addressLines(f.address).map((line) => el('div', {}, line))),
        el('dt', {}, 'Order'), el('dd', {}, f.order_id === null ? '—' : f.order_id),
        el('dt', {}, 'Customer'), el('dd', {}, f.customer_id === null ? '—' : f.customer_id),
        el('dt', {}, 'Scheduled'), el('dd', {}, when(f.date_scheduled)),
        el('dt', {}, 'Tracking'), el('dd', {}, f.tracking ? f.tracking.shipment_tracking_id + ' (carrier ' + f.tracking.carrier_id + ', ' + f.tracking.source + ')' : '—'),
        el('dt', {}, 'Tracking post'), el('dd', {}, f.tracking_post ? f.tracking_post.state + ', ' + f.tracking_post.attempts + ' attempts' : '—')),
      table(['Qty', 'SKU', 'Item'], f.items.map((item) => el('tr', {}, el('td', {}, item.quantity), el('td', {}, item.item_sku), el('td', {}, item.item_name))))),
    el('h2', {}, 'Timeline'),
    el('ol', { class: 'timeline', id: 'timeline' }, timeline),
    el('h2', {}, 'Tracking attempts'),
    table(['#', 'At', 'Outcome', 'HTTP', 'Platform answer'], attempts),
    el('h2', {}, 'Events and their raw payloads'),
    el('div', { id: 'payloads' }, payloads.length ? payloads : el('p', { class: 'muted' }, 'No events.')));
}

function prettyJson(text) {
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch (_) { return String(text); }
}

// --- events ----------------------------------------------------------------------------------------

const decisions = ['apply', 'stale', 'hold', 'duplicate', 'ignore', 'too_late', 'conflict', 'recorded'];

async function eventsPage(params) {
  const eventId = el('input', { id: 'event-id', type: 'search', placeholder: 'event id', value: params.get('event_id') || '', size: 36 });
  const type = el('input', { id: 'event-type', type: 'search', placeholder: 'type, e.g. shipment_scheduled', value: params.get('type') || '' });
  const decision = el('select', { id: 'decision', 'aria-label': 'decision' }, el('option', { value: '' }, 'any decision'),
    decisions.map((name) => el('option', { value: name, selected: params.get('decision') === name }, name)));
  const form = el('form', { class: 'filters', onsubmit: (event) => {
    event.preventDefault();
    location.hash = '#/events' + query({ event_id: eventId.value.trim(), type: type.value.trim(), decision: decision.value });
  } }, eventId, type, decision, el('button', { type: 'submit', class: 'primary' }, 'Find'));
  const list = pagedList(['Handled', 'Event', 'Event id', 'Shipment', 'Decision', 'Why', 'Payload'], async (cursor) => {
    const data = await api('/api/events' + query({ event_id: params.get('event_id'), type: params.get('type'),
      decision: params.get('decision'), payload: 'true', limit: 50, cursor }));
    return {
      rows: data.events.map((event) => el('tr', { 'data-event': event.event_id },
        el('td', {}, when(event.handled_at)), el('td', {}, event.event), el('td', {}, event.event_id),
        el('td', {}, event.shipment_id === null ? '' : shipmentLink(event.shipment_id)), el('td', {}, badge(event.decision)),
        el('td', {}, event.explanation),
        el('td', {}, el('details', { open: data.events.length === 1 }, el('summary', {}, 'raw'), el('pre', {}, prettyJson(event.payload)))))),
      next_cursor: data.next_cursor,
      total: data.total,
    };
  });
  page(el('h1', {}, 'Events'), form, list);
}

// --- routing ---------------------------------------------------------------------------------------

async function route() {
  const [path, search] = (location.hash.replace(/^#/, '') || '/overview').split('?');
  const params = new URLSearchParams(search || '');
  const parts = path.split('/').filter(Boolean);
  const name = parts[0] || 'overview';
  for (const link of document.querySelectorAll('nav a')) link.classList.toggle('active', link.dataset.page === name);
  refreshBadge();
  try {
    if (name === 'attention') await attentionPage();
    else if (name === 'fulfillments') await fulfillmentsPage(params);
    else if (name === 'shipment' && parts[1]) await shipmentPage(parts[1]);
    else if (name === 'events') await eventsPage(params);
    else await overviewPage(params);
    document.body.dataset.page = name;
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) page(failure(error));
  }
}

async function start() {
  document.getElementById('login-form').addEventListener('submit', signIn);
  document.getElementById('logout').addEventListener('click', signOut);
  window.addEventListener('hashchange', () => { if (!document.getElementById('nav').hidden) route(); });
  try {
    const session = await api('/api/session', { quietUnauthorized: true });
    state.csrf = session.csrf_token || null;
    signedIn();
  } catch (_) {
    showLogin();
  }
}

start();
