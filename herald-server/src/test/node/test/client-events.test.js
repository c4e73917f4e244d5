'use strict';
// Client events (client-*) through pusher-js: delivered to the other subscribers of private and
// presence channels, never echoed, user_id on presence; how pusher-js lives with a 4303 and with
// the rate limit (4301). The other refusals (4305, names, non-subscribers, an app that disables
// client events) are tested in-process by ProtocolTest.java.

const { describe, test, afterEach } = require('../helpers/testing');
const assert = require('node:assert/strict');
const { useServer } = require('../helpers/server');
const {
  sdk, connectClient, disconnectAll, subscribeOk, pingPong, barrier, uniqueName,
} = require('../helpers/clients');

afterEach(disconnectAll);

const member = (id, info) => ({ user_id: id, user_info: info });
const clientEvents = (p, ch, name, since = 0) => p.rec.all((m) => m.event === name && m.channel === ch, since);

describe('client events enabled (default app)', () => {
  const server = useServer({ HERALD_CLIENT_EVENTS_PER_SECOND: 10 });

  async function pair(prefix, opts = {}) {
    const ch = uniqueName(prefix);
    const a = await connectClient(server, opts.a);
    const b = await connectClient(server, opts.b);
    const chA = await subscribeOk(a, ch);
    const chB = await subscribeOk(b, ch);
    return { ch, a, b, chA, chB };
  }

  test('private channel: delivered verbatim to the other subscriber, not echoed to the sender', async () => {
    const { ch, a, b, chA, chB } = await pair('private-ce');
    const c = await connectClient(server);
    await subscribeOk(c, ch);
    const gotB = new Promise((resolve) => chB.bind('client-typing', (data, meta) => resolve({ data, meta })));
    assert.equal(chA.trigger('client-typing', { text: 'hi', n: [1, 2] }), true);
    const { data, meta } = await gotB;
    assert.deepEqual(data, { text: 'hi', n: [1, 2] });
    assert.equal(meta.user_id, undefined);
    await c.rec.waitFor((m) => m.event === 'client-typing' && m.channel === ch);
    await barrier(sdk(server), ch, [a, b, c]);
    assert.equal(clientEvents(a, ch, 'client-typing').length, 0, 'not echoed to the sender');
    assert.equal(clientEvents(b, ch, 'client-typing').length, 1);
    assert.equal(clientEvents(c, ch, 'client-typing').length, 1);
  });

  test('presence channel: delivered with the sender user_id (metadata.user_id), not echoed', async () => {
    const { ch, a, b, chA, chB } = await pair('presence-ce', {
      a: { user: member('sender-1', { name: 'S' }) },
      b: { user: member('receiver-2', { name: 'R' }) },
    });
    const gotB = new Promise((resolve) => chB.bind('client-wave', (data, meta) => resolve({ data, meta })));
    chA.trigger('client-wave', { hand: 'left' });
    const { data, meta } = await gotB;
    assert.deepEqual(data, { hand: 'left' });
    assert.equal(meta.user_id, 'sender-1');
    const raw = clientEvents(b, ch, 'client-wave')[0];
    assert.equal(raw.user_id, 'sender-1', 'top-level user_id in the frame');
    await barrier(sdk(server), ch, [a, b]);
    assert.equal(clientEvents(a, ch, 'client-wave').length, 0, 'not echoed to the sender');
  });

  test('public channel: refused with 4303 and not delivered; the connection stays usable', async () => {
    const { ch, a, b, chA } = await pair('public-ce');
    const since = a.rec.mark();
    chA.trigger('client-nope', { x: 1 });
    const err = await a.rec.waitForError(4303, { since });
    assert.ok(err.message.length > 0);
    await barrier(sdk(server), ch, [a, b]);
    assert.equal(clientEvents(b, ch, 'client-nope').length, 0);
    await pingPong(a);
    await subscribeOk(a, uniqueName('private-after-4303'));
  });

  test('rate limit: 30 events at once with 10/s allowed -> some refused with 4301, connection stays open', async () => {
    const { ch, a, b, chA } = await pair('private-ce-rate');
    const since = a.rec.mark();
    for (let i = 0; i < 30; i += 1) {
      assert.equal(chA.trigger('client-burst', { i }), true);
    }
    // Every reply to the 30 events was written before the pong to the ping that follows them.
    await pingPong(a);
    const refused = a.rec.pusherErrors(4301, since);
    const otherErrors = a.rec.pusherErrors(undefined, since).filter((e) => e.code !== 4301);
    assert.deepEqual(otherErrors, []);
    assert.ok(refused.length >= 1, 'some client events are refused with 4301');
    await barrier(sdk(server), ch, [b]);
    const delivered = clientEvents(b, ch, 'client-burst').map((m) => m.data.i);
    assert.ok(delivered.length >= 1, 'some client events are delivered');
    assert.ok(delivered.length <= 20, `at most ~10/s delivered, got ${delivered.length}`);
    assert.equal(delivered.length + refused.length, 30, 'each event is either delivered or refused with 4301');
    assert.deepEqual(delivered, [...delivered].sort((x, y) => x - y), 'delivered in order');
    assert.equal(a.connection.state, 'connected');
    assert.equal(a.rec.states.filter((s) => s.current !== 'connected').length, 0, 'no reconnect');
    await subscribeOk(a, uniqueName('private-after-rate'));
  });
});
