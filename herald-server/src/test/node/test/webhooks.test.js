'use strict';
// Webhooks (issue 4) received by a real HTTP server on loopback, checked with the node SDK's
// webhook validation (pusher.webhook({headers, rawBody}).isValid(), getEvents()). The debounce,
// batching, per-target filters, retries and the outbox bound are in-process
// (WebhookDispatcherTest, SessionWebhooksTest).
//
// Timings are shortened: debounce 1 s, batches of up to 100 ms.

const { describe, test, afterEach } = require('../helpers/testing');
const assert = require('node:assert/strict');
const { APP } = require('../helpers/server');
const { PusherSDK, connectClient, disconnectAll, subscribeOk, uniqueName } = require('../helpers/clients');
const { WebhookReceiver, useWebhookServer, hook } = require('../helpers/webhooks');

afterEach(disconnectAll);

const DEBOUNCE_MS = 1000;
const TIMINGS = { HERALD_WEBHOOK_DEBOUNCE_MS: DEBOUNCE_MS, HERALD_WEBHOOK_BATCH_MAX_WAIT_MS: 100 };

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
});
