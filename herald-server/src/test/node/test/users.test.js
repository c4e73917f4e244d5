'use strict';
// User authentication with pusher-js (pusher.signin() signed by the node SDK's authenticateUser),
// sending to users (sendToUser), terminating them (terminateUserConnections), presence from the
// sign-in user_data (no channel_data, pusher-js >= 7.4) and watchlist online/offline events. The
// server's refusals and wire format are in-process (UsersTest, HttpApiTest$Users).

const { describe, test, afterEach } = require('../helpers/testing');
const assert = require('node:assert/strict');
const { useServer } = require('../helpers/server');
const {
  sdk, createClient, connectClient, connectUser, waitConnected, signIn, closeCodes, disconnectAll,
  subscribeOk, pingPong, barrier, eventually, uniqueName, RawClient,
} = require('../helpers/clients');

const server = useServer();
afterEach(disconnectAll);

/** Resolves with the data of `event` sent to the signed-in user of `p` (pusher.user.bind). */
function userEvent(p, event, pred = () => true) {
  return p.rec.waitUntil(() => (p.userEvents || []).find((e) => e.event === event && pred(e.data)),
    { what: `user event ${event}` }).then((e) => e.data);
}

/** Records everything pusher.user.bind_global-equivalent would see: each user event by name. */
function recordUserEvents(p, ...names) {
  p.userEvents = [];
  for (const name of names) {
    p.user.bind(name, (data) => { p.userEvents.push({ event: name, data }); p.rec.notify(); });
  }
}

/** The user_ids of each watchlist event of `name` pusher-js emitted on pusher.user.watchlist. */
function recordWatchlist(p) {
  p.watch = [];
  for (const name of ['online', 'offline']) {
    p.user.watchlist.bind(name, (e) => { p.watch.push({ name, ids: [...e.user_ids].sort() }); p.rec.notify(); });
  }
}
const watchOf = (p, name, id) => p.watch.filter((w) => w.name === name && w.ids.includes(id));

/** An ordering barrier for a signed-in client: a marker sent to its user has arrived. */
async function userBarrier(p, userId) {
  const id = uniqueName('user-marker');
  await sdk(server).sendToUser(userId, 'test-user-marker', { id });
  await p.rec.waitFor((m) => m.event === 'test-user-marker' && m.channel === `#server-to-user-${userId}` &&
    m.data.id === id, { what: `user marker ${id}` });
}

describe('sign-in', () => {
  test('pusher.signin() with authenticateUser: signin_success echoes the exact user_data', async () => {
    const id = uniqueName('alice');
    const userData = { id, user_info: { name: 'Alice' }, watchlist: [] };
    const p = await connectClient(server, { userData });
    const since = p.rec.mark();
    const confirmed = await signIn(p);
    assert.deepEqual(confirmed, userData);
    const success = p.rec.all((m) => m.event === 'pusher:signin_success', since)[0];
    assert.equal(success.data.user_data, JSON.stringify(userData), 'the exact signed string');
    assert.deepEqual(p.user.user_data, userData);
    assert.equal(p.connection.state, 'connected');
  });

  test('a sign-in signed with the wrong secret: pusher:error 4009, closed with 4009, no reconnect', async () => {
    const p = createClient(server, {
      userData: { id: uniqueName('mallory') },
      userSigner: sdk(server, { secret: 'not-the-secret' }),
    });
    await waitConnected(p);
    p.signin();
    const err = await p.rec.waitForError(4009);
    assert.ok(err.message.length > 0);
    await p.rec.waitUntil(() => p.connection.state === 'disconnected', { what: 'state disconnected' });
    assert.ok(closeCodes(p).includes(4009), `close codes ${JSON.stringify(p.rec.errors)}`);
    assert.equal(p.rec.all((m) => m.event === 'pusher:signin_success').length, 0);
    assert.equal(p.user.user_data, null);
  });
});

describe('sending to users', () => {
  test('sendToUser reaches every socket of that user through pusher.user.bind, and no one else', async () => {
    const bob = uniqueName('bob');
    const carol = uniqueName('carol');
    const api = sdk(server);
    const b1 = await connectUser(server, { id: bob });
    const b2 = await connectUser(server, { id: bob, user_info: { device: 2 } });
    const c = await connectUser(server, { id: carol });
    const anon = await connectClient(server);
    const pub = uniqueName('users-pub');
    await subscribeOk(anon, pub);
    for (const p of [b1, b2, c]) recordUserEvents(p, 'greet');

    await api.sendToUser(bob, 'greet', { hello: bob, n: [1, 2] });
    assert.deepEqual(await userEvent(b1, 'greet'), { hello: bob, n: [1, 2] });
    assert.deepEqual(await userEvent(b2, 'greet'), { hello: bob, n: [1, 2] });
    const frame = b1.rec.all((m) => m.event === 'greet')[0];
    assert.equal(frame.channel, `#server-to-user-${bob}`);

    await userBarrier(c, carol);
    await barrier(api, pub, [anon]);
    assert.deepEqual(c.userEvents, [], 'another user gets nothing');
    assert.equal(c.rec.all((m) => m.event === 'greet').length, 0);
    assert.equal(anon.rec.all((m) => m.event === 'greet').length, 0, 'a socket not signed in gets nothing');
    await userBarrier(b1, bob);
    assert.equal(b1.userEvents.length, 1, 'exactly once per socket');
  });
});

describe('terminating user connections', () => {
  test('terminateUserConnections closes every connection of that user with 4009; others untouched', async () => {
    const victim = uniqueName('victim');
    const bystander = uniqueName('bystander');
    const api = sdk(server);
    const v1 = await connectUser(server, { id: victim });
    const v2 = await connectUser(server, { id: victim });
    const vRaw = new RawClient(server);
    assert.equal((await vRaw.signIn(api, { id: victim })).event, 'pusher:signin_success');
    const other = await connectUser(server, { id: bystander });
    // Present under the same user_id through channel_data, but never signed in: not terminated.
    const presenceOnly = await connectClient(server, { user: { user_id: victim, user_info: {} } });
    await subscribeOk(presenceOnly, uniqueName('presence-victim'));

    const res = await api.terminateUserConnections(victim);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {});

    const rawErr = await vRaw.waitFor((m) => m.event === 'pusher:error', { what: 'pusher:error 4009' });
    assert.equal(rawErr.data.code, 4009);
    assert.equal(rawErr.data.message, 'You got disconnected by the app.');
    assert.equal((await vRaw.waitClosed()).code, 4009);
    for (const p of [v1, v2]) {
      await p.rec.waitUntil(() => p.connection.state === 'disconnected', { what: 'terminated pusher-js disconnected' });
      assert.ok(closeCodes(p).includes(4009), `close codes: ${JSON.stringify(p.rec.errors)}`);
    }
    await pingPong(other);
    await pingPong(presenceOnly);
    assert.equal(other.connection.state, 'connected');
    assert.equal(presenceOnly.connection.state, 'connected');

    // 4009 is in pusher-js's "do not reconnect" range. The absence of a reconnect can only be
    // observed over time: pusher-js would retry after 1 s at the earliest.
    const before = [v1.rec.states.length, v2.rec.states.length];
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual([v1.rec.states.length, v2.rec.states.length], before, 'no reconnect after 4009');
    assert.equal(v1.connection.state, 'disconnected');

    // The user may sign in again afterwards.
    const back = await connectUser(server, { id: victim });
    recordUserEvents(back, 'welcome-back');
    await api.sendToUser(victim, 'welcome-back', { ok: true });
    assert.deepEqual(await userEvent(back, 'welcome-back'), { ok: true });
  });
});

describe('presence from the sign-in (no channel_data)', () => {
  test('a signed-in pusher-js joins with only `auth`: the member comes from user_data', async () => {
    const ch = uniqueName('presence-signedin');
    const api = sdk(server);
    const observer = await connectClient(server, { user: { user_id: 'observer', user_info: { role: 'obs' } } });
    const chObs = await subscribeOk(observer, ch);
    const patId = uniqueName('pat');
    const pat = await connectUser(server, { id: patId, user_info: { name: 'Pat' } }, {
      // What an app's auth endpoint returns for a signed-in user: the signature of
      // socket_id:channel only, as the SDK computes it without presence data.
      authorize: ({ socketId, channelName }) => {
        const auth = api.authorizeChannel(socketId, channelName);
        assert.deepEqual(Object.keys(auth), ['auth']);
        return auth;
      },
    });
    const chPat = await subscribeOk(pat, ch);
    assert.equal(chPat.members.me.id, patId);
    assert.deepEqual(chPat.members.me.info, { name: 'Pat' });
    assert.equal(chPat.members.count, 2);
    assert.deepEqual(chPat.members.get('observer').info, { role: 'obs' });

    const added = await observer.rec.waitFor((m) => m.event === 'pusher_internal:member_added' && m.channel === ch);
    assert.deepEqual(added.data, { user_id: patId, user_info: { name: 'Pat' } });
    assert.deepEqual(chObs.members.get(patId).info, { name: 'Pat' });
    const users = await (await api.get({ path: `/channels/${ch}/users` })).json();
    assert.deepEqual(users.users.map((u) => u.id).sort(), ['observer', patId].sort());

    // Client events on the channel carry the signed-in user's id.
    const got = new Promise((resolve) => chObs.bind('client-hi', (data, meta) => resolve(meta.user_id)));
    chPat.trigger('client-hi', {});
    assert.equal(await got, patId);
  });
});

describe('watchlist', () => {
  test('online once for the first socket, offline once for the last, initial status on sign-in', async () => {
    const api = sdk(server);
    const b = uniqueName('wl-b');
    const c = uniqueName('wl-c');
    const aId = uniqueName('wl-a');
    const a = createClient(server, { userData: { id: aId, watchlist: [b, c] } });
    recordWatchlist(a);
    await waitConnected(a);
    await signIn(a);
    // Initial status: both watched users are offline.
    await a.rec.waitUntil(() => watchOf(a, 'offline', b).length && watchOf(a, 'offline', c).length,
      { what: 'initial offline status of both' });
    assert.deepEqual(a.watch.filter((w) => w.ids.length > 0).map((w) => w.name), ['offline']);

    // b's first socket: one online.
    const probe = uniqueName('wl-probe');
    const b1 = await connectUser(server, { id: b });
    await subscribeOk(b1, probe);
    await a.rec.waitUntil(() => watchOf(a, 'online', b).length, { what: `online ${b}` });
    // b's second socket: nothing.
    const b2 = await connectUser(server, { id: b });
    await userBarrier(a, aId);
    assert.equal(watchOf(a, 'online', b).length, 1, `online events: ${JSON.stringify(a.watch)}`);

    // A watcher signing in now is told b is online and c offline.
    const a2 = createClient(server, { userData: { id: uniqueName('wl-a2'), watchlist: [b, c] } });
    recordWatchlist(a2);
    await waitConnected(a2);
    await signIn(a2);
    await a2.rec.waitUntil(() => watchOf(a2, 'online', b).length && watchOf(a2, 'offline', c).length,
      { what: 'initial status: b online, c offline' });
    assert.equal(watchOf(a2, 'offline', b).length, 0);

    // b's first socket leaves: still online, nothing sent. Once its channels are gone on the
    // server (asked over HTTP), the marker orders anything the leave caused before it.
    const seen = a.watch.length;
    b1.disconnect();
    await eventually(async () => {
      const info = await (await api.get({ path: `/channels/${probe}` })).json();
      assert.equal(info.occupied, false);
    });
    await userBarrier(a, aId);
    assert.deepEqual(a.watch.slice(seen), [], 'no watchlist event while b has another socket');

    // b's last socket leaves: one offline, to every watcher.
    b2.disconnect();
    await a.rec.waitUntil(() => watchOf(a, 'offline', b).length, { what: `offline ${b}` });
    await a2.rec.waitUntil(() => watchOf(a2, 'offline', b).length, { what: `offline ${b} at a2` });
    await userBarrier(a, aId);
    assert.equal(watchOf(a, 'online', b).length, 1);
    assert.equal(watchOf(a, 'offline', b).length, 2, 'the initial status and the leave');
    assert.equal(watchOf(a, 'online', c).length, 0, 'c never came online');
  });
});
