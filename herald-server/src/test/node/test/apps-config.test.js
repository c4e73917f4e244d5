'use strict';
// Many apps from a HERALD_CONFIG YAML file, each with its own limits and feature flags, as
// pusher-js meets them: connection cap (4004), client events, event size, channels per
// connection, presence members and user_info size, user authentication, watchlist (on/off and
// size), and a disabled app (4003 / HTTP 403). The rules themselves are in-process (LimitsTest,
// UsersTest, ProtocolTest, HttpApiTest$PerApp); here each setting reaches the server from the file.

const { describe, test, before, afterEach } = require('../helpers/testing');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { useServer } = require('../helpers/server');
const {
  sdk, createClient, connectClient, connectUser, waitConnected, signIn, closeCodes, disconnectAll,
  subscribeOk, subscribeRefused, pingPong, barrier, uniqueName, RawClient,
} = require('../helpers/clients');

afterEach(disconnectAll);

const APPS = {
  cap: { id: 'cap-app', key: 'cap-key', secret: 'cap-secret' },
  lim: { id: 'lim-app', key: 'lim-key', secret: 'lim-secret' },
  open: { id: 'open-app', key: 'open-key', secret: 'open-secret' },
  noauth: { id: 'noauth-app', key: 'noauth-key', secret: 'noauth-secret' },
  off: { id: 'off-app', key: 'off-key', secret: 'off-secret' },
};
const YAML = `
apps:
  - id: cap-app
    key: cap-key
    secret: cap-secret
    max_connections: 2
  - id: lim-app
    key: lim-key
    secret: lim-secret
    client_events: false
    max_event_bytes: 100
    max_channels_per_connection: 2
    max_presence_members: 1
    max_presence_user_info_bytes: 50
    max_watchlist_size: 1
  - id: open-app
    key: open-key
    secret: open-secret
    enabled: true
    client_events: true
    watchlist: false
  - id: noauth-app
    key: noauth-key
    secret: noauth-secret
    user_authentication: false
  - id: off-app
    key: off-key
    secret: off-secret
    enabled: false
`;

const configFile = path.join(os.tmpdir(), `herald-node-test-apps-config-${process.pid}.yaml`);
fs.writeFileSync(configFile, YAML);
process.on('exit', () => fs.rmSync(configFile, { force: true }));
// The env variables still describe a default app, served beside the file's since its id, key
// and secret are set.
const ENV_APP = { id: 'env-app', key: 'env-key', secret: 'env-secret' };
const server = useServer({
  HERALD_CONFIG: configFile,
  HERALD_APP_ID: ENV_APP.id,
  HERALD_APP_KEY: ENV_APP.key,
  HERALD_APP_SECRET: ENV_APP.secret,
  HERALD_APP_CLIENT_EVENTS: 'false',
  HERALD_APP_MAX_CONNECTIONS: 3,
});

/** The SDK and client options of one app. */
const api = (app) => sdk(server, { appId: app.id, key: app.key, secret: app.secret });
const opts = (app, more = {}) => ({ key: app.key, signer: api(app), ...more });
const member = (id, info = {}) => ({ user_id: id, user_info: info });

describe('per-app limits', () => {
  test('event size: 100 bytes on lim-app (101 -> 413), 5000 bytes fine on open-app', async () => {
    const ch = uniqueName('size');
    await api(APPS.lim).trigger(ch, 'ok', 'x'.repeat(100));
    await assert.rejects(api(APPS.lim).trigger(ch, 'big', 'x'.repeat(101)), (e) => e.status === 413);
    await api(APPS.open).trigger(ch, 'ok', 'x'.repeat(5000));
  });

  test('channels per connection: the 3rd is refused with 4304 on lim-app, accepted on open-app', async () => {
    const lim = await connectClient(server, opts(APPS.lim));
    await subscribeOk(lim, uniqueName('c1'));
    await subscribeOk(lim, uniqueName('c2'));
    await subscribeRefused(lim, uniqueName('c3'), 4304);
    const open = await connectClient(server, opts(APPS.open));
    for (let i = 0; i < 3; i += 1) await subscribeOk(open, uniqueName('c'));
  });

  test('presence: 1 member and 50-byte user_info on lim-app (4306, 4307); open-app takes both', async () => {
    const ch = uniqueName('presence-lim');
    const first = await connectClient(server, opts(APPS.lim, { user: member('one') }));
    await subscribeOk(first, ch);
    const second = await connectClient(server, opts(APPS.lim, { user: member('two') }));
    await subscribeRefused(second, ch, 4306);
    const big = await connectClient(server, opts(APPS.lim, { user: member('big', { pad: 'x'.repeat(60) }) }));
    await subscribeRefused(big, uniqueName('presence-lim-info'), 4307);

    const o1 = await connectClient(server, opts(APPS.open, { user: member('one') }));
    await subscribeOk(o1, ch);
    const o2 = await connectClient(server, opts(APPS.open, { user: member('big', { pad: 'x'.repeat(60) }) }));
    const chO2 = await subscribeOk(o2, ch);
    assert.equal(chO2.members.count, 2);
  });

  test('max_connections 2 on cap-app: the 3rd gets 4004 and closed; other apps unaffected', async () => {
    const probe = uniqueName('cap-probe');
    const c1 = await connectClient(server, opts(APPS.cap));
    const c2 = new RawClient(server, { key: APPS.cap.key });
    await c2.established();
    assert.equal((await c2.subscribe(probe)).event, 'pusher_internal:subscription_succeeded');

    const third = createClient(server, opts(APPS.cap));
    await third.rec.waitUntil(() => ['disconnected', 'failed'].includes(third.connection.state),
      { what: 'third cap-app connection refused' });
    const codes = third.rec.errors.map((e) => (e.error && e.error.data ? e.error.data.code : e.data && e.data.code));
    assert.ok(codes.includes(4004), `errors: ${JSON.stringify(third.rec.errors)}`);
    assert.ok(!third.rec.states.some((s) => s.current === 'connected'));
    const raw = new RawClient(server, { key: APPS.cap.key });
    assert.equal((await raw.waitClosed()).code, 4004);
    assert.equal(raw.messages.find((m) => m.event === 'pusher:error').data.code, 4004);

    const others = await Promise.all([1, 2, 3].map(() => connectClient(server, opts(APPS.open))));
    for (const o of others) await pingPong(o);
    await pingPong(c1);
  });
});

describe('per-app flags', () => {
  test('client events: refused with 4303 on lim-app, delivered on open-app', async () => {
    const ch = uniqueName('private-flags-ce');
    const la = await connectClient(server, opts(APPS.lim));
    const lb = await connectClient(server, opts(APPS.lim));
    const chLa = await subscribeOk(la, ch);
    await subscribeOk(lb, ch);
    const since = la.rec.mark();
    chLa.trigger('client-nope', {});
    await la.rec.waitForError(4303, { since });
    await barrier(api(APPS.lim), ch, [lb]);
    assert.equal(lb.rec.all((m) => m.event === 'client-nope').length, 0);

    const oa = await connectClient(server, opts(APPS.open));
    const ob = await connectClient(server, opts(APPS.open));
    const chOa = await subscribeOk(oa, ch);
    const chOb = await subscribeOk(ob, ch);
    const got = new Promise((resolve) => chOb.bind('client-yes', resolve));
    chOa.trigger('client-yes', { ok: 1 });
    assert.deepEqual(await got, { ok: 1 });
  });

  test('user authentication off on noauth-app: sign-in refused with 4009; on elsewhere', async () => {
    const p = createClient(server, opts(APPS.noauth, { userData: { id: 'u1' } }));
    await waitConnected(p);
    const since = p.rec.mark();
    p.signin();
    await p.rec.waitForError(4009, { since });
    assert.equal(p.rec.all((m) => m.event === 'pusher:signin_success').length, 0);
    assert.equal(p.user.user_data, null);

    await connectUser(server, { id: 'u1' }, opts(APPS.open));
  });

  test('watchlist off on open-app: no watchlist events; on lim-app: status, and a list over 1 refused', async () => {
    const watched = uniqueName('watched');
    const wOpen = createClient(server, opts(APPS.open, { userData: { id: uniqueName('w'), watchlist: [watched] } }));
    const wLim = createClient(server, opts(APPS.lim, { userData: { id: uniqueName('w'), watchlist: [watched] } }));
    await Promise.all([waitConnected(wOpen), waitConnected(wLim)]);
    const openUser = await signIn(wOpen);
    await signIn(wLim);
    await wLim.rec.waitFor((m) => m.event === 'pusher_internal:watchlist_events', { what: 'initial status on lim-app' });
    await connectUser(server, { id: watched }, opts(APPS.open));
    await connectUser(server, { id: watched }, opts(APPS.lim));
    await wLim.rec.waitFor((m) => m.event === 'pusher_internal:watchlist_events' &&
      m.data.events.some((e) => e.name === 'online' && e.user_ids.includes(watched)), { what: 'online on lim-app' });
    const id = uniqueName('marker');
    await api(APPS.open).sendToUser(openUser.id, 'marker', { id });
    await wOpen.rec.waitFor((m) => m.event === 'marker' && m.data.id === id);
    assert.deepEqual(wOpen.rec.all((m) => m.event === 'pusher_internal:watchlist_events'), []);

    const greedy = createClient(server, opts(APPS.lim, { userData: { id: uniqueName('g'), watchlist: ['a', 'b'] } }));
    await waitConnected(greedy);
    greedy.signin();
    await greedy.rec.waitForError(4009);
    await greedy.rec.waitUntil(() => greedy.connection.state === 'disconnected', { what: 'closed' });
    assert.ok(closeCodes(greedy).includes(4009));
  });

  test('users are per app: sendToUser on one app does not reach the same user id on another', async () => {
    const id = uniqueName('shared-user');
    const onOpen = await connectUser(server, { id }, opts(APPS.open));
    const onLim = await connectUser(server, { id }, opts(APPS.lim));
    await api(APPS.open).sendToUser(id, 'only-open', {});
    await onOpen.rec.waitFor((m) => m.event === 'only-open');
    await api(APPS.lim).sendToUser(id, 'lim-marker', {});
    await onLim.rec.waitFor((m) => m.event === 'lim-marker');
    assert.equal(onLim.rec.all((m) => m.event === 'only-open').length, 0);
  });
});

describe('the env default app beside the file', () => {
  test('served with its own credentials and settings (client events off, 3 connections)', async () => {
    const ch = uniqueName('private-env-app');
    const a = await connectClient(server, opts(ENV_APP));
    const b = await connectClient(server, opts(ENV_APP));
    const chA = await subscribeOk(a, ch);
    await subscribeOk(b, ch);
    await api(ENV_APP).trigger(ch, 'from-env-app', { ok: true });
    await b.rec.waitFor((m) => m.event === 'from-env-app' && m.channel === ch);
    const since = a.rec.mark();
    chA.trigger('client-off', {});
    await a.rec.waitForError(4303, { since });
    await connectClient(server, opts(ENV_APP));
    const fourth = new RawClient(server, { key: ENV_APP.key });
    assert.equal((await fourth.waitClosed()).code, 4004);
    // Credentials do not mix: the env app's secret does not sign for a file app.
    await assert.rejects(sdk(server, { appId: APPS.open.id, key: APPS.open.key, secret: ENV_APP.secret })
      .trigger(ch, 'x', {}), (e) => e.status === 401);
  });
});

describe('a disabled app', () => {
  test('pusher-js gets 4003 and stays disconnected; HTTP answers 403', async () => {
    const p = createClient(server, opts(APPS.off));
    await p.rec.waitUntil(() => ['disconnected', 'failed'].includes(p.connection.state), { what: 'refused' });
    const codes = p.rec.errors.map((e) => (e.error && e.error.data ? e.error.data.code : e.data && e.data.code));
    assert.ok(codes.includes(4003), `errors: ${JSON.stringify(p.rec.errors)}`);
    assert.ok(!p.rec.states.some((s) => s.current === 'connected'));
    const raw = new RawClient(server, { key: APPS.off.key });
    assert.equal((await raw.waitClosed()).code, 4003);
    await assert.rejects(api(APPS.off).trigger(uniqueName('off'), 'ev', {}), (e) => e.status === 403);
    await assert.rejects(api(APPS.off).get({ path: '/channels' }), (e) => e.status === 403);
  });
});
