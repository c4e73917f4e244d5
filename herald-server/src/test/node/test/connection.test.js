'use strict';
// pusher-js connecting, refused for an unknown key, pinging, and recovering from a message it should
// not have sent. The handshake's and the protocol's rules are tested in-process (ProtocolTest.java).

const { describe, test, afterEach } = require('../helpers/testing');
const assert = require('node:assert/strict');
const { useServer } = require('../helpers/server');
const {
  SOCKET_ID_RE, createClient, connectClient, waitConnected, disconnectAll, subscribeOk,
  pingPong, uniqueName,
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
});

describe('unknown app key', () => {
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

});
