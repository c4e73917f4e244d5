'use strict';
// Webhooks (issue 4) received by a real HTTP server on loopback. Every request is checked with
// the node SDK's webhook validation (pusher.webhook({headers, rawBody}).isValid(), getEvents()).
// Each event type; debounce (a reload sends nothing); per-target filters; retries after
// failures; a bounded outbox for a receiver that never recovers, visible in /metrics.
//
// Timings are shortened: debounce 1 s, batches of up to 100 ms.

const { describe, test, afterEach } = require('../helpers/testing');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { APP, freePort } = require('../helpers/server');
const {
  PusherSDK, sdk, createClient, connectClient, connectUser, waitConnected, disconnectAll, subscribeOk,
  barrier, eventually, uniqueName, RawClient,
} = require('../helpers/clients');
const { WebhookReceiver, useWebhookServer, hook, fetchMetrics, metricValue } = require('../helpers/webhooks');

afterEach(disconnectAll);

const DEBOUNCE_MS = 1000;
const TIMINGS = { HERALD_WEBHOOK_DEBOUNCE_MS: DEBOUNCE_MS, HERALD_WEBHOOK_BATCH_MAX_WAIT_MS: 100 };
const member = (id, info = {}) => ({ user_id: id, user_info: info });

/**
 * Every request the receiver got so far is a POST the SDK validates, with headers exactly as
 * docs/protocol.md §6.1 says and a {time_ms, events} body.
 */
function assertAllValid(receiver, app) {
  assert.ok(receiver.requests.length > 0, 'the receiver got requests');
  for (const r of receiver.requests) {
    assert.equal(r.method, 'POST');
    assert.equal(r.headers['content-type'], 'application/json', 'Content-Type exactly application/json');
    assert.equal(r.headers['x-pusher-key'], app.key);
    assert.match(r.headers['x-pusher-signature'], /^[0-9a-f]{64}$/);
    assert.equal(r.valid, true, `the SDK validates ${r.rawBody}`);
    const body = JSON.parse(r.rawBody);
    assert.equal(typeof body.time_ms, 'number');
    assert.ok(Array.isArray(body.events) && body.events.length > 0, r.rawBody);
    assert.deepEqual(r.events, body.events, 'getEvents() is the body events');
  }
}

describe('webhooks of the default app (HERALD_APP_WEBHOOK_URL)', () => {
  const receiver = new WebhookReceiver(APP);
  const server = useWebhookServer([receiver], () => ({
    ...TIMINGS,
    HERALD_APP_WEBHOOK_URL: receiver.url,
    HERALD_APP_SUBSCRIPTION_COUNT: 'true',
  }));

  test('signed: the SDK validates each request; a tampered body, another secret or key do not', async () => {
    const ch = uniqueName('wh-signed');
    const before = Date.now();
    const p = await connectClient(server);
    await subscribeOk(p, ch);
    await receiver.waitForEvent(hook('channel_occupied', ch), { what: `channel_occupied ${ch}` });
    const request = receiver.accepted().find((r) => r.events.some(hook('channel_occupied', ch)));
    const body = JSON.parse(request.rawBody);
    assert.ok(body.time_ms >= before - 1000 && body.time_ms <= Date.now() + 1000, `time_ms ${body.time_ms}`);
    assertAllValid(receiver, APP);

    const validator = new PusherSDK({ appId: APP.id, key: APP.key, secret: APP.secret });
    const { headers, rawBody } = request;
    assert.equal(validator.webhook({ headers, rawBody }).isValid(), true);
    const tampered = rawBody.replace(ch, `${ch}x`);
    assert.notEqual(tampered, rawBody);
    assert.equal(validator.webhook({ headers, rawBody: tampered }).isValid(), false, 'tampered body');
    const otherSecret = new PusherSDK({ appId: APP.id, key: APP.key, secret: 'another-secret' });
    assert.equal(otherSecret.webhook({ headers, rawBody }).isValid(), false, 'another secret');
    assert.equal(validator.webhook({ headers: { ...headers, 'x-pusher-key': 'other-key' }, rawBody }).isValid(), false,
      'another key');
  });

  test('channel_occupied once on the first subscriber, channel_vacated once after the last leaves and the debounce', async () => {
    const ch = uniqueName('wh-occupancy');
    const a = await connectClient(server);
    await subscribeOk(a, ch);
    const b = await connectClient(server);
    await subscribeOk(b, ch);
    await receiver.waitForEvent(hook('channel_occupied', ch));
    a.unsubscribe(ch);
    const leftAt = Date.now();
    b.disconnect();
    await receiver.waitForEvent(hook('channel_vacated', ch), { what: `channel_vacated ${ch}` });
    const vacatedAfter = Date.now() - leftAt;
    assert.ok(vacatedAfter >= DEBOUNCE_MS - 100, `vacated ${vacatedAfter} ms after the last leave: debounced`);
    assert.equal(receiver.events(hook('channel_occupied', ch)).length, 1);
    assert.equal(receiver.events(hook('channel_vacated', ch)).length, 1);
    for (const e of receiver.events((x) => x.channel === ch && x.name.startsWith('channel_'))) {
      assert.deepEqual(Object.keys(e).sort(), ['channel', 'name']);
    }
    assertAllValid(receiver, APP);
  });

  test('member_added and member_removed once per user, not per socket', async () => {
    const ch = uniqueName('presence-wh-members');
    const probe = uniqueName('wh-members-probe');
    const u1a = await connectClient(server, { user: member('u1', { n: 1 }) });
    await subscribeOk(u1a, ch);
    await subscribeOk(u1a, probe);
    const u1b = await connectClient(server, { user: member('u1', { n: 1 }) });
    await subscribeOk(u1b, ch);
    const u2 = await connectClient(server, { user: member('u2') });
    await subscribeOk(u2, ch);
    await receiver.waitForEvent(hook('member_added', ch, { user_id: 'u2' }));
    // u1 leaves one socket, then the other; u2 stays. Once the server has let the first socket
    // go (its probe channel is vacant), a removal for that leave would be due before the one
    // for the last.
    u1a.disconnect();
    await eventually(async () => {
      const info = await (await sdk(server).get({ path: `/channels/${probe}` })).json();
      assert.equal(info.occupied, false);
    });
    const users = await (await sdk(server).get({ path: `/channels/${ch}/users` })).json();
    assert.deepEqual(users.users.map((u) => u.id).sort(), ['u1', 'u2']);
    u1b.unsubscribe(ch);
    const removed = await receiver.waitForEvent(hook('member_removed', ch, { user_id: 'u1' }), { what: 'member_removed u1' });
    assert.deepEqual(removed, { name: 'member_removed', channel: ch, user_id: 'u1' });
    assert.equal(receiver.events(hook('member_added', ch, { user_id: 'u1' })).length, 1);
    assert.equal(receiver.events(hook('member_added', ch, { user_id: 'u2' })).length, 1);
    assert.equal(receiver.events(hook('member_removed', ch, { user_id: 'u1' })).length, 1);
    assert.equal(receiver.events(hook('member_removed', ch, { user_id: 'u2' })).length, 0);
    assert.deepEqual(receiver.events(hook('member_added', ch, { user_id: 'u1' }))[0],
      { name: 'member_added', channel: ch, user_id: 'u1' });
    assertAllValid(receiver, APP);
  });

  test('client_event: event, data and socket_id; user_id on presence channels only', async () => {
    const priv = uniqueName('private-wh-ce');
    const pres = uniqueName('presence-wh-ce');
    const a = await connectClient(server, { user: member('sender') });
    const b = await connectClient(server, { user: member('receiver') });
    const chA = await subscribeOk(a, priv);
    await subscribeOk(b, priv);
    const chAp = await subscribeOk(a, pres);
    await subscribeOk(b, pres);
    chA.trigger('client-typing', { text: 'hi', n: 1 });
    chAp.trigger('client-wave', { hand: 'left' });
    const e1 = await receiver.waitForEvent(hook('client_event', priv), { what: 'client_event on the private channel' });
    const e2 = await receiver.waitForEvent(hook('client_event', pres), { what: 'client_event on the presence channel' });
    const socketId = a.connection.socket_id;
    assert.equal(e1.event, 'client-typing');
    assert.equal(e1.socket_id, socketId);
    assert.equal(e1.user_id, undefined, 'no user_id on a private channel');
    assert.equal(typeof e1.data, 'string', 'data as the JSON string Pusher documents');
    assert.deepEqual(JSON.parse(e1.data), { text: 'hi', n: 1 });
    assert.equal(e2.event, 'client-wave');
    assert.equal(e2.socket_id, socketId);
    assert.equal(e2.user_id, 'sender');
    assert.deepEqual(JSON.parse(e2.data), { hand: 'left' });
    assertAllValid(receiver, APP);
  });

  test('cache_miss for a subscriber to an empty cache channel, none when the cache holds an event', async () => {
    const empty = uniqueName('cache-wh-empty');
    const full = uniqueName('cache-wh-full');
    const marker = uniqueName('cache-wh-marker');
    await sdk(server).trigger(full, 'kept', {});
    const p = await connectClient(server);
    await subscribeOk(p, empty);
    await subscribeOk(p, full);
    await p.rec.waitFor((m) => m.event === 'kept' && m.channel === full);
    const e = await receiver.waitForEvent(hook('cache_miss', empty), { what: 'cache_miss' });
    assert.deepEqual(e, { name: 'cache_miss', channel: empty });
    // A later miss on another channel orders the check for the full one.
    await subscribeOk(p, marker);
    await receiver.waitForEvent(hook('cache_miss', marker));
    assert.equal(receiver.events(hook('cache_miss', full)).length, 0);
    assert.equal(receiver.events(hook('cache_miss', empty)).length, 1);
    assertAllValid(receiver, APP);
  });

  test('subscription_count as the count changes (non-presence channels)', async () => {
    const ch = uniqueName('wh-count');
    const a = await connectClient(server);
    await subscribeOk(a, ch);
    const b = await connectClient(server);
    await subscribeOk(b, ch);
    await receiver.waitForEvent(hook('subscription_count', ch, { subscription_count: 2 }), { what: 'subscription_count 2' });
    b.disconnect();
    const counts = () => receiver.events(hook('subscription_count', ch)).map((e) => e.subscription_count);
    await receiver.waitUntil(() => counts().lastIndexOf(1) > counts().indexOf(2), { what: 'subscription_count 1 after 2' });
    assert.equal(counts()[counts().length - 1], 1, JSON.stringify(counts()));
    assert.ok(receiver.events((e) => e.name === 'subscription_count' && e.channel.startsWith('presence-')).length === 0,
      'none for presence channels');
    assertAllValid(receiver, APP);
  });

  test('a page reload within the debounce sends no vacated/occupied nor removed/added pair', async () => {
    const ch = uniqueName('wh-reload');
    const pres = uniqueName('presence-wh-reload');
    const user = member('reloader');
    const first = await connectClient(server, { user });
    await subscribeOk(first, ch);
    await subscribeOk(first, pres);
    await receiver.waitForEvent(hook('channel_occupied', ch));
    await receiver.waitForEvent(hook('member_added', pres, { user_id: 'reloader' }));

    const leftAt = Date.now();
    first.disconnect();
    const second = await connectClient(server, { user });
    await subscribeOk(second, ch);
    await subscribeOk(second, pres);
    const back = Date.now() - leftAt;
    assert.ok(back < DEBOUNCE_MS - 200, `the reload took ${back} ms: not within the debounce`);

    // Marker: a channel vacated after the reload; its vacated webhook is due after any the
    // reload could have caused.
    const marker = uniqueName('wh-reload-marker');
    const m = await connectClient(server);
    await subscribeOk(m, marker);
    m.disconnect();
    await receiver.waitForEvent(hook('channel_vacated', marker), { what: 'marker vacated' });
    for (const name of ['channel_occupied', 'channel_vacated']) {
      assert.equal(receiver.events(hook(name, ch)).length, name === 'channel_occupied' ? 1 : 0, `${name} ${ch}`);
      assert.equal(receiver.events(hook(name, pres)).length, name === 'channel_occupied' ? 1 : 0, `${name} ${pres}`);
    }
    assert.equal(receiver.events(hook('member_added', pres)).length, 1);
    assert.equal(receiver.events(hook('member_removed', pres)).length, 0);
    assertAllValid(receiver, APP);
  });
});

describe('webhook targets from HERALD_CONFIG: filters, and a receiver that fails at first', () => {
  const A = { id: 'hooks-a', key: 'hooks-a-key', secret: 'hooks-a-secret' };
  const B = { id: 'hooks-b', key: 'hooks-b-key', secret: 'hooks-b-secret' };
  const all = new WebhookReceiver(A);
  const filtered = new WebhookReceiver(A);
  const FAILURES = 3;
  const flaky = new WebhookReceiver(B, { respond: (n) => (n < FAILURES ? 500 : 200) });
  const configFile = path.join(os.tmpdir(), `herald-node-test-webhooks-${process.pid}.yaml`);
  process.on('exit', () => fs.rmSync(configFile, { force: true }));
  let metricsPort;
  const server = useWebhookServer([all, filtered, flaky], async () => {
    fs.writeFileSync(configFile, [
      'apps:',
      `  - id: ${A.id}`, `    key: ${A.key}`, `    secret: ${A.secret}`,
      '    webhooks:',
      `      - url: ${all.url}`,
      `      - url: ${filtered.url}`,
      '        event_types: [channel_occupied, channel_vacated]',
      '        channel_prefix: presence-',
      `  - id: ${B.id}`, `    key: ${B.key}`, `    secret: ${B.secret}`,
      '    webhooks:',
      `      - url: ${flaky.url}`,
      '',
    ].join('\n'));
    metricsPort = await freePort();
    return { ...TIMINGS, HERALD_CONFIG: configFile, HERALD_METRICS_PORT: metricsPort };
  });
  const opts = (app, more = {}) => ({ key: app.key, signer: sdk(server, { appId: app.id, key: app.key, secret: app.secret }), ...more });

  test('event_types and channel_prefix filter a target; its body is signed after filtering', async () => {
    const pub = uniqueName('filter-public');
    const pres = uniqueName('presence-filter');
    const p = await connectClient(server, opts(A, { user: member('f1') }));
    await subscribeOk(p, pub);
    await subscribeOk(p, pres);
    p.unsubscribe(pub);
    await all.waitForEvent(hook('channel_vacated', pub), { what: 'public vacated at the unfiltered target' });
    p.disconnect();
    await filtered.waitForEvent(hook('channel_vacated', pres), { what: 'presence vacated at the filtered target' });
    await all.waitForEvent(hook('member_removed', pres, { user_id: 'f1' }));
    assert.deepEqual(filtered.events().map((e) => [e.name, e.channel]),
      [['channel_occupied', pres], ['channel_vacated', pres]]);
    for (const e of [hook('channel_occupied', pub), hook('channel_occupied', pres), hook('member_added', pres),
      hook('channel_vacated', pub), hook('channel_vacated', pres), hook('member_removed', pres)]) {
      assert.equal(all.events(e).length, 1, `the unfiltered target: ${JSON.stringify(all.events())}`);
    }
    assertAllValid(filtered, A);
    assertAllValid(all, A);
    const otherApp = new PusherSDK({ appId: B.id, key: B.key, secret: B.secret });
    for (const r of filtered.requests) {
      assert.equal(otherApp.webhook({ headers: r.headers, rawBody: r.rawBody }).isValid(), false);
    }
    assert.equal(flaky.events((e) => e.channel === pub || e.channel === pres).length, 0, 'nothing to the other app');
  });

  test('a receiver answering 500 to its first attempts still gets every event, once, in order', async () => {
    const ch = uniqueName('private-flaky');
    const a = await connectClient(server, opts(B));
    const b = await connectClient(server, opts(B));
    const chA = await subscribeOk(a, ch);
    await subscribeOk(b, ch);
    chA.trigger('client-during-outage', { n: 1 });
    await b.rec.waitFor((m) => m.event === 'client-during-outage');
    a.disconnect();
    b.disconnect();
    await flaky.waitForEvent(hook('channel_vacated', ch), { timeout: 15000, what: 'vacated after the retries' });
    const failed = flaky.requests.filter((r) => r.status === 500);
    assert.equal(failed.length, FAILURES);
    // The failed attempts were the first batch, sent again unchanged.
    assert.ok(failed.every((r) => r.rawBody === flaky.requests[0].rawBody));
    assert.equal(flaky.requests[FAILURES].rawBody, flaky.requests[0].rawBody, 'the retry that succeeded');
    // (no subscription_count: that app does not have the feature)
    const mine = flaky.events((e) => e.channel === ch);
    assert.deepEqual(mine.map((e) => e.name), ['channel_occupied', 'client_event', 'channel_vacated']);
    assert.equal(mine[1].event, 'client-during-outage');
    assertAllValid(flaky, B);

    const metrics = await fetchMetrics(metricsPort);
    const labels = { app: B.id };
    assert.equal(metricValue(metrics, 'herald_webhook_attempts_failed_total', labels), FAILURES, metrics.text);
    assert.equal(metricValue(metrics, 'herald_webhooks_retried_total', labels), FAILURES);
    assert.equal(metricValue(metrics, 'herald_webhooks_sent_total', labels), flaky.accepted().length);
    assert.ok(!metricValue(metrics, 'herald_webhooks_dropped_total', labels), 'nothing dropped');
  });
});

describe('a receiver that never recovers (HERALD_WEBHOOK_OUTBOX_LIMIT=3)', () => {
  const OUTBOX_LIMIT = 3;
  const dead = new WebhookReceiver(APP, { respond: () => 500 });
  let metricsPort;
  // SIGKILL at the end: a graceful shutdown would only spend its grace retrying the dead target.
  const server = useWebhookServer([dead], async () => {
    metricsPort = await freePort();
    return {
      ...TIMINGS,
      HERALD_APP_WEBHOOK_URL: dead.url,
      HERALD_WEBHOOK_OUTBOX_LIMIT: OUTBOX_LIMIT,
      HERALD_WEBHOOK_BATCH_MAX_EVENTS: 1,
      HERALD_METRICS_PORT: metricsPort,
    };
  }, { killOnStop: true });

  test('the outbox stays at its limit, the oldest batches are dropped and counted', async () => {
    const SUBSCRIPTIONS = 10;
    const raw = new RawClient(server);
    await raw.established();
    // One event (channel_occupied) each, one event per batch: 10 batches for a 3-batch outbox.
    for (let i = 0; i < SUBSCRIPTIONS; i += 1) {
      assert.equal((await raw.subscribe(uniqueName('dead-target'))).event, 'pusher_internal:subscription_succeeded');
    }
    const samples = await eventually(async () => {
      const m = await fetchMetrics(metricsPort);
      const dropped = metricValue(m, 'herald_webhooks_dropped_total', { app: APP.id, reason: 'outbox_full' });
      assert.equal(dropped, SUBSCRIPTIONS - OUTBOX_LIMIT, m.text.split('\n').filter((l) => l.includes('webhook')).join('\n'));
      return m;
    }, { timeout: 5000 });
    const depth = metricValue(samples, 'herald_webhook_queue_depth');
    assert.ok(depth !== null && depth <= OUTBOX_LIMIT, `queue depth ${depth}`);
    // The server keeps trying the receiver, with valid requests, and counts the failures.
    await dead.waitUntil(() => dead.requests.length >= 2, { what: 'a retry' });
    assert.ok(dead.requests.every((r) => r.valid));
    const later = await eventually(async () => {
      const m = await fetchMetrics(metricsPort);
      assert.ok(metricValue(m, 'herald_webhook_attempts_failed_total', { app: APP.id }) >= 2, m.text);
      return m;
    });
    assert.ok(metricValue(later, 'herald_webhook_queue_depth') <= OUTBOX_LIMIT);
    assert.equal(metricValue(later, 'herald_webhooks_sent_total', { app: APP.id }) || 0, 0);
  });
});
