'use strict';
// Presence channels: member list on subscribe, member_added/member_removed once per user,
// channel_data validation, and the HTTP users list.

const { describe, test, afterEach } = require('../helpers/testing');
const assert = require('node:assert/strict');
const { useServer } = require('../helpers/server');
const {
  sdk, connectClient, disconnectAll, subscribeOk, subscribeRefused, pingPong, barrier,
  uniqueName, RawClient,
} = require('../helpers/clients');

const server = useServer();
afterEach(disconnectAll);

const member = (id, info) => ({ user_id: id, user_info: info });
const added = (p, ch, since = 0) => p.rec.all((m) => m.event === 'pusher_internal:member_added' && m.channel === ch, since);
const removed = (p, ch, since = 0) => p.rec.all((m) => m.event === 'pusher_internal:member_removed' && m.channel === ch, since);

async function rawPresenceSubscribe(c, channel, channelData) {
  const { socket_id: socketId } = await c.established();
  const auth = sdk(server).authorizeChannel(socketId, channel, channelData);
  const since = c.mark();
  c.send({ event: 'pusher:subscribe', data: { channel, ...auth } });
  return c.waitFor((m) => m.channel === channel &&
    (m.event === 'pusher_internal:subscription_succeeded' || m.event === 'pusher:subscription_error') ||
    m.event === 'pusher:error', { since, what: `subscription result for ${channel}` });
}

describe('presence subscription', () => {
  test('wire format: subscription_succeeded carries ids, hash and count as a JSON string', async () => {
    const ch = uniqueName('presence-wire');
    const c1 = new RawClient(server);
    const r1 = await rawPresenceSubscribe(c1, ch, member('u1', { name: 'Alice' }));
    assert.equal(r1.event, 'pusher_internal:subscription_succeeded', JSON.stringify(r1));
    assert.equal(typeof r1.data, 'string');
    assert.deepEqual(JSON.parse(r1.data), { presence: { ids: ['u1'], hash: { u1: { name: 'Alice' } }, count: 1 } });

    const c2 = new RawClient(server);
    const r2 = await rawPresenceSubscribe(c2, ch, { user_id: 10 });
    assert.equal(r2.event, 'pusher_internal:subscription_succeeded', JSON.stringify(r2));
    const presence = JSON.parse(r2.data).presence;
    assert.deepEqual([...presence.ids].sort(), ['10', 'u1'], 'numeric user_id normalized to a string');
    assert.equal(presence.count, 2);
    assert.deepEqual(presence.hash.u1, { name: 'Alice' });
    assert.ok(Object.prototype.hasOwnProperty.call(presence.hash, '10'));

    const add = await c1.waitFor((m) => m.event === 'pusher_internal:member_added');
    assert.equal(add.channel, ch);
    assert.equal(typeof add.data, 'string');
    assert.equal(JSON.parse(add.data).user_id, '10');
    assert.ok(!c2.messages.some((m) => m.event === 'pusher_internal:member_added'),
      'the joining socket gets no member_added about itself');
  });

  test('pusher-js members: ids, info, count and me', async () => {
    const ch = uniqueName('presence-members');
    const a = await connectClient(server, { user: member('alice', { name: 'Alice' }) });
    const chA = await subscribeOk(a, ch);
    assert.equal(chA.members.count, 1);
    assert.equal(chA.members.me.id, 'alice');
    assert.deepEqual(chA.members.me.info, { name: 'Alice' });

    const b = await connectClient(server, { user: member('bob', { name: 'Bob' }) });
    const chB = await subscribeOk(b, ch);
    assert.equal(chB.members.count, 2);
    const seen = {};
    chB.members.each((m) => { seen[m.id] = m.info; });
    assert.deepEqual(seen, { alice: { name: 'Alice' }, bob: { name: 'Bob' } });

    const addedEvent = await a.rec.waitFor((m) => m.event === 'pusher_internal:member_added' && m.channel === ch);
    assert.deepEqual(addedEvent.data, { user_id: 'bob', user_info: { name: 'Bob' } });
    assert.equal(chA.members.count, 2);
    assert.deepEqual(chA.members.get('bob').info, { name: 'Bob' });
  });

  test('member_added and member_removed are sent once per user, not per socket', async () => {
    const ch = uniqueName('presence-dedup');
    const api = sdk(server);
    const a = await connectClient(server, { user: member('u1', { n: 1 }) });
    const chA = await subscribeOk(a, ch);
    const memberAdded = [];
    const memberRemoved = [];
    chA.bind('pusher:member_added', (m) => memberAdded.push(m.id));
    chA.bind('pusher:member_removed', (m) => memberRemoved.push(m.id));

    // First socket of u2: one member_added.
    const b1 = await connectClient(server, { user: member('u2', { n: 2 }) });
    await subscribeOk(b1, ch);
    await a.rec.waitFor((m) => m.event === 'pusher_internal:member_added' && m.channel === ch);

    // Second socket of u2: sees both members, and nobody is told u2 was added again.
    const b2 = await connectClient(server, { user: member('u2', { n: 2 }) });
    const chB2 = await subscribeOk(b2, ch);
    assert.equal(chB2.members.count, 2);
    assert.deepEqual(Object.keys(chB2.members.members).sort(), ['u1', 'u2']);
    await barrier(api, ch, [a, b1, b2]);
    assert.equal(added(a, ch).length, 1, `member_added frames at u1: ${JSON.stringify(added(a, ch))}`);
    assert.equal(added(b1, ch).length, 0, 'u2 first socket is not told about its own second socket');

    // HTTP view: two distinct users although there are three sockets.
    const users = await (await api.get({ path: `/channels/${ch}/users` })).json();
    assert.deepEqual(users.users.map((u) => u.id).sort(), ['u1', 'u2']);
    const info = await (await api.get({ path: `/channels/${ch}`, params: { info: 'user_count' } })).json();
    assert.equal(info.occupied, true);
    assert.equal(info.user_count, 2);

    // One socket of u2 leaves (unsubscribe): u2 is still present, no member_removed.
    b1.unsubscribe(ch);
    await pingPong(b1); // the unsubscribe was processed before the pong
    await barrier(api, ch, [a, b2]);
    assert.equal(removed(a, ch).length, 0, 'no member_removed while u2 has another socket');

    // The last socket of u2 disconnects: exactly one member_removed.
    b2.disconnect();
    const rm = await a.rec.waitFor((m) => m.event === 'pusher_internal:member_removed' && m.channel === ch);
    assert.deepEqual(rm.data, { user_id: 'u2' });
    await barrier(api, ch, [a]);
    assert.equal(removed(a, ch).length, 1);
    assert.deepEqual(memberAdded, ['u2']);
    assert.deepEqual(memberRemoved, ['u2']);
    assert.equal(chA.members.count, 1);
    assert.equal(added(a, ch).filter((m) => m.data.user_id === 'u1').length, 0, 'never told about itself');

    const after = await (await api.get({ path: `/channels/${ch}/users` })).json();
    assert.deepEqual(after.users, [{ id: 'u1' }]);
  });

  test('a user leaving by disconnect while it has no other socket is removed', async () => {
    const ch = uniqueName('presence-leave');
    const a = await connectClient(server, { user: member('stay', {}) });
    await subscribeOk(a, ch);
    const b = await connectClient(server, { user: member('leave', {}) });
    await subscribeOk(b, ch);
    await a.rec.waitFor((m) => m.event === 'pusher_internal:member_added' && m.channel === ch);
    b.disconnect();
    const rm = await a.rec.waitFor((m) => m.event === 'pusher_internal:member_removed' && m.channel === ch);
    assert.equal(rm.data.user_id, 'leave');
  });
});

describe('presence refusals', () => {
  test('a signature made with the wrong secret is refused with 4009', async () => {
    const p = await connectClient(server, {
      user: member('x', {}),
      signer: sdk(server, { secret: 'wrong-secret' }),
    });
    await subscribeRefused(p, uniqueName('presence-badsig'), 4009);
    await pingPong(p);
  });

  test('channel_data changed after signing is refused with 4009', async () => {
    const p = await connectClient(server, {
      authorize: ({ socketId, channelName }) => {
        const signed = sdk(server).authorizeChannel(socketId, channelName, member('honest', {}));
        return { auth: signed.auth, channel_data: JSON.stringify(member('impostor', {})) };
      },
    });
    await subscribeRefused(p, uniqueName('presence-tampered'), 4009);
  });

  test('channel_data without user_id is refused with 4307', async () => {
    const p = await connectClient(server, { user: { user_info: { name: 'nobody' } } });
    await subscribeRefused(p, uniqueName('presence-noid'), 4307);
    await pingPong(p);
  });

  test('user_info over 1024 bytes is refused with 4307, 1000 bytes is accepted', async () => {
    const ch = uniqueName('presence-big');
    const big = await connectClient(server, { user: member('big', { pad: 'x'.repeat(1100) }) });
    await subscribeRefused(big, ch, 4307);
    const ok = await connectClient(server, { user: member('ok', { pad: 'x'.repeat(980) }) });
    const chOk = await subscribeOk(ok, ch);
    assert.equal(chOk.members.count, 1, 'the refused member is not counted');
  });

  test('a refused presence subscriber is not listed and triggers no member_added', async () => {
    const ch = uniqueName('presence-refused-not-member');
    const api = sdk(server);
    const a = await connectClient(server, { user: member('member', {}) });
    await subscribeOk(a, ch);
    const bad = await connectClient(server, { user: member('intruder', {}), signer: sdk(server, { secret: 'nope' }) });
    await subscribeRefused(bad, ch, 4009);
    await barrier(api, ch, [a]);
    assert.equal(added(a, ch).length, 0);
    const users = await (await api.get({ path: `/channels/${ch}/users` })).json();
    assert.deepEqual(users.users, [{ id: 'member' }]);
  });
});
