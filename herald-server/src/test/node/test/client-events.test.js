'use strict';
// Client events (client-*): delivered to other subscribers of private/presence channels, never
// echoed, user_id on presence, refused elsewhere (4303), rate limited (4301), size limited (4305),
// and refused when the app disables them.

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

  test('a string data payload (Java client form) is relayed verbatim', async () => {
    const { ch, b, chA } = await pair('private-ce-string');
    chA.trigger('client-str', '{"already":"encoded"}');
    const m = await b.rec.waitFor((x) => x.event === 'client-str' && x.channel === ch);
    assert.deepEqual(m.data, { already: 'encoded' });
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

  test('private-encrypted- channel: a client event is refused with 4303', async () => {
    const a = await connectClient(server);
    const since = a.rec.mark();
    // pusher-js refuses to send this itself, so write the frame as a client that ignores the rule would.
    a.connection.send_event('client-secret', { x: 1 }, 'private-encrypted-room');
    await a.rec.waitForError(4303, { since });
    await pingPong(a);
  });

  test('a sender not subscribed to the channel is refused with 4303 and nothing is delivered', async () => {
    const ch = uniqueName('private-ce-notsub');
    const outsider = await connectClient(server);
    const b = await connectClient(server);
    await subscribeOk(b, ch);
    const since = outsider.rec.mark();
    outsider.connection.send_event('client-sneak', { x: 1 }, ch);
    await outsider.rec.waitForError(4303, { since });
    await barrier(sdk(server), ch, [b]);
    assert.equal(clientEvents(b, ch, 'client-sneak').length, 0);
  });

  test('an event name not starting with client- is refused (4300 or 4303) and not delivered', async () => {
    const { ch, a, b } = await pair('private-ce-name');
    const since = a.rec.mark();
    a.connection.send_event('my-event', { x: 1 }, ch);
    // The contract lists this case under 4303, while Pusher answers "Unsupported event received
    // on socket <name>", which the contract files under 4300; either code is acceptable.
    const err = await a.rec.waitFor((m) => m.event === 'pusher:error', { since, what: 'pusher:error' });
    assert.ok([4300, 4303].includes(err.data.code), JSON.stringify(err.data));
    assert.match(err.data.message, /my-event/);
    await barrier(sdk(server), ch, [b]);
    assert.equal(clientEvents(b, ch, 'my-event').length, 0);
  });

  test('a pusher_internal: event sent by a client is refused and not delivered', async () => {
    const { ch, a, b } = await pair('presence-ce-internal', {
      a: { user: member('forger', {}) },
      b: { user: member('victim', {}) },
    });
    const since = a.rec.mark();
    a.connection.send_event('pusher_internal:member_added', JSON.stringify({ user_id: 'ghost' }), ch);
    const err = await a.rec.waitFor((m) => m.event === 'pusher:error', { since });
    assert.ok([4300, 4303].includes(err.data.code), JSON.stringify(err.data));
    await barrier(sdk(server), ch, [b]);
    assert.equal(b.rec.all((m) => m.event === 'pusher_internal:member_added' && m.data.user_id === 'ghost').length, 0);
  });

  test('data over 10240 bytes is refused with 4305 and not delivered', async () => {
    const { ch, a, b, chA } = await pair('private-ce-big');
    const since = a.rec.mark();
    chA.trigger('client-big', { pad: 'x'.repeat(20000) });
    await a.rec.waitForError(4305, { since });
    chA.trigger('client-small', { pad: 'x'.repeat(9000) });
    await b.rec.waitFor((m) => m.event === 'client-small' && m.channel === ch);
    assert.equal(clientEvents(b, ch, 'client-big').length, 0);
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

  test('rate limit: the allowance comes back after a second', async () => {
    const { ch, a, b, chA } = await pair('private-ce-refill');
    for (let i = 0; i < 30; i += 1) chA.trigger('client-drain', { i });
    await pingPong(a);
    assert.ok(a.rec.pusherErrors(4301).length >= 1);
    // Wait for the limiter window to pass (a time-based rule, so time must pass).
    await new Promise((r) => setTimeout(r, 1200));
    const since = a.rec.mark();
    chA.trigger('client-again', { ok: true });
    await b.rec.waitFor((m) => m.event === 'client-again' && m.channel === ch);
    await pingPong(a);
    assert.deepEqual(a.rec.pusherErrors(4301, since), []);
  });
});

describe('client events disabled (HERALD_APP_CLIENT_EVENTS=false)', () => {
  const server = useServer({ HERALD_APP_CLIENT_EVENTS: 'false' });

  test('private channel: refused with 4303, not delivered, connection usable', async () => {
    const ch = uniqueName('private-disabled');
    const a = await connectClient(server);
    const b = await connectClient(server);
    const chA = await subscribeOk(a, ch);
    await subscribeOk(b, ch);
    const since = a.rec.mark();
    chA.trigger('client-blocked', { x: 1 });
    const err = await a.rec.waitForError(4303, { since });
    assert.ok(err.message.length > 0);
    await barrier(sdk(server), ch, [a, b]);
    assert.equal(clientEvents(b, ch, 'client-blocked').length, 0);
    await pingPong(a);
  });

  test('presence channel: refused with 4303; server events still flow', async () => {
    const ch = uniqueName('presence-disabled');
    const a = await connectClient(server, { user: member('a', {}) });
    const b = await connectClient(server, { user: member('b', {}) });
    const chA = await subscribeOk(a, ch);
    await subscribeOk(b, ch);
    const since = a.rec.mark();
    chA.trigger('client-blocked', { x: 1 });
    await a.rec.waitForError(4303, { since });
    await barrier(sdk(server), ch, [a, b]);
    assert.equal(clientEvents(b, ch, 'client-blocked').length, 0);
  });
});
