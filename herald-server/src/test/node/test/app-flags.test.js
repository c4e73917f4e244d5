'use strict';
// Per-app features switched on for the default app through the environment: authorized
// connections (close 4009 for connections that neither sign in nor join a private channel in
// time) and subscription counts (pusher:subscription_count / channel.subscriptionCount). The
// counts' wire format, coalescing and absence on presence channels are in-process
// (SubscriptionCountTest).

const { describe, test, afterEach } = require('../helpers/testing');
const assert = require('node:assert/strict');
const { useServer } = require('../helpers/server');
const {
  sdk, createClient, connectClient, connectUser, waitConnected, closeCodes, disconnectAll,
  subscribeOk, pingPong, barrier, uniqueName, RawClient,
} = require('../helpers/clients');

afterEach(disconnectAll);

describe('authorized connections (HERALD_APP_AUTHORIZED_CONNECTIONS=true, timeout 2 s)', () => {
  const server = useServer({
    HERALD_APP_AUTHORIZED_CONNECTIONS: 'true',
    HERALD_APP_AUTHORIZED_CONNECTION_TIMEOUT: 2,
  });

  test('unauthorized connections are closed with 4009 after the timeout; signed-in and private ones stay', async () => {
    // The ones that must stay connect first, so their timeout expires before the others'.
    const signedIn = await connectUser(server, { id: uniqueName('authorized') });
    const privateOnly = await connectClient(server);
    await subscribeOk(privateOnly, uniqueName('private-authz'));
    const presenceOnly = await connectClient(server, { user: { user_id: 'p', user_info: {} } });
    await subscribeOk(presenceOnly, uniqueName('presence-authz'));
    const late = createClient(server, { userData: { id: uniqueName('late') } });
    await waitConnected(late);

    const idle = createClient(server);
    await waitConnected(idle);
    const connectedAt = Date.now();
    const publicOnly = await connectClient(server);
    await subscribeOk(publicOnly, uniqueName('public-authz'));
    const refusedPrivate = await connectClient(server, { signer: sdk(server, { secret: 'wrong' }) });
    refusedPrivate.subscribe(uniqueName('private-refused'));
    await refusedPrivate.rec.waitForError(4009);
    const raw = new RawClient(server);
    await raw.established();

    // `late` signs in about 1 s after connecting, within its 2 s.
    await new Promise((r) => setTimeout(r, 1000));
    late.signin();
    await late.rec.waitFor((m) => m.event === 'pusher:signin_success');

    for (const p of [idle, publicOnly, refusedPrivate]) {
      await p.rec.waitUntil(() => p.connection.state === 'disconnected', { timeout: 6000, what: 'closed for lack of authorization' });
      assert.ok(closeCodes(p).includes(4009), `close codes: ${JSON.stringify(p.rec.errors)}`);
    }
    const closedAfter = Date.now() - connectedAt;
    assert.ok(closedAfter >= 1500, `closed after ${closedAfter} ms, not before the 2 s timeout`);
    const close = await raw.waitClosed(6000);
    assert.equal(close.code, 4009);
    const errors = raw.messages.filter((m) => m.event === 'pusher:error').map((m) => m.data.code);
    assert.deepEqual(errors, [4009], 'pusher:error 4009 before the close');

    for (const p of [signedIn, privateOnly, presenceOnly, late]) {
      await pingPong(p);
      assert.equal(p.connection.state, 'connected');
      assert.deepEqual(closeCodes(p), []);
      assert.equal(p.rec.states.filter((s) => s.current !== 'connected').length, 0);
    }
  });
});

describe('subscription count (HERALD_APP_SUBSCRIPTION_COUNT=true)', () => {
  const server = useServer({ HERALD_APP_SUBSCRIPTION_COUNT: 'true' });
  const countsOf = (p, ch) => p.rec.all((m) => m.event === 'pusher_internal:subscription_count' && m.channel === ch)
    .map((m) => m.data.subscription_count);

  test('pusher:subscription_count and channel.subscriptionCount follow the subscribers', async () => {
    const ch = uniqueName('sc-public');
    const a = await connectClient(server);
    const chA = await subscribeOk(a, ch);
    const seen = [];
    chA.bind('pusher:subscription_count', (data) => { seen.push(data.subscription_count); a.rec.notify(); });
    const b = await connectClient(server);
    const chB = await subscribeOk(b, ch);
    const c = await connectClient(server);
    const chC = await subscribeOk(c, ch);
    for (const [p, channel] of [[a, chA], [b, chB], [c, chC]]) {
      await p.rec.waitUntil(() => channel.subscriptionCount === 3, { what: 'subscriptionCount 3' });
    }
    assert.equal(seen[seen.length - 1], 3);

    c.unsubscribe(ch);
    await a.rec.waitUntil(() => chA.subscriptionCount === 2, { what: 'subscriptionCount 2 after an unsubscribe' });
    b.disconnect();
    await a.rec.waitUntil(() => chA.subscriptionCount === 1, { what: 'subscriptionCount 1 after a disconnect' });
    const info = await (await sdk(server).get({ path: `/channels/${ch}`, params: { info: 'subscription_count' } })).json();
    assert.equal(info.subscription_count, 1);
    assert.deepEqual(countsOf(a, ch).slice(-1), [1]);
  });
});
