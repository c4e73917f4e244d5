'use strict';
// The HTTP API through the official node `pusher` SDK: trigger, batch, channel queries, users,
// request signing and error statuses.

const { describe, test, afterEach } = require('../helpers/testing');
const assert = require('node:assert/strict');
const { useServer, APP, HOST } = require('../helpers/server');
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

/** A request signed by the SDK's own signing code, sent with a body we choose. */
async function signedFetch({ method, path, signBody, sendBody, params, api = sdk(server) }) {
  const qs = api.createSignedQueryString({ method, path, body: signBody, params });
  return fetch(`http://${HOST}:${server.port}${path}?${qs}`, {
    method,
    body: sendBody,
    headers: sendBody ? { 'content-type': 'application/json' } : {},
  });
}

/** Runs fn with Date.now shifted by offsetSeconds (the SDK signs synchronously inside the call). */
function withClockOffset(offsetSeconds, fn) {
  const realNow = Date.now;
  Date.now = () => realNow() + offsetSeconds * 1000;
  try {
    return fn();
  } finally {
    Date.now = realNow;
  }
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

  test('a single "channel" instead of "channels", and object data, are accepted', async () => {
    const ch = uniqueName('single');
    const p = await connectClient(server);
    const channel = await subscribeOk(p, ch);
    const got = [];
    channel.bind('one', (d) => got.push(d));
    await json(await sdk(server).post({ path: '/events', body: { name: 'one', data: '{"a":1}', channel: ch } }));
    await json(await sdk(server).post({ path: '/events', body: { name: 'one', data: { b: 2 }, channels: [ch] } }));
    await p.rec.waitUntil(() => got.length === 2 || null, { what: 'two events' });
    assert.deepEqual(got, [{ a: 1 }, { b: 2 }]);
  });

  test('non-JSON string data is delivered as the same string', async () => {
    const ch = uniqueName('trig-str');
    const p = await connectClient(server);
    const channel = await subscribeOk(p, ch);
    const got = new Promise((resolve) => channel.bind('ev', resolve));
    await sdk(server).trigger(ch, 'ev', 'just text');
    assert.equal(await got, 'just text');
  });

  test('private and presence channels receive triggered events', async () => {
    const priv = uniqueName('private-trig');
    const pres = uniqueName('presence-trig');
    const p = await connectClient(server, { user: member('t') });
    const chPriv = await subscribeOk(p, priv);
    const chPres = await subscribeOk(p, pres);
    const g1 = new Promise((resolve) => chPriv.bind('ev', resolve));
    const g2 = new Promise((resolve) => chPres.bind('ev', resolve));
    await sdk(server).trigger([priv, pres], 'ev', { both: true });
    assert.deepEqual(await g1, { both: true });
    assert.deepEqual(await g2, { both: true });
  });

  test('100 channels in one trigger are all delivered', async () => {
    const channels = Array.from({ length: 100 }, (_, i) => uniqueName(`hundred-${i}`));
    const p = await connectClient(server);
    await Promise.all(channels.map((c) => subscribeOk(p, c, 10000)));
    await json(await sdk(server).trigger(channels, 'fanout', { ok: 1 }));
    await p.rec.waitUntil(() => p.rec.all((m) => m.event === 'fanout').length === 100 || null,
      { what: '100 fanout events' });
    const got = new Set(p.rec.all((m) => m.event === 'fanout').map((m) => m.channel));
    assert.deepEqual([...got].sort(), [...channels].sort());
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

  test('data of exactly 10240 bytes is accepted; 10241 bytes is refused with 413', async () => {
    const ch = uniqueName('size');
    const p = await connectClient(server);
    const channel = await subscribeOk(p, ch);
    const got = new Promise((resolve) => channel.bind('big', resolve));
    const ok = 'é'.repeat(5119) + 'xx'; // 5119 * 2 + 2 = 10240 bytes, 5121 characters
    assert.equal(Buffer.byteLength(ok), 10240);
    await json(await sdk(server).trigger(ch, 'big', ok));
    assert.equal(await got, ok);
    const tooBig = `${ok}x`;
    await rejectsWith(sdk(server).trigger(ch, 'big', tooBig), 413);
    const huge = 'y'.repeat(100 * 1024);
    await rejectsWith(sdk(server).trigger(ch, 'big', huge), 413);
  });

  test('bad requests are 400: invalid channel name, missing name, missing data, invalid JSON', async () => {
    const api = sdk(server);
    await rejectsWith(api.post({ path: '/events', body: { name: 'ev', data: '{}', channels: ['bad name!'] } }), 400);
    await rejectsWith(api.post({ path: '/events', body: { name: 'ev', data: '{}', channels: ['c'.repeat(201)] } }), 400);
    await rejectsWith(api.post({ path: '/events', body: { data: '{}', channels: ['ok'] } }), 400);
    await rejectsWith(api.post({ path: '/events', body: { name: 'ev', channels: ['ok'] } }), 400);
    await rejectsWith(api.post({ path: '/events', body: { name: 'ev', data: '{}' } }), 400);
    await rejectsWith(api.post({ path: '/events', body: { name: 'e'.repeat(201), data: '{}', channels: ['ok'] } }), 400);
    const res = await signedFetch({
      method: 'POST', path: `/apps/${APP.id}/events`, signBody: '{not json', sendBody: '{not json',
    });
    assert.equal(res.status, 400, await res.text());
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

  test('a batch without info answers {}', async () => {
    const body = await json(await sdk(server).triggerBatch([{ channel: uniqueName('b'), name: 'e', data: {} }]));
    assert.deepEqual(body, {});
  });

  test('10 events are accepted, 11 are refused with 400 and none is delivered', async () => {
    const ch = uniqueName('batch-limit');
    const p = await connectClient(server);
    await subscribeOk(p, ch);
    const ten = Array.from({ length: 10 }, (_, i) => ({ channel: ch, name: `ten-${i}`, data: { i } }));
    await json(await sdk(server).triggerBatch(ten));
    await p.rec.waitFor((m) => m.event === 'ten-9');
    const eleven = Array.from({ length: 11 }, (_, i) => ({ channel: ch, name: `eleven-${i}`, data: { i } }));
    await rejectsWith(sdk(server).triggerBatch(eleven), 400);
    await barrier(sdk(server), ch, [p]);
    assert.deepEqual(p.rec.all((m) => m.event.startsWith('eleven-')), []);
  });

  test('an oversized event in a batch is refused with 413', async () => {
    await rejectsWith(sdk(server).triggerBatch([
      { channel: uniqueName('bs'), name: 'small', data: 'x' },
      { channel: uniqueName('bs'), name: 'big', data: 'x'.repeat(10241) },
    ]), 413);
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

  test('info=user_count without the presence- prefix filter is refused with 400', async () => {
    await rejectsWith(sdk(server).get({ path: '/channels', params: { info: 'user_count' } }), 400);
    await rejectsWith(sdk(server).get({ path: '/channels', params: { filter_by_prefix: 'private-', info: 'user_count' } }), 400);
  });

  test('without info: occupied channels map to {}, unoccupied ones are absent, prefix filters', async () => {
    const prefix = uniqueName('pfx');
    const occupied = `${prefix}-one`;
    const never = `${prefix}-never`;
    const p = await connectClient(server);
    await subscribeOk(p, occupied);
    const all = await json(await sdk(server).get({ path: '/channels' }));
    assert.deepEqual(all.channels[occupied], {});
    assert.equal(all.channels[never], undefined);
    const filtered = await json(await sdk(server).get({ path: '/channels', params: { filter_by_prefix: prefix } }));
    assert.deepEqual(filtered, { channels: { [occupied]: {} } });
  });

  test('info=subscription_count lists subscription counts', async () => {
    const prefix = uniqueName('subcount');
    const ch = `${prefix}-x`;
    const a = await connectClient(server);
    const b = await connectClient(server);
    await subscribeOk(a, ch);
    await subscribeOk(b, ch);
    const body = await json(await sdk(server).get({
      path: '/channels', params: { filter_by_prefix: prefix, info: 'subscription_count' },
    }));
    assert.deepEqual(body, { channels: { [ch]: { subscription_count: 2 } } });
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

  test('an unused channel is {"occupied":false}', async () => {
    const body = await json(await sdk(server).get({ path: `/channels/${uniqueName('unused')}` }));
    assert.deepEqual(body, { occupied: false });
  });

  test('presence channel: user_count and subscription_count', async () => {
    const ch = uniqueName('presence-occ');
    const a = await connectClient(server, { user: member('oa') });
    const a2 = await connectClient(server, { user: member('oa') });
    await subscribeOk(a, ch);
    await subscribeOk(a2, ch);
    const body = await json(await sdk(server).get({
      path: `/channels/${ch}`, params: { info: 'user_count,subscription_count' },
    }));
    assert.deepEqual(body, { occupied: true, user_count: 1, subscription_count: 2 });
  });

  test('info=user_count on a non-presence channel is refused with 400', async () => {
    await rejectsWith(sdk(server).get({ path: `/channels/${uniqueName('pub')}`, params: { info: 'user_count' } }), 400);
  });

  test('an invalid channel name is refused with 400', async () => {
    await rejectsWith(sdk(server).get({ path: '/channels/bad!name' }), 400);
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

  test('an empty presence channel has no users', async () => {
    const body = await json(await sdk(server).get({ path: `/channels/${uniqueName('presence-none')}/users` }));
    assert.deepEqual(body, { users: [] });
  });

  test('a non-presence channel is refused with 400', async () => {
    await rejectsWith(sdk(server).get({ path: `/channels/${uniqueName('private-nousers')}/users` }), 400);
    await rejectsWith(sdk(server).get({ path: `/channels/${uniqueName('public-nousers')}/users` }), 400);
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

  test('an unknown app id is refused with 404', async () => {
    const other = sdk(server, { appId: 'no-such-app' });
    await rejectsWith(other.trigger(uniqueName('x'), 'ev', {}), 404);
    await rejectsWith(other.get({ path: '/channels' }), 404);
  });

  test('an auth_key that is not the app key is refused (401 or 403)', async () => {
    const other = sdk(server, { key: 'other-key' });
    let error;
    await other.trigger(uniqueName('x'), 'ev', {}).catch((e) => { error = e; });
    assert.ok(error, 'must be refused');
    assert.ok([401, 403].includes(error.status), `status ${error.status}`);
  });

  test('an unknown route under the app is 404', async () => {
    await rejectsWith(sdk(server).get({ path: '/no-such-route' }), 404);
  });

  test('timestamp window: 500 s old is accepted, 700 s old or ahead is refused with 401', async () => {
    const api = sdk(server);
    const ch = uniqueName('ts');
    await json(await withClockOffset(-500, () => api.trigger(ch, 'ev', {})));
    await json(await withClockOffset(500, () => api.trigger(ch, 'ev', {})));
    await rejectsWith(withClockOffset(-700, () => api.trigger(ch, 'ev', {})), 401);
    await rejectsWith(withClockOffset(700, () => api.get({ path: '/channels' })), 401);
  });

  test('a body that does not match body_md5 is refused with 401', async () => {
    const path = `/apps/${APP.id}/events`;
    const signed = JSON.stringify({ name: 'ev', data: '{}', channels: ['signed'] });
    const sent = JSON.stringify({ name: 'ev', data: '{}', channels: ['tampered'] });
    const res = await signedFetch({ method: 'POST', path, signBody: signed, sendBody: sent });
    assert.equal(res.status, 401, await res.text());
    const ok = await signedFetch({ method: 'POST', path, signBody: signed, sendBody: signed });
    assert.equal(ok.status, 200, await ok.text());
  });

  test('a query parameter added after signing is refused with 401', async () => {
    const path = `/apps/${APP.id}/channels`;
    const qs = sdk(server).createSignedQueryString({ method: 'GET', path, params: { filter_by_prefix: 'a' } });
    const res = await fetch(`http://${HOST}:${server.port}${path}?${qs}&filter_by_prefix=b`);
    assert.ok([400, 401].includes(res.status), `status ${res.status}`);
    const res2 = await fetch(`http://${HOST}:${server.port}${path}?${qs.replace('filter_by_prefix=a', 'filter_by_prefix=b')}`);
    assert.equal(res2.status, 401);
  });

  test('percent-encoded query values (how the Ruby and Java SDKs send them) are decoded before verifying', async () => {
    const prefix = uniqueName('presence-enc');
    const p = await connectClient(server, { user: member('enc') });
    await subscribeOk(p, prefix);
    const path = `/apps/${APP.id}/channels`;
    const qs = sdk(server).createSignedQueryString({
      method: 'GET', path, params: { filter_by_prefix: prefix, info: 'user_count,subscription_count' },
    });
    const encoded = qs.replace('info=user_count,subscription_count', 'info=user_count%2Csubscription_count');
    assert.notEqual(encoded, qs);
    const res = await fetch(`http://${HOST}:${server.port}${path}?${encoded}`);
    assert.equal(res.status, 200, await res.clone().text());
    assert.deepEqual(await res.json(), { channels: { [prefix]: { user_count: 1, subscription_count: 1 } } });
  });

  test('an unsigned request is refused with 401', async () => {
    const res = await fetch(`http://${HOST}:${server.port}/apps/${APP.id}/channels`);
    assert.equal(res.status, 401);
  });

  test('GET /health answers 200', async () => {
    const res = await fetch(`http://${HOST}:${server.port}/health`);
    assert.equal(res.status, 200);
  });
});
