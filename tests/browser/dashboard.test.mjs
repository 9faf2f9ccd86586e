// The operator's dashboard in a real browser (Debian's chromium through puppeteer-core), against the
// real hookline-fulfillment binary fed by hookline simulate: sign in, find a shipment the simulator
// just delivered (with a hostile customer name that must show as text), open its timeline, retry
// its tracking dead letter and watch it leave the queue, dismiss the conflict that follows, find an
// event by id; a POST without the session's CSRF token (from the page, and from a form on another
// origin) is refused; every request the pages make goes to the server itself. Screenshots of each
// page are written to --out.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) =>
  (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []));
for (const required of ['server', 'hookline', 'out']) assert.ok(args[required], `--${required} is required`);

const hostileName = '<img src=x onerror="window.__xss=1">';
const hostileLastName = '<script>window.__xss=2</script>';
const shipmentId = 990001;
const adminToken = 'browser-test-admin-token-' + 'x'.repeat(32);
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookline-dashboard-'));
const children = [];

function step(what) { console.log(`dashboard test: ${what}`); }

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(what, probe, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) { last = error; }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? ': ' + last.message : ''}`);
}

function start(name, command, commandArgs, env) {
  const log = fs.openSync(path.join(args.out, name + '.log'), 'w');
  const child = spawn(command, commandArgs, { env: { ...process.env, ...env }, stdio: ['ignore', log, log] });
  children.push(child);
  child.on('exit', (code, signal) => { if (code !== null && code !== 0) console.error(`${name} exited with ${code ?? signal}`); });
  return child;
}

function vrioDate(date) { return date.toISOString().slice(0, 19).replace('T', ' '); }

function shipmentEvent(type, eventId, status, extra = {}) {
  return {
    webhook_type: 'shipment', webhook_event: type, webhook_event_id: eventId, webhook_event_date: vrioDate(new Date()),
    webhook_data: { shipment: { shipment_id: shipmentId, customer_id: 5150, order_id: 777001, shipment_status_id: status, ...extra } },
  };
}

const ports = { webhooks: await freePort(), admin: await freePort(), platform: await freePort(), other: await freePort() };
const admin = `http://127.0.0.1:${ports.admin}`;
const platform = `http://127.0.0.1:${ports.platform}`;
const env = { HOOKLINE_SECRET: 'whsec-browser-test-secret', HOOKLINE_ADMIN_TOKEN: adminToken, HOOKLINE_PLATFORM_API_KEY: 'browser-test-key' };

async function api(pathname, options = {}) {
  const response = await fetch(admin + pathname, { ...options, headers: { Authorization: 'Bearer ' + adminToken, ...(options.headers || {}) } });
  assert.ok(response.ok, `${pathname}: ${response.status} ${await response.clone().text()}`);
  return response.json();
}

async function simulator(pathname, body) {
  const response = await fetch(platform + pathname, body === undefined ? {} : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  assert.ok(response.ok, `simulator ${pathname}: ${response.status} ${await response.clone().text()}`);
  return response.json();
}

let browser;
let otherOrigin;
try {
  step('starting hookline-fulfillment (with the wrong platform API key) and hookline simulate');
  // The server's API key is not the platform's: every tracking post is refused (401) and dead-letters.
  const serverArgs = ['--listen', `127.0.0.1:${ports.webhooks}`, '--admin-listen', `127.0.0.1:${ports.admin}`,
    '--db', path.join(workDir, 'fulfillment.db'), '--platform-url', platform, '--warehouse-delay-ms', '500',
    '--check-before-ship', 'off'];  // the tracking post is the only call to the platform
  let server = start('fulfillment', args.server, serverArgs, { ...env, HOOKLINE_PLATFORM_API_KEY: 'not-the-platform-key' });
  start('simulator', args.hookline, ['simulate', '--mode', 'vrio', '--listen', `127.0.0.1:${ports.platform}`,
    '--db', path.join(workDir, 'simulator.db'), '--shipment-url', `http://127.0.0.1:${ports.webhooks}/webhooks/vrio`,
    '--secret-env', 'HOOKLINE_SECRET', '--generate', '6', '--first-batch-after', '0', '--batch-interval', '3600'], env);
  await waitFor('the admin listener', async () => (await fetch(admin + '/readyz')).ok);
  await waitFor('the simulator', async () => (await fetch(platform + '/api/shipments')).ok);

  step('the simulator delivers a shipment with a hostile customer name');
  const due = new Date(Date.now() - 60000);
  await simulator('/api/events?deliver=now', shipmentEvent('shipment_scheduled', 'xss-1', 'Pending Post', {
    date_scheduled: vrioDate(due),
    shipment_items: [{ shipment_item_id: 1, quantity: 2, item_id: 7, item_name: 'Box <b>bold</b>', item_sku: 'XSS-SKU' }],
    customer_address_shipping: { fname: hostileName, lname: hostileLastName, address1: '1 Elm St', address2: null,
      city: 'Denver', state: 'CO', zipcode: '80014', country: 'US' },
  }));
  await waitFor('its tracking dead letter', async () =>
    (await api('/api/dead-letters/outbox')).dead_letters.some((entry) => entry.shipment_id === shipmentId));

  step('the operator fixes the API key and restarts the server; the dead letter waits for a person');
  const stopped = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  await stopped;
  server = start('fulfillment-restarted', args.server, serverArgs, env);
  await waitFor('the admin listener again', async () => (await fetch(admin + '/readyz')).ok);

  step('signing in');
  browser = await puppeteer.launch({ executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update'] });
  const page = await browser.newPage();
  await page.setViewport({ width: 1360, height: 900 });
  const requests = [];
  const problems = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('pageerror', (error) => problems.push('page error: ' + error.message));
  const refusals = [];
  page.on('response', (response) => {
    if (response.status() >= 400) refusals.push(`${response.request().method()} ${new URL(response.url()).pathname} ${response.status()}`);
  });
  page.on('console', (message) => {
    // A failed response is logged as "Failed to load resource" too: the refusals list says which.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push('console: ' + message.text());
  });
  const shot = (name) => page.screenshot({ path: path.join(args.out, name + '.png'), fullPage: true });

  await page.goto(admin + '/', { waitUntil: 'networkidle0' });
  await page.waitForSelector('#login-form', { visible: true });
  await shot('login');
  await page.type('#token', 'not-the-admin-token-not-the-admin-token');
  await page.click('#login-form button[type=submit]');
  await page.waitForFunction(() => document.getElementById('login-error').textContent.length > 0);
  await page.$eval('#token', (input) => { input.value = ''; });
  await page.type('#token', adminToken);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#overview-cards', { visible: true });
  const cookies = await page.cookies();
  const session = cookies.find((cookie) => cookie.name === 'hookline_session');
  assert.ok(session && session.httpOnly && session.sameSite === 'Strict', 'the session cookie is HttpOnly and SameSite=Strict');
  assert.equal(await page.evaluate(() => document.cookie), '', 'scripts cannot read the session cookie');
  await page.waitForSelector('#deliveries-chart');
  await shot('overview');

  step('finding the shipment the simulator delivered; its customer name shows as text');
  await page.goto(admin + `/#/fulfillments?q=${shipmentId}`);
  const row = `tr[data-shipment="${shipmentId}"]`;
  await page.waitForSelector(row);
  assert.equal(await page.$eval(`${row} td.customer`, (cell) => cell.textContent), `${hostileName} ${hostileLastName}`);
  await page.goto(admin + '/#/fulfillments');
  await page.waitForFunction((id) => document.querySelectorAll('tr[data-shipment]').length >= 1 &&
    document.querySelector(`tr[data-shipment="${id}"]`), {}, shipmentId);
  await shot('fulfillments');

  step('opening its timeline and raw payloads');
  await page.click(row);
  await page.waitForSelector('#timeline li');
  const timeline = await page.$eval('#timeline', (list) => list.textContent);
  assert.match(timeline, /waiting → picking/);
  assert.match(timeline, /packing → shipped/);
  assert.match(timeline, /401/, 'the platform\'s answer to the tracking post');
  const payloads = await page.$eval('#payloads', (block) => block.textContent);
  assert.ok(payloads.includes('xss-1') && payloads.includes(hostileName.replaceAll('"', '\\"')), 'the raw payload is shown as text');
  assert.ok((await page.$eval('#ship-to', (cell) => cell.textContent)).includes(hostileName), 'the address shows the name as text');
  await shot('shipment');
  assert.equal(await page.evaluate(() => document.querySelectorAll('#page img, #page script').length), 0, 'no element made from data');
  assert.equal(await page.evaluate(() => window.__xss), undefined, 'no script from data ran');

  step('a POST without the CSRF token is refused, from the page and from another origin');
  const withoutToken = await page.evaluate((id) => fetch(`/api/dead-letters/outbox/${id}/retry`, { method: 'POST' }).then((r) => r.status), shipmentId);
  assert.equal(withoutToken, 403);
  otherOrigin = http.createServer((request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html' });
    response.end(`<form id="f" method="POST" action="${admin}/api/dead-letters/outbox/${shipmentId}/retry"></form>` +
      '<script>document.getElementById("f").submit()</script>');
  }).listen(ports.other, '127.0.0.1');
  const attacker = await browser.newPage();
  const forged = new Promise((resolve) => attacker.on('response', (response) => {
    if (response.url().includes('/retry')) resolve(response.status());
  }));
  await attacker.goto(`http://127.0.0.1:${ports.other}/`);
  assert.equal(await forged, 403);
  await attacker.close();
  assert.ok((await api('/api/dead-letters/outbox')).dead_letters.some((entry) => entry.shipment_id === shipmentId),
    'the refused requests changed nothing');

  step('retrying the dead letter from Needs attention; it leaves the queue');
  await page.goto(admin + '/#/attention');
  const deadRow = `#attention-outbox tr[data-shipment="${shipmentId}"]`;
  await page.waitForSelector(deadRow);
  await shot('attention');
  await page.click(`${deadRow} button[data-action="retry"]`);
  await page.waitForFunction((selector) => !document.querySelector(selector), {}, deadRow);
  await waitFor('the tracking post to be sent', async () => (await api(`/api/fulfillments/${shipmentId}`)).tracking_post.state === 'sent');

  step('a cancel arrives after shipping: a conflict that needs attention until dismissed with a note');
  await simulator('/api/events?deliver=now', shipmentEvent('shipment_cancelled', 'cancel-1', 'Cancelled'));
  await waitFor('the conflict', async () => (await api('/api/conflicts')).conflicts.some((c) => c.shipment_id === shipmentId));
  await page.goto(admin + '/#/overview');
  await page.waitForSelector('#overview-cards');
  await page.goto(admin + '/#/attention');
  const conflictRow = `#attention-conflicts tr[data-shipment="${shipmentId}"]`;
  await page.waitForSelector(conflictRow);
  await shot('attention-conflict');
  await page.type(`${conflictRow} input[aria-label="note"]`, 'refunded by support');
  await page.click(`${conflictRow} button[data-action="dismiss"]`);
  await page.waitForFunction((selector) => !document.querySelector(selector), {}, conflictRow);
  assert.ok(!(await api('/api/conflicts')).conflicts.some((c) => c.shipment_id === shipmentId), 'the conflict is dismissed');
  assert.match((await api(`/api/fulfillments/${shipmentId}`)).history.at(-1).detail, /refunded by support/);

  step('finding an event by id');
  await page.goto(admin + '/#/events');
  await page.waitForSelector('#event-id');
  await page.type('#event-id', 'cancel-1');
  await page.click('form.filters button[type=submit]');
  // The unfiltered list shows cancel-1 too: wait for the filtered one, a single row, to replace it.
  await page.waitForFunction(() => location.hash.includes('event_id=cancel-1') &&
    document.querySelectorAll('tr[data-event]').length === 1 && document.querySelector('tr[data-event="cancel-1"]'));
  assert.match(await page.$eval('tr[data-event="cancel-1"]', (r) => r.textContent), /conflict/);
  await shot('events');

  step('every request stayed on the server');
  const elsewhere = requests.filter((url) => !url.startsWith(admin + '/'));
  assert.deepEqual(elsewhere, []);
  assert.deepEqual(problems, []);
  // Only the expected refusals: not signed in yet, the wrong token, the POST without the CSRF token.
  assert.deepEqual(refusals, ['GET /api/session 401', 'POST /api/session 401',
    `POST /api/dead-letters/outbox/${shipmentId}/retry 403`]);

  await page.click('#logout');
  await page.waitForSelector('#login-form', { visible: true });
  step(`passed; screenshots in ${args.out}`);
} catch (error) {
  console.error('dashboard test: FAILED:', error);
  process.exitCode = 1;
} finally {
  if (browser) await browser.close();
  if (otherOrigin) otherOrigin.close();
  for (const child of children) child.kill('SIGTERM');
  fs.rmSync(workDir, { recursive: true, force: true });
}
