'use strict';
// Laravel Echo 2 against Herald, once per broadcaster a Laravel app can name: `pusher` (Laravel's
// Pusher driver) and `reverb` (Laravel Reverb's driver, which Echo runs as pusher-js with an empty
// cluster). Echo builds its pusher-js client itself from the options below, as in a Laravel app's
// resources/js/echo.js. Laravel's PHP side stands in as:
// - the node `pusher` SDK for the broadcasts, with the names Laravel gives events (the event's
//   class, `App\Events\OrderShipped`, or its broadcastAs name) and `socket_id` for toOthers();
// - a loopback HTTP server for POST /broadcasting/auth that, like Laravel's, reads the form body,
//   knows the user from the request (a bearer token here, a session cookie in a browser), applies
//   the routes/channels.php rules below and answers with the SDK's authorizeChannel, presence
//   channels with the channel callback's array as user_info and a numeric user id.

const http = require('node:http');
const assert = require('node:assert/strict');
const { describe, test, before, after, afterEach } = require('../helpers/testing');
const { useServer, HOST } = require('../helpers/server');
const {
  PusherJS, Recorder, SOCKET_ID_RE, DEFAULT_TIMEOUT_MS, sdk, waitConnected, barrier, withTimeout,
} = require('../helpers/clients');
const { waitForProbe } = require('../helpers/waiting');

const server = useServer();

const USERS = Object.freeze({
  'token-alice': { id: 1, name: 'Alice', orders: ['1', '2'] },
  'token-bob': { id: 2, name: 'Bob', orders: ['1', '2'] },
});
const ALICE = 'token-alice';
const BOB = 'token-bob';
const CSRF = 'csrf-token-from-the-page';

// routes/channels.php of the stand-in app: what each channel's callback returns for a user
// (false: 403, true: private channel allowed, an object: presence member info).
function channelCallback(channelName, user) {
  let m = /^private-orders\.(\d+)$/.exec(channelName);
  if (m) return user.orders.includes(m[1]);
  m = /^private-chat\.(\d+)$/.exec(channelName);
  if (m) return true;
  m = /^presence-room\.(\d+)$/.exec(channelName);
  if (m) return { id: user.id, name: user.name };
  return false;
}

/** POST /broadcasting/auth as Laravel answers it; every request is kept for assertions. */
function startAuthServer() {
  const signer = sdk(server);
  const requests = [];
  const srv = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(body));
      requests.push({ method: req.method, url: req.url, headers: req.headers, form });
      const reply = (status, json) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      if (req.method !== 'POST' || req.url !== '/broadcasting/auth') return reply(404, { message: 'Not Found' });
      const token = (req.headers.authorization || '').replace(/^Bearer /, '');
      const user = USERS[token];
      const allowed = user && channelCallback(form.channel_name, user);
      if (!allowed) return reply(403, { message: 'This action is unauthorized.' });
      const presence = form.channel_name.startsWith('presence-')
        ? { user_id: user.id, user_info: allowed } : undefined;
      return reply(200, signer.authorizeChannel(form.socket_id, form.channel_name, presence));
    });
  });
  return new Promise((resolve) => {
    srv.listen(0, HOST, () => resolve({
      url: `http://${HOST}:${srv.address().port}/broadcasting/auth`,
      requests,
      close: () => new Promise((done) => {
        srv.close(done);
        // pusher-js's XHR keeps its connection alive: without this, close() would wait for it.
        srv.closeAllConnections();
      }),
    }));
  });
}

let Echo;
let auth;
before(async () => {
  // laravel-echo 2 is an ES module package whose CommonJS build Node does not load through
  // require(): import() takes its ES module build.
  Echo = (await import('laravel-echo')).default;
  auth = await startAuthServer();
});
after(async () => {
  if (auth) await auth.close();
});

const echoes = new Set();
afterEach(() => {
  for (const echo of echoes) echo.disconnect();
  echoes.clear();
});

/** What each broadcaster's resources/js/echo.js passes to Echo, pointed at the test server. */
function echoOptions(broadcaster) {
  const common = {
    key: server.app.key,
    wsHost: HOST,
    wsPort: server.port,
    wssPort: server.port,
    forceTLS: false,
    enabledTransports: ['ws', 'wss'],
  };
  // Laravel's Pusher driver: pusher-js 8 refuses to start without a cluster, which the wsHost
  // then overrides. The reverb broadcaster sets an empty cluster itself.
  return broadcaster === 'pusher' ? { broadcaster, cluster: 'mt1', ...common } : { broadcaster, ...common };
}

/**
 * A connected Echo for the user with this bearer token. `auth` and `userAuthentication` are given
 * per instance: Echo writes its Authorization and X-CSRF-TOKEN headers into the objects it was
 * given, which without them are its shared defaults, so a second instance would overwrite the
 * first one's token.
 */
async function connectEcho(broadcaster, token) {
  const echo = new Echo({
    ...echoOptions(broadcaster),
    authEndpoint: auth.url,
    auth: { headers: {} },
    userAuthentication: { endpoint: '/broadcasting/user-auth', headers: {} },
    bearerToken: token,
    csrfToken: CSRF,
    Pusher: PusherJS,
  });
  echoes.add(echo);
  const pusher = echo.connector.pusher;
  pusher.rec = new Recorder(pusher);
  await waitConnected(pusher);
  assert.equal(echo.connectionStatus(), 'connected');
  assert.equal(pusher.config.cluster, broadcaster === 'reverb' ? '' : 'mt1');
  const { url } = pusher.connection.connection.transport.socket;
  assert.ok(url.startsWith(`ws://${HOST}:${server.port}/app/${server.app.key}?protocol=7&client=js&`), url);
  assert.match(echo.socketId(), SOCKET_ID_RE);
  return echo;
}

/** Resolves once Echo's channel reports its subscription, rejects on its error callback. */
function subscribed(channel, timeout = DEFAULT_TIMEOUT_MS) {
  return withTimeout(new Promise((resolve, reject) => {
    channel.subscribed(resolve);
    channel.error((status) => reject(new Error(`subscription to ${channel.name} failed: ${JSON.stringify(status)}`)));
  }), timeout, `no subscription to ${channel.name} within ${timeout} ms`);
}

/** Collects what an Echo callback is called with; waits are bounded. */
class Inbox {
  constructor(name) {
    this.name = name;
    this.items = [];
    this.waiters = new Set();
    this.push = (item) => {
      this.items.push(item);
      for (const w of [...this.waiters]) w.check();
    };
  }

  next(count = 1, timeout = DEFAULT_TIMEOUT_MS) {
    return waitForProbe(this.waiters, () => this.items.length >= count && this.items[count - 1], timeout,
      () => `${this.name}: timed out after ${timeout} ms waiting for call ${count}; got ${JSON.stringify(this.items)}`);
  }
}

const received = (echo, channel, event) =>
  echo.connector.pusher.rec.all((m) => m.channel === channel && m.event === event);

for (const broadcaster of ['pusher', 'reverb']) {
  describe(`Laravel Echo, broadcaster '${broadcaster}'`, () => {
    // Channel ids differ between the two runs so that nothing one leaves behind meets the other.
    const n = broadcaster === 'pusher' ? 1 : 2;

    test('public channel: namespaced class names, a leading dot for broadcastAs names', async () => {
      const echo = await connectEcho(broadcaster, ALICE);
      const shipped = new Inbox('OrderShipped');
      const dotted = new Inbox('.order.shipped');
      const plain = new Inbox('.StatusChanged');
      const channel = echo.channel(`orders-feed.${n}`)
        .listen('OrderShipped', shipped.push)
        .listen('.order.shipped', dotted.push)
        .listen('.StatusChanged', plain.push);
      await subscribed(channel);

      const api = sdk(server);
      await api.trigger(`orders-feed.${n}`, 'App\\Events\\OrderShipped', { order: { id: 7 } });
      await api.trigger(`orders-feed.${n}`, 'order.shipped', { id: 8 });
      await api.trigger(`orders-feed.${n}`, 'StatusChanged', { status: 'ok' });
      assert.deepEqual(await shipped.next(), { order: { id: 7 } });
      assert.deepEqual(await dotted.next(), { id: 8 });
      assert.deepEqual(await plain.next(), { status: 'ok' });
      // Without a namespace Echo would have listened for `OrderShipped`, which nobody sent.
      await barrier(api, `orders-feed.${n}`, [echo.connector.pusher]);
      assert.equal(shipped.items.length, 1);
      assert.equal(dotted.items.length, 1);
      assert.equal(plain.items.length, 1);
    });

    test('private channel: authorized through /broadcasting/auth, refused with 403', async () => {
      const echo = await connectEcho(broadcaster, ALICE);
      const shipped = new Inbox('private OrderShipped');
      const channel = echo.private(`orders.${n}`).listen('OrderShipped', shipped.push);
      assert.equal(channel.name, `private-orders.${n}`);
      await subscribed(channel);

      const request = auth.requests.findLast((r) => r.form.channel_name === `private-orders.${n}`);
      assert.ok(request, 'Echo asked the auth endpoint');
      assert.equal(request.method, 'POST');
      assert.equal(request.form.socket_id, echo.socketId());
      assert.equal(request.headers.authorization, `Bearer ${ALICE}`);
      assert.equal(request.headers['x-csrf-token'], CSRF);
      assert.match(request.headers['content-type'], /^application\/x-www-form-urlencoded/);

      await sdk(server).trigger(`private-orders.${n}`, 'App\\Events\\OrderShipped', { id: n });
      assert.deepEqual(await shipped.next(), { id: n });

      // Order 9 is nobody's: the channel callback says no, Laravel answers 403, and Echo's
      // error callback gets pusher-js's AuthError with that status.
      const refused = new Inbox('error');
      echo.private('orders.9').error(refused.push);
      const status = await refused.next();
      assert.equal(status.type, 'AuthError');
      assert.equal(status.status, 403);
      assert.equal(received(echo, 'private-orders.9', 'pusher_internal:subscription_succeeded').length, 0);
    });

    test('toOthers: the socket id given as socket_id is left out, everybody else receives', async () => {
      const alice = await connectEcho(broadcaster, ALICE);
      const bob = await connectEcho(broadcaster, BOB);
      const atAlice = new Inbox('alice OrderShipped');
      const atBob = new Inbox('bob OrderShipped');
      const chAlice = alice.private(`orders.${n}`).listen('OrderShipped', atAlice.push);
      const chBob = bob.private(`orders.${n}`).listen('OrderShipped', atBob.push);
      await Promise.all([subscribed(chAlice), subscribed(chBob)]);

      // broadcast(new OrderShipped($order))->toOthers() in a request Alice's page made: Echo's
      // interceptors put her socket id in X-Socket-ID, Laravel passes it on as socket_id.
      const api = sdk(server);
      await api.trigger(`private-orders.${n}`, 'App\\Events\\OrderShipped', { id: 42 },
        { socket_id: alice.socketId() });
      assert.deepEqual(await atBob.next(), { id: 42 });
      await barrier(api, `private-orders.${n}`, [alice.connector.pusher, bob.connector.pusher]);
      assert.equal(atAlice.items.length, 0, 'the sender does not receive its own toOthers broadcast');
      assert.equal(received(alice, `private-orders.${n}`, 'App\\Events\\OrderShipped').length, 0);
      assert.equal(atBob.items.length, 1);
    });

    test('presence channel: here, joining, leaving; whisper on it', async () => {
      const alice = await connectEcho(broadcaster, ALICE);
      const hereA = new Inbox('alice here');
      const joiningA = new Inbox('alice joining');
      const leavingA = new Inbox('alice leaving');
      const typingA = new Inbox('alice typing');
      const roomA = alice.join(`room.${n}`)
        .here(hereA.push).joining(joiningA.push).leaving(leavingA.push)
        .listenForWhisper('typing', typingA.push);
      assert.equal(roomA.name, `presence-room.${n}`);
      assert.deepEqual(await hereA.next(), [{ id: 1, name: 'Alice' }]);

      const bob = await connectEcho(broadcaster, BOB);
      const hereB = new Inbox('bob here');
      const roomB = bob.join(`room.${n}`).here(hereB.push);
      const members = await hereB.next();
      assert.deepEqual([...members].sort((a, b) => a.id - b.id), [{ id: 1, name: 'Alice' }, { id: 2, name: 'Bob' }]);
      assert.deepEqual(await joiningA.next(), { id: 2, name: 'Bob' });
      const presence = auth.requests.findLast((r) => r.form.channel_name === `presence-room.${n}` &&
        r.form.socket_id === bob.socketId());
      assert.equal(presence.headers.authorization, `Bearer ${BOB}`);

      // Laravel's numeric user ids come back as the strings the protocol uses.
      const users = await sdk(server).get({ path: `/channels/presence-room.${n}/users` });
      const ids = (await users.json()).users.map((u) => u.id).sort();
      assert.deepEqual(ids, ['1', '2']);

      roomB.whisper('typing', { name: 'Bob' });
      assert.deepEqual(await typingA.next(), { name: 'Bob' });

      bob.leave(`room.${n}`);
      assert.deepEqual(await leavingA.next(), { id: 2, name: 'Bob' });
      assert.equal(joiningA.items.length, 1);
      assert.equal(hereA.items.length, 1);
    });

    test('whisper on a private channel: the other client receives it, the sender does not', async () => {
      const alice = await connectEcho(broadcaster, ALICE);
      const bob = await connectEcho(broadcaster, BOB);
      const typingA = new Inbox('alice typing');
      const typingB = new Inbox('bob typing');
      const chatA = alice.private(`chat.${n}`).listenForWhisper('typing', typingA.push);
      const chatB = bob.private(`chat.${n}`).listenForWhisper('typing', typingB.push);
      await Promise.all([subscribed(chatA), subscribed(chatB)]);

      chatA.whisper('typing', { name: 'Alice', typing: true });
      assert.deepEqual(await typingB.next(), { name: 'Alice', typing: true });
      const frame = received(bob, `private-chat.${n}`, 'client-typing')[0];
      assert.equal(frame.user_id, undefined, 'no user_id on a private channel');

      await barrier(sdk(server), `private-chat.${n}`, [alice.connector.pusher, bob.connector.pusher]);
      assert.equal(typingA.items.length, 0, 'not echoed to the sender');
      assert.equal(received(alice, `private-chat.${n}`, 'client-typing').length, 0);
      assert.equal(typingB.items.length, 1);
    });
  });
}
