'use strict';
// Idle probing with HERALD_ACTIVITY_TIMEOUT=2 and HERALD_PONG_TIMEOUT=2: clients that answer the
// probe (pusher-js, a WS client answering ping frames, a client sending its own traffic) stay
// connected; a client that answers nothing is closed with pusher:error 4201 and close code 4201.

const { test, afterEach } = require('../helpers/testing');
const assert = require('node:assert/strict');
const { useServer } = require('../helpers/server');
const {
  sdk, connectClient, disconnectAll, subscribeOk, barrier, uniqueName, RawClient,
} = require('../helpers/clients');

const server = useServer({ HERALD_ACTIVITY_TIMEOUT: 2, HERALD_PONG_TIMEOUT: 2 });
afterEach(disconnectAll);

const STAY_CONNECTED_MS = 8500;

test('activity_timeout in connection_established follows HERALD_ACTIVITY_TIMEOUT', async () => {
  const c = new RawClient(server);
  const data = await c.established();
  assert.equal(data.activity_timeout, 2);
});

test('idle probe: silent client closed with 4201; responsive clients stay connected > 8 s', { timeout: 30000 }, async () => {
  const ch = uniqueName('idle');
  const p = await connectClient(server);
  await subscribeOk(p, ch);
  const socketId = p.connection.socket_id;
  const statesAtStart = p.rec.states.length;

  // Answers WS ping frames only (what pusher-java-client's transport does), sends nothing.
  const pongsOnly = new RawClient(server, { query: 'protocol=5&client=java-client&version=2.4.4' });
  // Answers nothing, sends nothing.
  const silent = new RawClient(server, { autoPong: false });
  // Answers no WS ping frames, but sends its own pusher:ping every second: inbound traffic is activity.
  const chatty = new RawClient(server, { autoPong: false });
  await Promise.all([pongsOnly.established(), silent.established(), chatty.established()]);
  const t0 = Date.now();
  const chattyTimer = setInterval(() => chatty.send({ event: 'pusher:ping', data: {} }), 1000);

  try {
    const close = await silent.waitClosed(15000);
    const closedAfter = Date.now() - t0;
    assert.equal(close.code, 4201, `close code; frames ${JSON.stringify(silent.raw)}`);
    const err = silent.messages.find((m) => m.event === 'pusher:error');
    assert.ok(err, `pusher:error before the close; frames ${JSON.stringify(silent.raw)}`);
    assert.equal(err.data.code, 4201);
    assert.ok(silent.pings >= 1, 'the server probed with a WebSocket ping frame');
    assert.ok(closedAfter >= 3000, `closed after ${closedAfter} ms: activity (2 s) + pong (2 s) timeouts must pass first`);

    // The others must survive well past activity + pong timeout, repeatedly probed.
    const remaining = STAY_CONNECTED_MS - (Date.now() - t0);
    if (remaining > 0) await new Promise((r) => setTimeout(r, remaining));

    assert.equal(pongsOnly.closeInfo, null, `WS-pong-only client closed: ${JSON.stringify(pongsOnly.closeInfo)}`);
    assert.ok(pongsOnly.pings >= 2, `WS-pong-only client probed ${pongsOnly.pings} times`);
    await pongsOnly.ping();
    assert.equal(chatty.closeInfo, null, `client sending pusher:ping closed: ${JSON.stringify(chatty.closeInfo)}`);
    await chatty.ping();

    assert.equal(p.connection.state, 'connected');
    assert.equal(p.connection.socket_id, socketId, 'pusher-js kept the same connection');
    assert.deepEqual(p.rec.states.slice(statesAtStart), [], 'no state change (no reconnect)');
    assert.deepEqual(p.rec.pusherErrors(), []);
    await barrier(sdk(server), ch, [p]);
  } finally {
    clearInterval(chattyTimer);
  }
});
