'use strict';
// Handshake, protocol versions, unknown app key, pusher:ping/pong, WS ping frames, malformed input.

const { describe, test, afterEach } = require('../helpers/testing');
const assert = require('node:assert/strict');
const { useServer } = require('../helpers/server');
const {
  SOCKET_ID_RE, createClient, connectClient, waitConnected, disconnectAll, subscribeOk,
  pingPong, RawClient, uniqueName, withTimeout,
} = require('../helpers/clients');

const server = useServer();
afterEach(disconnectAll);

describe('pusher:connection_established', () => {
  test('pusher-js connects and gets a socket_id of the form digits.digits', async () => {
    const p = await connectClient(server);
    assert.match(p.connection.socket_id, SOCKET_ID_RE);
    const established = p.rec.states.find((s) => s.current === 'connected');
    assert.ok(established, 'state_change to connected');
  });

  test('first frame is connection_established with string data, string socket_id, activity_timeout 120', async () => {
    const c = new RawClient(server);
    await c.established();
    const first = c.messages[0];
    assert.equal(first.event, 'pusher:connection_established', 'must be the first frame');
    assert.equal(typeof first.data, 'string', 'data is a JSON-encoded string');
    const data = JSON.parse(first.data);
    assert.equal(typeof data.socket_id, 'string');
    assert.match(data.socket_id, SOCKET_ID_RE);
    assert.equal(data.activity_timeout, 120);
    assert.equal(c.raw[0].isBinary, false, 'text frame');
  });

  test('socket_ids are unique across connections', async () => {
    const clients = Array.from({ length: 20 }, () => new RawClient(server));
    const ids = await Promise.all(clients.map(async (c) => (await c.established()).socket_id));
    assert.equal(new Set(ids).size, ids.length, `duplicate socket ids: ${ids}`);
  });
});

describe('protocol versions', () => {
  for (const protocol of [4, 5, 6, 7]) {
    test(`protocol=${protocol} is accepted`, async () => {
      const c = new RawClient(server, { query: `protocol=${protocol}&client=java-client&version=2.4.4` });
      const data = await c.established();
      assert.match(data.socket_id, SOCKET_ID_RE);
      await c.ping();
    });
  }

  for (const protocol of [3, 8]) {
    test(`protocol=${protocol} is refused with 4007 and closed`, async () => {
      const c = new RawClient(server, { query: `protocol=${protocol}&client=js&version=8.6.0` });
      const close = await c.waitClosed();
      assert.equal(close.code, 4007);
      const err = c.messages.find((m) => m.event === 'pusher:error');
      assert.ok(err, `pusher:error before close; frames ${JSON.stringify(c.raw)}`);
      assert.equal(err.data.code, 4007);
      assert.ok(!c.messages.some((m) => m.event === 'pusher:connection_established'));
    });
  }
});

describe('missing protocol parameter', () => {
  test('is either served as the current protocol or refused with 4008', async () => {
    const c = new RawClient(server, { query: 'client=js&version=8.6.0' });
    const first = await c.waitFor(() => true, { what: 'first frame' });
    if (first.event === 'pusher:connection_established') {
      await c.ping();
    } else {
      assert.equal(first.event, 'pusher:error', JSON.stringify(first));
      assert.equal(first.data.code, 4008);
      assert.equal((await c.waitClosed()).code, 4008);
    }
  });
});

describe('unknown app key', () => {
  test('raw client gets pusher:error 4001 (numeric code, object data) then close 4001', async () => {
    const c = new RawClient(server, { key: 'no-such-key' });
    const close = await c.waitClosed();
    assert.equal(close.code, 4001);
    assert.equal(c.messages.length, 1, `exactly one frame: ${JSON.stringify(c.raw)}`);
    const [err] = c.messages;
    assert.equal(err.event, 'pusher:error');
    assert.equal(typeof err.data, 'object', 'pusher:error data is an object');
    assert.equal(err.data.code, 4001);
    assert.equal(typeof err.data.message, 'string');
  });

  test('pusher-js is refused: error 4001, state disconnected, no reconnect loop', async () => {
    const p = createClient(server, { key: 'no-such-key' });
    await p.rec.waitUntil(() => p.connection.state === 'disconnected' || p.connection.state === 'failed',
      { what: 'state disconnected/failed' });
    const codes = p.rec.errors.map((e) => e.error && e.error.data && e.error.data.code);
    assert.ok(codes.includes(4001), `connection error with code 4001; got ${JSON.stringify(p.rec.errors)}`);
    assert.ok(!p.rec.states.some((s) => s.current === 'connected'));
    // The absence of a reconnect can only be observed over time: pusher-js retries after 1 s on
    // codes it treats as retryable, so give it 2.5 s to (wrongly) start connecting again.
    const statesBefore = p.rec.states.length;
    await new Promise((r) => setTimeout(r, 2500));
    assert.deepEqual(p.rec.states.slice(statesBefore), [], 'no state change after being refused');
    assert.ok(['disconnected', 'failed'].includes(p.connection.state));
  });

  test('the right key still connects on the same server', async () => {
    const p = createClient(server);
    await waitConnected(p);
  });
});

describe('liveness messages', () => {
  test('pusher-js pusher:ping is answered with pusher:pong', async () => {
    const p = await connectClient(server);
    await pingPong(p);
    await pingPong(p);
  });

  test('pusher:ping without data (Java client form) is answered with pusher:pong', async () => {
    const c = new RawClient(server, { query: 'protocol=5&client=java-client&version=2.4.4' });
    await c.established();
    const since = c.mark();
    c.send('{"event": "pusher:ping"}');
    const pong = await c.waitFor((m) => m.event === 'pusher:pong', { since, what: 'pusher:pong' });
    assert.equal(pong.channel, undefined);
  });

  test('a WebSocket ping frame is answered with a pong frame', async () => {
    const c = new RawClient(server);
    await c.established();
    const payload = Buffer.from('herald-ping');
    const pong = new Promise((resolve) => c.ws.once('pong', resolve));
    c.ws.ping(payload);
    const got = await withTimeout(pong, 5000, 'no pong frame');
    assert.equal(Buffer.from(got).toString(), 'herald-ping');
  });
});

describe('malformed messages keep the connection usable', () => {
  test('invalid JSON from pusher-js gets pusher:error 4300, then subscribe works', async () => {
    const p = await connectClient(server);
    const since = p.rec.mark();
    p.connection.send('{this is not json');
    const err = await p.rec.waitForError(4300, { since });
    assert.ok(err.message.length > 0);
    await subscribeOk(p, uniqueName('after-bad-json'));
    assert.equal(p.connection.state, 'connected');
  });

  test('JSON without an event field gets 4300, connection stays open', async () => {
    const c = new RawClient(server);
    await c.established();
    const since = c.mark();
    c.send({ data: {} });
    const err = await c.waitFor((m) => m.event === 'pusher:error', { since, what: 'pusher:error' });
    assert.equal(err.data.code, 4300);
    await c.ping();
    assert.equal(c.closeInfo, null);
  });

  test('a binary frame gets 4300, connection stays open', async () => {
    const c = new RawClient(server);
    await c.established();
    const since = c.mark();
    c.ws.send(Buffer.from('{"event":"pusher:ping","data":{}}'), { binary: true });
    const err = await c.waitFor((m) => m.event === 'pusher:error', { since, what: 'pusher:error' });
    assert.equal(err.data.code, 4300);
    await c.ping();
    assert.equal(c.closeInfo, null);
  });

  test('an unsupported pusher: event gets 4300, connection stays open', async () => {
    const c = new RawClient(server);
    await c.established();
    const since = c.mark();
    c.send({ event: 'pusher:no_such_thing', data: {} });
    const err = await c.waitFor((m) => m.event === 'pusher:error', { since, what: 'pusher:error' });
    assert.equal(err.data.code, 4300);
    assert.match(err.data.message, /pusher:no_such_thing/);
    await c.ping();
  });
});
