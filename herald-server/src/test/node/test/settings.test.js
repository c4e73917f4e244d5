'use strict';
// Settings from environment variables: a custom app (id, key, secret), custom size limits, and
// the slow-consumer write-buffer high-water mark (4100).

const { describe, test, afterEach } = require('../helpers/testing');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { useServer, APP } = require('../helpers/server');
const {
  sdk, connectClient, disconnectAll, subscribeOk, subscribeRefused, pingPong, barrier,
  uniqueName, RawClient,
} = require('../helpers/clients');

afterEach(disconnectAll);

describe('custom app and limits', () => {
  const server = useServer({
    HERALD_APP_ID: 'custom-id',
    HERALD_APP_KEY: 'custom-key',
    HERALD_APP_SECRET: 'custom-secret-value',
    HERALD_MAX_EVENT_BYTES: 2000,
    HERALD_MAX_CHANNEL_NAME_LENGTH: 50,
    HERALD_MAX_PRESENCE_USER_INFO_BYTES: 100,
  });

  test('the configured app works end to end; the default credentials do not', async () => {
    assert.equal(server.app.key, 'custom-key');
    const p = await connectClient(server);
    const ch = uniqueName('private-custom');
    const channel = await subscribeOk(p, ch);
    const got = new Promise((resolve) => channel.bind('ev', resolve));
    await sdk(server).trigger(ch, 'ev', { custom: true });
    assert.deepEqual(await got, { custom: true });

    const defaultKey = new RawClient(server, { key: APP.key });
    assert.equal((await defaultKey.waitClosed()).code, 4001);
    const defaultApp = sdk(server, { appId: APP.id, key: APP.key, secret: APP.secret });
    await assert.rejects(defaultApp.trigger(ch, 'ev', {}), (e) => e.status === 404);
    const defaultSecret = sdk(server, { secret: APP.secret });
    await assert.rejects(defaultSecret.trigger(ch, 'ev', {}), (e) => e.status === 401);
    const signedWithDefaultSecret = await connectClient(server, { signer: defaultSecret });
    await subscribeRefused(signedWithDefaultSecret, uniqueName('private-default-secret'), 4009);
  });

  test('HERALD_MAX_EVENT_BYTES=2000: HTTP 2000 bytes ok, 2001 -> 413; client event over it -> 4305', async () => {
    const ch = uniqueName('private-bytes');
    const a = await connectClient(server);
    const b = await connectClient(server);
    const chA = await subscribeOk(a, ch);
    await subscribeOk(b, ch);
    await sdk(server).trigger(ch, 'ok', 'x'.repeat(2000));
    await b.rec.waitFor((m) => m.event === 'ok' && m.data.length === 2000);
    await assert.rejects(sdk(server).trigger(ch, 'too-big', 'x'.repeat(2001)), (e) => e.status === 413);

    const since = a.rec.mark();
    chA.trigger('client-big', { pad: 'x'.repeat(2500) });
    await a.rec.waitForError(4305, { since });
    chA.trigger('client-fits', { pad: 'x'.repeat(1500) });
    await b.rec.waitFor((m) => m.event === 'client-fits');
    assert.equal(b.rec.all((m) => m.event === 'client-big').length, 0);
  });

  test('HERALD_MAX_CHANNEL_NAME_LENGTH=50: 50 characters ok, 51 -> 4302 (and 400 over HTTP)', async () => {
    const p = await connectClient(server);
    await subscribeOk(p, 'c'.repeat(50));
    await subscribeRefused(p, 'c'.repeat(51), 4302);
    await pingPong(p);
    await assert.rejects(sdk(server).trigger('d'.repeat(51), 'ev', {}), (e) => e.status === 400);
  });

  test('HERALD_MAX_PRESENCE_USER_INFO_BYTES=100: small user_info ok, 150 bytes -> 4307', async () => {
    const ch = uniqueName('presence-info-size');
    const ok = await connectClient(server, { user: { user_id: 'small', user_info: { pad: 'x'.repeat(50) } } });
    await subscribeOk(ok, ch);
    const big = await connectClient(server, { user: { user_id: 'big', user_info: { pad: 'x'.repeat(150) } } });
    await subscribeRefused(big, ch, 4307);
  });
});

describe('slow consumer (HERALD_WRITE_BUFFER_HIGH_WATER_MARK=262144)', () => {
  const server = useServer({ HERALD_WRITE_BUFFER_HIGH_WATER_MARK: 262144 });

  test('a client that stops reading is closed with 4100; a reading client gets everything', { timeout: 60000 }, async () => {
    const api = sdk(server);
    // Each trigger queues 10 x 10 KB = 100 KB per subscriber, well under the 256 KB mark, so a
    // client that keeps reading never reaches it.
    const channels = Array.from({ length: 10 }, (_, i) => uniqueName(`fan-${i}`));
    const slow = new RawClient(server);
    await slow.established();
    for (const ch of channels) slow.send({ event: 'pusher:subscribe', data: { channel: ch } });
    await slow.waitUntil(() => slow.messages.filter((m) => m.event === 'pusher_internal:subscription_succeeded').length === 10,
      { what: '10 subscriptions' });
    const fast = await connectClient(server);
    await Promise.all(channels.map((ch) => subscribeOk(fast, ch)));
    const fastStates = fast.rec.states.length;
    const subscriptionCount = async () => (await (await api.get({
      path: `/channels/${channels[0]}`, params: { info: 'subscription_count' },
    })).json()).subscription_count;
    assert.equal(await subscriptionCount(), 2);

    slow.ws._socket.pause(); // stop reading: the kernel buffers fill, then the server's buffer
    const payload = 'x'.repeat(10000);
    let triggers = 0;
    let dropped = false;
    // Bounded: at most 60 MB queued for the slow client.
    while (triggers < 600) {
      await api.trigger(channels, 'bulk', payload);
      triggers += 1;
      // Let the fast client keep up before the next burst.
      await fast.rec.waitUntil(() => fast.rec.all((m) => m.event === 'bulk').length === triggers * 10 || null,
        { what: `${triggers * 10} bulk events at the fast client` });
      if (triggers % 10 === 0 && await subscriptionCount() === 1) { dropped = true; break; }
    }
    // The server cuts a slow consumer that does not drain its close frame after a 2 s grace: a
    // fast loopback can send the whole bounded volume inside that grace, so wait it out (bounded).
    const deadline = Date.now() + 10000;
    while (!dropped && Date.now() < deadline) {
      if (await subscriptionCount() === 1) dropped = true;
      else await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(dropped, `slow consumer still subscribed 10 s after ${triggers} triggers (${triggers / 10} MB)`);
    assert.equal(fast.connection.state, 'connected');
    assert.deepEqual(fast.rec.states.slice(fastStates), [], 'the reading client was never disconnected');
    assert.deepEqual(fast.rec.pusherErrors(), []);

    // The server queued pusher:error 4100 and a close frame 4100 behind the backlog, and cuts
    // the TCP connection if the client does not drain it within its close grace (2 s), which a
    // client paused this long cannot: then it sees 1006. Whatever frames did arrive must say 4100.
    slow.ws._socket.resume();
    const close = await slow.waitClosed(20000);
    const errors = slow.messages.filter((m) => m.event === 'pusher:error');
    assert.ok(errors.every((e) => e.data.code === 4100), `pusher:error frames: ${JSON.stringify(errors)}`);
    assert.ok([4100, 1006].includes(close.code), `close of the slow consumer: ${JSON.stringify(close)}`);
    if (close.code === 4100) assert.equal(errors.length, 1, 'pusher:error 4100 precedes close 4100');
  });
});

describe('outbound buffer past the mark (HERALD_WRITE_BUFFER_HIGH_WATER_MARK=65536)', () => {
  const server = useServer({ HERALD_WRITE_BUFFER_HIGH_WATER_MARK: 65536 });

  test('a burst of 300 KB to a client that reads it is delivered in full: past the mark is not slow', async () => {
    // Slow means not reading (see the slow-consumer test above): a reader that drains a burst
    // past the 64 KB mark keeps its connection and gets every event. The burst stays under the
    // server's hard cap (8 marks, 512 KB), past which a connection is cut at once whatever it reads.
    const channels = Array.from({ length: 30 }, (_, i) => uniqueName(`burst-${i}`));
    const c = new RawClient(server);
    await c.established();
    for (const ch of channels) c.send({ event: 'pusher:subscribe', data: { channel: ch } });
    await c.waitUntil(() => c.messages.filter((m) => m.event === 'pusher_internal:subscription_succeeded').length === 30,
      { what: '30 subscriptions' });
    await sdk(server).trigger(channels, 'bulk', 'x'.repeat(10000));
    await c.waitUntil(() => c.messages.filter((m) => m.event === 'bulk').length === 30, { what: 'the whole burst' });
    const errors = c.messages.filter((m) => m.event === 'pusher:error');
    assert.deepEqual(errors, [], `no pusher:error: ${JSON.stringify(errors)}`);
    c.send({ event: 'pusher:ping', data: {} });
    await c.waitUntil(() => c.messages.some((m) => m.event === 'pusher:pong'), { what: 'pong: still connected' });
  });
});

describe('several apps from HERALD_CONFIG', () => {
  const configFile = path.join(os.tmpdir(), `herald-node-test-apps-${process.pid}.yaml`);
  fs.writeFileSync(configFile, [
    'apps:',
    '  - id: app-one', '    key: key-one', '    secret: secret-one',
    '  - id: app-two', '    key: key-two', '    secret: secret-two',
    '',
  ].join('\n'));
  process.on('exit', () => fs.rmSync(configFile, { force: true }));
  const server = useServer({ HERALD_CONFIG: configFile });
  const one = { appId: 'app-one', key: 'key-one', secret: 'secret-one' };
  const two = { appId: 'app-two', key: 'key-two', secret: 'secret-two' };
  const clientOf = (app) => connectClient(server, { key: app.key, signer: sdk(server, app) });

  test('each app works with its own credentials, and channels are separate per app', async () => {
    const room = uniqueName('private-shared-room');
    const a = await clientOf(one);
    const b = await clientOf(two);
    await subscribeOk(a, room);
    await subscribeOk(b, room);
    await sdk(server, one).trigger(room, 'for-one', { app: 1 });
    await a.rec.waitFor((m) => m.event === 'for-one' && m.channel === room);
    await barrier(sdk(server, two), room, [b]);
    assert.deepEqual(b.rec.all((m) => m.event === 'for-one'), [], 'app two never sees app one events');
    const info = await (await sdk(server, two).get({ path: `/channels/${room}`, params: { info: 'subscription_count' } })).json();
    assert.deepEqual(info, { occupied: true, subscription_count: 1 });
  });

  test('the env default app is not served when HERALD_CONFIG declares the apps', async () => {
    const c = new RawClient(server, { key: 'app-key' });
    assert.equal((await c.waitClosed()).code, 4001);
  });
});
