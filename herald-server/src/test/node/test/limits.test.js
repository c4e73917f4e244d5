'use strict';
// Configured limits: channels per connection (4304) and presence members per channel (4306).

const { describe, test, afterEach } = require('../helpers/testing');
const assert = require('node:assert/strict');
const { useServer } = require('../helpers/server');
const {
  sdk, connectClient, disconnectAll, subscribeOk, subscribeRefused, pingPong, barrier, uniqueName,
} = require('../helpers/clients');

const server = useServer({ HERALD_MAX_CHANNELS_PER_CONNECTION: 3, HERALD_MAX_PRESENCE_MEMBERS: 2 });
afterEach(disconnectAll);

const member = (id) => ({ user_id: id, user_info: { id } });

describe('channels per connection (limit 3)', () => {
  test('3 channels succeed, the 4th is refused with 4304, the connection stays usable', async () => {
    const p = await connectClient(server);
    const names = [uniqueName('lim-a'), uniqueName('private-lim-b'), uniqueName('lim-c')];
    for (const n of names) await subscribeOk(p, n);
    const fourth = uniqueName('lim-d');
    await subscribeRefused(p, fourth, 4304);
    assert.equal(p.connection.state, 'connected');
    await pingPong(p);
    // Existing subscriptions still receive events.
    await barrier(sdk(server), names[0], [p]);
  });

  test('after an unsubscribe there is room again', async () => {
    const p = await connectClient(server);
    const names = [uniqueName('room-a'), uniqueName('room-b'), uniqueName('room-c')];
    for (const n of names) await subscribeOk(p, n);
    await subscribeRefused(p, uniqueName('room-d'), 4304);
    p.unsubscribe(names[0]);
    await subscribeOk(p, uniqueName('room-e'));
  });

  test('re-subscribing to a channel already held does not count twice', async () => {
    const p = await connectClient(server);
    const names = [uniqueName('same-a'), uniqueName('same-b'), uniqueName('same-c')];
    for (const n of names) await subscribeOk(p, n);
    const since = p.rec.mark();
    p.connection.send_event('pusher:subscribe', { auth: '', channel: names[1] });
    await p.rec.waitFor((m) => m.event === 'pusher_internal:subscription_succeeded' && m.channel === names[1], { since });
    assert.deepEqual(p.rec.pusherErrors(undefined, since), []);
  });

  test('the limit is per connection: another connection gets its own 3', async () => {
    const p1 = await connectClient(server);
    const p2 = await connectClient(server);
    for (let i = 0; i < 3; i += 1) await subscribeOk(p1, uniqueName('per-conn'));
    for (let i = 0; i < 3; i += 1) await subscribeOk(p2, uniqueName('per-conn'));
    await subscribeRefused(p2, uniqueName('per-conn'), 4304);
  });
});

describe('presence members per channel (limit 2)', () => {
  test('third distinct user refused with 4306; a second socket of an existing user is accepted', async () => {
    const ch = uniqueName('presence-cap');
    const api = sdk(server);
    const u1 = await connectClient(server, { user: member('u1') });
    const u2 = await connectClient(server, { user: member('u2') });
    await subscribeOk(u1, ch);
    await subscribeOk(u2, ch);

    const u3 = await connectClient(server, { user: member('u3') });
    const { subscriptionError } = await subscribeRefused(u3, ch, 4306);
    assert.equal(typeof subscriptionError, 'object');
    await pingPong(u3);

    const u1b = await connectClient(server, { user: member('u1') });
    const chU1b = await subscribeOk(u1b, ch);
    assert.equal(chU1b.members.count, 2);

    await barrier(api, ch, [u1, u2, u1b]);
    assert.equal(u1.rec.all((m) => m.event === 'pusher_internal:member_added' && m.data.user_id === 'u3').length, 0);
    const users = await (await api.get({ path: `/channels/${ch}/users` })).json();
    assert.deepEqual(users.users.map((u) => u.id).sort(), ['u1', 'u2']);
  });

  test('when a member leaves, a new user fits again', async () => {
    const ch = uniqueName('presence-cap-leave');
    const u1 = await connectClient(server, { user: member('a1') });
    const u2 = await connectClient(server, { user: member('a2') });
    await subscribeOk(u1, ch);
    await subscribeOk(u2, ch);
    const u3 = await connectClient(server, { user: member('a3') });
    await subscribeRefused(u3, ch, 4306);
    u2.unsubscribe(ch);
    await u1.rec.waitFor((m) => m.event === 'pusher_internal:member_removed' && m.channel === ch);
    // pusher-js keeps a server-refused subscription pending and never re-sends it, so retry
    // the same user on a new connection.
    const u3again = await connectClient(server, { user: member('a3') });
    const chU3 = await subscribeOk(u3again, ch);
    assert.equal(chU3.members.count, 2);
    assert.deepEqual(Object.keys(chU3.members.members).sort(), ['a1', 'a3']);
  });
});
