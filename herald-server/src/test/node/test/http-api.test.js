'use strict';
// The HTTP API through the official node `pusher` SDK: one happy path each for trigger, batch, the
// channel queries and users, and how a refusal reaches the SDK. The API's own rules (validation,
// limits, signing) are tested in-process by HttpApiTest.java.

const { describe, test, afterEach } = require('../helpers/testing');
const assert = require('node:assert/strict');
const { useServer } = require('../helpers/server');
const {
  sdk, connectClient, disconnectAll, subscribeOk, barrier, eventually, errorBody, uniqueName, RawClient,
} = require('../helpers/clients');

const server = useServer();
afterEach(disconnectAll);

const member = (id) => ({ user_id: id, user_info: { id } });
const json = async (res) => {
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') || '', /json/);
  return res.json();
};

/** Asserts the SDK promise rejects with the given HTTP status and Herald's JSON error body. */
async function rejectsWith(promise, status) {
  let error;
  try {
    const res = await promise;
    assert.fail(`expected HTTP ${status}, got ${res.status}: ${await res.text()}`);
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    error = e;
  }
  assert.equal(error.status, status, `status of ${error.message} ${error.body}`);
  const body = errorBody(error);
  assert.equal(body.status, status, `JSON error body with status: ${error.body}`);
  assert.equal(typeof body.error, 'string');
  assert.ok(body.error.length > 0);
  return body;
}

describe('POST /events (trigger)', () => {
  test('success: 200 with a JSON body {}, delivered to subscribers with the data string verbatim', async () => {
    const ch = uniqueName('trig');
    const raw = new RawClient(server);
    await raw.established();
    raw.send({ event: 'pusher:subscribe', data: { auth: '', channel: ch } });
    await raw.waitFor((m) => m.event === 'pusher_internal:subscription_succeeded');
    const p = await connectClient(server);
    const channel = await subscribeOk(p, ch);
    const got = new Promise((resolve) => channel.bind('ev', resolve));
    const body = await json(await sdk(server).trigger(ch, 'ev', { a: 1, s: 'é' }));
    assert.deepEqual(body, {});
    assert.deepEqual(await got, { a: 1, s: 'é' });
    const frame = await raw.waitFor((m) => m.event === 'ev');
    assert.equal(frame.channel, ch);
    assert.equal(frame.data, '{"a":1,"s":"é"}', 'data is the exact string given to the API');
  });

  test('non-JSON string data is delivered as the same string', async () => {
    const ch = uniqueName('trig-str');
    const p = await connectClient(server);
    const channel = await subscribeOk(p, ch);
    const got = new Promise((resolve) => channel.bind('ev', resolve));
    await sdk(server).trigger(ch, 'ev', 'just text');
    assert.equal(await got, 'just text');
  });

  test('the largest allowed trigger (100 channels x 10240 bytes) reaches a subscriber of all 100', async () => {
    const channels = Array.from({ length: 100 }, (_, i) => uniqueName(`max-${i}`));
    const p = await connectClient(server);
    await Promise.all(channels.map((c) => subscribeOk(p, c, 10000)));
    const statesBefore = p.rec.states.length;
    await json(await sdk(server).trigger(channels, 'max', 'm'.repeat(10240)));
    await p.rec.waitUntil(() => p.rec.all((m) => m.event === 'max').length === 100 || null,
      { timeout: 10000, what: '100 events of 10240 bytes' });
    assert.deepEqual(p.rec.pusherErrors(), []);
    assert.deepEqual(p.rec.states.slice(statesBefore), [], 'stays connected');
  });

  test('101 channels are refused with 400', async () => {
    const channels = Array.from({ length: 101 }, (_, i) => `c${i}`);
    // The SDK refuses this before sending; post the same body through the SDK's signed request.
    assert.throws(() => sdk(server).trigger(channels, 'ev', {}), /100 channels/);
    await rejectsWith(sdk(server).post({ path: '/events', body: { name: 'ev', data: '{}', channels } }), 400);
  });

  test('socket_id exclusion: the excluded socket gets nothing, the others get the event', async () => {
    const ch = uniqueName('exclude');
    const api = sdk(server);
    const a = await connectClient(server);
    const b = await connectClient(server);
    await subscribeOk(a, ch);
    await subscribeOk(b, ch);
    const since = a.rec.mark();
    await json(await api.trigger(ch, 'not-for-a', { x: 1 }, { socket_id: a.connection.socket_id }));
    await b.rec.waitFor((m) => m.event === 'not-for-a' && m.channel === ch);
    await barrier(api, ch, [a, b]);
    assert.deepEqual(a.rec.all((m) => m.event === 'not-for-a', since), []);
  });

  test('info=user_count,subscription_count in the response', async () => {
    const pres = uniqueName('presence-info');
    const pub = uniqueName('pub-info');
    const empty = uniqueName('empty-info');
    const a = await connectClient(server, { user: member('ia') });
    const b = await connectClient(server, { user: member('ib') });
    const b2 = await connectClient(server, { user: member('ib') });
    for (const c of [a, b, b2]) await subscribeOk(c, pres);
    await subscribeOk(a, pub);
    const body = await json(await sdk(server).trigger([pres, pub, empty], 'ev', {},
      { info: 'user_count,subscription_count' }));
    assert.deepEqual(body.channels[pres], { user_count: 2, subscription_count: 3 });
    assert.deepEqual(body.channels[pub], { subscription_count: 1 }, 'no user_count on non-presence channels');
    assert.ok(!body.channels[empty] || body.channels[empty].subscription_count === 0,
      `unoccupied channel: ${JSON.stringify(body.channels[empty])}`);
  });

});

describe('POST /batch_events', () => {
  test('a batch is delivered, and info is returned per event in order', async () => {
    const pub = uniqueName('batch-pub');
    const pres = uniqueName('presence-batch');
    const a = await connectClient(server, { user: member('ba') });
    const b = await connectClient(server, { user: member('bb') });
    await subscribeOk(a, pub);
    await subscribeOk(b, pub);
    await subscribeOk(a, pres);
    await subscribeOk(b, pres);
    const res = await sdk(server).triggerBatch([
      { channel: pub, name: 'b1', data: { n: 1 }, info: 'subscription_count' },
      { channel: pres, name: 'b2', data: { n: 2 }, info: 'user_count,subscription_count' },
      { channel: pub, name: 'b3', data: 'three' },
    ]);
    const body = await json(res);
    assert.equal(body.batch.length, 3);
    assert.deepEqual(body.batch[0], { subscription_count: 2 });
    assert.deepEqual(body.batch[1], { user_count: 2, subscription_count: 2 });
    assert.deepEqual(body.batch[2], {});
    await b.rec.waitFor((m) => m.event === 'b3' && m.channel === pub);
    assert.deepEqual(b.rec.all((m) => ['b1', 'b2', 'b3'].includes(m.event)).map((m) => [m.event, m.data]),
      [['b1', { n: 1 }], ['b2', { n: 2 }], ['b3', 'three']]);
  });

});

describe('GET /channels', () => {
  test('filter_by_prefix and info=user_count list occupied presence channels with user counts', async () => {
    const pres = uniqueName('presence-list');
    const pub = uniqueName('list-pub');
    const a = await connectClient(server, { user: member('la') });
    const b = await connectClient(server, { user: member('lb') });
    await subscribeOk(a, pres);
    await subscribeOk(b, pres);
    await subscribeOk(a, pub);
    const body = await json(await sdk(server).get({
      path: '/channels', params: { filter_by_prefix: 'presence-', info: 'user_count' },
    }));
    assert.deepEqual(body.channels[pres], { user_count: 2 });
    assert.equal(body.channels[pub], undefined);
    for (const [name, info] of Object.entries(body.channels)) {
      assert.ok(name.startsWith('presence-'), name);
      assert.equal(typeof info.user_count, 'number');
    }
    const both = await json(await sdk(server).get({
      path: '/channels', params: { filter_by_prefix: 'presence-', info: 'user_count,subscription_count' },
    }));
    assert.deepEqual(both.channels[pres], { user_count: 2, subscription_count: 2 });
  });

});

describe('GET /channels/{name}', () => {
  test('occupied true with subscription_count, then false after the last subscriber leaves', async () => {
    const ch = uniqueName('occ');
    const p = await connectClient(server);
    await subscribeOk(p, ch);
    const body = await json(await sdk(server).get({ path: `/channels/${ch}`, params: { info: 'subscription_count' } }));
    assert.deepEqual(body, { occupied: true, subscription_count: 1 });
    p.disconnect();
    await eventually(async () => {
      const after = await json(await sdk(server).get({ path: `/channels/${ch}` }));
      assert.equal(after.occupied, false);
    });
  });

});

describe('GET /channels/{name}/users', () => {
  test('lists distinct user ids of a presence channel', async () => {
    const ch = uniqueName('presence-users');
    const clients = [];
    for (const id of ['x1', 'x2', 'x2', 'x3']) {
      const c = await connectClient(server, { user: member(id) });
      await subscribeOk(c, ch);
      clients.push(c);
    }
    const body = await json(await sdk(server).get({ path: `/channels/${ch}/users` }));
    assert.deepEqual(Object.keys(body), ['users']);
    assert.deepEqual(body.users.map((u) => u.id).sort(), ['x1', 'x2', 'x3']);
    for (const u of body.users) assert.deepEqual(Object.keys(u), ['id']);
  });

});

describe('request signing and errors', () => {
  test('a wrong secret is refused with 401 (POST and GET) and nothing is delivered', async () => {
    const ch = uniqueName('auth');
    const p = await connectClient(server);
    await subscribeOk(p, ch);
    const bad = sdk(server, { secret: 'wrong-secret' });
    await rejectsWith(bad.trigger(ch, 'forged', { x: 1 }), 401);
    await rejectsWith(bad.get({ path: '/channels' }), 401);
    await rejectsWith(bad.get({ path: `/channels/${ch}` }), 401);
    await barrier(sdk(server), ch, [p]);
    assert.deepEqual(p.rec.all((m) => m.event === 'forged'), []);
  });

});
