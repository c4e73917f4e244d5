'use strict';
// Channel history and recovery (docs/recovery.md) as a pusher-js app meets it: pusher-js 8 with
// the herald-recovery add-on (clients/pusher-js-recovery), behind a TCP proxy written here that
// cuts every connection and refuses new ones until restored, while the node `pusher` SDK publishes
// to the server directly. What the app's own channel.bind handlers get is what is checked: every
// event once, in order, across the outage; an event published for others (socket_id) is not
// replayed to its sender; the gap signal fires when the history cannot fill the outage (size,
// age, another epoch after a restart) and only then. A stock pusher-js and a raw WebSocket that
// did not ask get exactly the frames they got before, and Laravel Echo 2's listen() recovers too.

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { describe, test, before, after, afterEach } = require('../helpers/testing');
const { useServer, startServer, sleep, HOST } = require('../helpers/server');
const {
  PusherJS, Recorder, sdk, createClient, waitConnected, subscribeOk, disconnectAll, barrier, signIn,
  uniqueName, withTimeout, RawClient, DEFAULT_TIMEOUT_MS,
} = require('../helpers/clients');
const { startProxy } = require('../helpers/proxy');
const {
  enableRecovery, historyAppsFile, Received, range, heraldFrames,
} = require('../helpers/recovery');

const POSITION_RE = /^[A-Za-z0-9]{1,16}:\d+$/;
// pusher-js reconnects a second after a connection is lost; an attempt that fails (refused by
// the proxy) is only retried when its strategy's timeout ends: 15 s, then 30 s. Most outages here
// end before that first retry; the 200-event one has it refused once.
const RECONNECT_TIMEOUT_MS = 60000;

// The reasons herald_recovered gives (HistoryPage.Gap): events trimmed by size or age, and
// another epoch.
const TRIMMED = 'events after that position are no longer kept';
const RESET = 'the channel\'s history was reset since that position';

const RULES = [
  { channels: 'history-', size: 1000, ttl_seconds: 600 },
  { channels: 'private-history-', size: 1000, ttl_seconds: 600 },
  { channels: 'small-', size: 10, ttl_seconds: 600 },
  { channels: 'brief-', size: 1000, ttl_seconds: 1 },
];

const proxies = new Set();
const echoes = new Set();
afterEach(async () => {
  for (const echo of echoes) echo.disconnect();
  echoes.clear();
  disconnectAll();
  for (const p of proxies) await p.close();
  proxies.clear();
});

async function proxyTo(port) {
  const proxy = await startProxy(port);
  proxies.add(proxy);
  return proxy;
}

/** A pusher-js client of the test app reaching the server through the proxy. */
function clientThrough(server, proxy, opts = {}) {
  return createClient({ port: proxy.port, app: server.app }, { signer: sdk(server), ...opts });
}

/** Everything pusher-js hands to its connection (below the add-on): [name, data, channel]. */
function spySent(pusher) {
  const sent = [];
  const manager = pusher.connection;
  const original = manager.send_event;
  manager.send_event = function send(name, data, channel) {
    sent.push({ name, data: JSON.parse(JSON.stringify(data)), channel });
    return original.call(this, name, data, channel);
  };
  return sent;
}

function recoveredFrames(pusher, channel, since = 0) {
  return pusher.rec.all((m) => m.event === 'pusher_internal:herald_recovered' && m.channel === channel, since)
    .map((m) => m.data);
}

function waitRecovered(pusher, channel, since, timeout = RECONNECT_TIMEOUT_MS) {
  return pusher.rec.waitFor((m) => m.event === 'pusher_internal:herald_recovered' && m.channel === channel,
    { since, timeout, what: `pusher_internal:herald_recovered on ${channel}` }).then((m) => m.data);
}

/**
 * Cuts the client off and returns its socket id. pusher-js learns of it at once but only tries
 * again a second later; restore the proxy before that for an outage without refused attempts.
 */
function cut(pusher, proxy) {
  const socketId = pusher.connection.socket_id;
  proxy.cut();
  return socketId;
}

/**
 * Publishes events {i: from..to} named `n`, in batches of ten (a batch keeps its order), one batch
 * at a time: the server records them in the order it answers them. Quick enough that an outage
 * ends before pusher-js's next attempt whatever the machine's load.
 */
async function publish(api, channel, from, to) {
  for (let i = from; i <= to; i += 10) {
    const batch = range(i, Math.min(to, i + 9)).map((n) => ({ channel, name: 'n', data: { i: n } }));
    await api.triggerBatch(batch);
  }
}

describe('recovery through pusher-js with the add-on', () => {
  // the default app's history flags (the other groups use an apps file)
  const server = useServer({
    HERALD_APP_HISTORY_CHANNELS: 'history-,private-history-,presence-history-,private-encrypted-history-',
    HERALD_APP_HISTORY_SIZE: 1000,
    HERALD_APP_HISTORY_TTL_SECONDS: 600,
  });
  let api;
  before(() => { api = sdk(server); });

  test('200 events published during and right after an outage reach the app once each, in order', { timeout: 90000 }, async () => {
    const proxy = await proxyTo(server.port);
    const pusher = clientThrough(server, proxy);
    const gaps = [];
    const recovery = enableRecovery(pusher, { onGap: (channel, info) => gaps.push({ channel, info }) });
    const sent = spySent(pusher);
    await waitConnected(pusher);
    const name = uniqueName('history-feed');
    const got = new Received();
    const channel = await subscribeOk(pusher, name);
    channel.bind('n', got.handler);

    // a fresh subscription is told the channel's position, with nothing to replay
    const fresh = await waitRecovered(pusher, name, 0);
    assert.equal(fresh.history, true);
    assert.equal(fresh.gap, false);
    assert.equal(fresh.replayed, 0);
    assert.match(fresh.position, POSITION_RE);
    const subscribe = sent.find((s) => s.name === 'pusher:subscribe' && s.data.channel === name);
    assert.deepEqual(subscribe.data.herald_recovery, { socket_ids: [] });

    await publish(api, name, 1, 5);
    await got.wait(5);
    const [epoch] = recovery.position(name).split(':');
    assert.equal(recovery.position(name), `${epoch}:${Number(fresh.position.split(':')[1]) + 5}`);

    const firstSocket = cut(pusher, proxy);
    // pusher-js's first attempt to reconnect is refused: it tries again only 15 s later
    await proxy.waitRefused(proxy.refused);
    const since = pusher.rec.mark();
    await publish(api, name, 6, 105);
    assert.equal(got.values.length, 5, 'nothing arrives during the outage');
    proxy.restore();
    // the next hundred race the reconnection: before it, during the replay, and live after it
    let i = 106;
    for (; i <= 155; i += 1) await api.trigger(name, 'n', { i });
    await pusher.rec.waitUntil(() => pusher.connection.state === 'connected',
      { timeout: RECONNECT_TIMEOUT_MS, what: 'reconnection' });
    for (; i <= 205; i += 1) await api.trigger(name, 'n', { i });

    await got.wait(205, RECONNECT_TIMEOUT_MS);
    await barrier(api, name, [pusher]);
    assert.deepEqual(got.values, range(1, 205));
    assert.deepEqual(gaps, []);

    assert.notEqual(pusher.connection.socket_id, firstSocket);
    const resubscribe = sent.filter((s) => s.name === 'pusher:subscribe' && s.data.channel === name)[1];
    assert.deepEqual(resubscribe.data.herald_recovery, { position: `${epoch}:${Number(fresh.position.split(':')[1]) + 5}`, socket_ids: [firstSocket] });
    const [recovered] = recoveredFrames(pusher, name, since);
    assert.equal(recovered.gap, false);
    assert.equal(recovered.history, true);
    assert.ok(recovered.replayed >= 100, `replayed ${recovered.replayed}`);
    // the position now is the marker's, the channel's last event
    assert.equal(recovery.position(name), `${epoch}:${Number(fresh.position.split(':')[1]) + 206}`);
  });

  test('a connection cut again during the replay: the next replay starts after the last event the app had', { timeout: 90000 }, async () => {
    const proxy = await proxyTo(server.port);
    const pusher = clientThrough(server, proxy);
    const gaps = [];
    enableRecovery(pusher, { onGap: (channel, info) => gaps.push({ channel, info }) });
    await waitConnected(pusher);
    const name = uniqueName('history-twice');
    const got = new Received();
    const channel = await subscribeOk(pusher, name);
    channel.bind('n', got.handler);
    await waitRecovered(pusher, name, 0);

    cut(pusher, proxy);
    await publish(api, name, 1, 500);
    // the second cut comes from inside the app's handler, in the middle of the replay: whatever
    // frames were still on their way (a position without its event, perhaps) are lost
    let cutAt = null;
    channel.bind('n', (data) => {
      if (data.i === 150 && cutAt === null) {
        cutAt = got.values.length;
        proxy.cut();
        proxy.restore();
      }
    });
    // what the app had when each subscribe went out
    const hadAtSubscribe = [];
    const manager = pusher.connection;
    const send = manager.send_event;
    manager.send_event = function sendEvent(event, data, ch) {
      if (event === 'pusher:subscribe') hadAtSubscribe.push({ had: got.values.length, request: data.herald_recovery });
      return send.call(this, event, data, ch);
    };
    // the replay comes 1,000 bytes every 2 ms, as over a slow link: a burst read whole before the
    // handler's cut would reach the app in full (ws emits every message of a chunk it has read)
    proxy.pace(1000, 2);
    proxy.restore();
    await got.wait(500, RECONNECT_TIMEOUT_MS);
    await barrier(api, name, [pusher]);
    assert.equal(cutAt, 150);
    assert.deepEqual(got.values, range(1, 500));
    assert.deepEqual(gaps, []);
    assert.equal(hadAtSubscribe.length, 2, JSON.stringify(hadAtSubscribe));
    const [first, second] = hadAtSubscribe;
    assert.equal(first.had, 0);
    // cut mid-replay: the app had event 150 and those read with it, not all 500
    assert.ok(second.had >= 150 && second.had < 500, JSON.stringify(second));
    const last = recoveredFrames(pusher, name).pop();
    assert.equal(last.gap, false);
    assert.equal(last.replayed, 500 - second.had, 'the second replay starts right after the last event the app had');
    const [epoch, serial] = first.request.position.split(':');
    assert.equal(second.request.position, `${epoch}:${Number(serial) + second.had}`);
  });

  test('a signed-in user on a presence channel with history: members, sendToUser and recovery side by side', { timeout: 90000 }, async () => {
    const proxy = await proxyTo(server.port);
    const user = { id: 'u-7', user_info: { name: 'Ada' } };
    const pusher = clientThrough(server, proxy, { userData: user, user: { user_id: 'u-7', user_info: { name: 'Ada' } } });
    const gaps = [];
    const recovery = enableRecovery(pusher, { onGap: (channel, info) => gaps.push({ channel, info }) });
    await waitConnected(pusher);
    await signIn(pusher);
    const toUser = new Received();
    pusher.user.bind('note', toUser.handler);
    const name = uniqueName('presence-history-room');
    const got = new Received();
    const channel = await subscribeOk(pusher, name);
    channel.bind('n', got.handler);
    assert.deepEqual(Object.keys(channel.members.members), ['u-7']);
    await waitRecovered(pusher, name, 0);
    // the user's own channel (joined by the server at sign-in; pusher-js's subscribe to it is
    // answered as a repeat) has no history: nothing to track
    assert.equal(recovery.position('#server-to-user-u-7'), null);

    await publish(api, name, 1, 3);
    await api.sendToUser('u-7', 'note', { i: 1 });
    await Promise.all([got.wait(3), toUser.wait(1)]);
    const since = pusher.rec.mark();
    cut(pusher, proxy);
    await publish(api, name, 4, 6);
    proxy.restore();
    await waitRecovered(pusher, name, since);
    await pusher.rec.waitFor((m) => m.event === 'pusher_internal:subscription_succeeded' && m.channel === '#server-to-user-u-7',
      { since, timeout: RECONNECT_TIMEOUT_MS, what: 'the user channel again' });
    await api.sendToUser('u-7', 'note', { i: 2 });
    await toUser.wait(2);
    await barrier(api, name, [pusher]);
    assert.deepEqual(got.values, range(1, 6));
    assert.deepEqual(toUser.values, [1, 2]);
    assert.deepEqual(Object.keys(channel.members.members), ['u-7']);
    assert.deepEqual(gaps, []);
    assert.deepEqual(heraldFrames(pusher.rec.all((m) => m.channel === '#server-to-user-u-7'))
      .filter((m) => m.event !== 'pusher_internal:herald_recovered'), []);
  });

  test('an end-to-end encrypted channel: the replayed ciphertext is decrypted like a live event', { timeout: 90000 }, async () => {
    const encrypting = sdk(server, { encryptionMasterKeyBase64: crypto.randomBytes(32).toString('base64') });
    const proxy = await proxyTo(server.port);
    const pusher = clientThrough(server, proxy, {
      authorize: ({ socketId, channelName }) => encrypting.authorizeChannel(socketId, channelName),
    });
    const gaps = [];
    enableRecovery(pusher, { onGap: (channel, info) => gaps.push({ channel, info }) });
    await waitConnected(pusher);
    const name = uniqueName('private-encrypted-history-secret');
    const got = new Received();
    (await subscribeOk(pusher, name)).bind('n', got.handler);
    await waitRecovered(pusher, name, 0);
    await publish(encrypting, name, 1, 3);
    await got.wait(3);
    const since = pusher.rec.mark();
    cut(pusher, proxy);
    await publish(encrypting, name, 4, 8);
    proxy.restore();
    await publish(encrypting, name, 9, 10);
    await got.wait(10, RECONNECT_TIMEOUT_MS);
    // events 9 and 10 may be part of the replay, so the recovered frame can follow the tenth event
    const recovered = await waitRecovered(pusher, name, since);
    assert.equal(recovered.gap, false);
    assert.ok(recovered.replayed >= 5, JSON.stringify(recovered));
    // the server only ever had ciphertext
    assert.ok(pusher.rec.all((m) => m.channel === name && m.event === 'n').every((m) => typeof m.data.ciphertext === 'string'));
    await encrypting.trigger(name, 'done', {});
    await pusher.rec.waitFor((m) => m.channel === name && m.event === 'done', { what: 'done' });
    assert.deepEqual(got.values, range(1, 10));
    assert.deepEqual(gaps, []);
  });

  test('the wire: a position before each event, the recovered frame after subscription_succeeded', async () => {
    const proxy = await proxyTo(server.port);
    const pusher = clientThrough(server, proxy);
    enableRecovery(pusher, { onGap: () => assert.fail('no gap expected') });
    await waitConnected(pusher);
    const name = uniqueName('history-wire');
    await subscribeOk(pusher, name);
    await waitRecovered(pusher, name, 0);
    await publish(api, name, 1, 3);
    await barrier(api, name, [pusher]);
    const onChannel = pusher.rec.all((m) => m.channel === name).map((m) => m.event);
    assert.deepEqual(onChannel, [
      'pusher_internal:subscription_succeeded', 'pusher_internal:herald_recovered',
      'pusher_internal:herald_position', 'n', 'pusher_internal:herald_position', 'n',
      'pusher_internal:herald_position', 'n', 'pusher_internal:herald_position', 'test-marker',
    ]);
    const positions = pusher.rec.all((m) => m.event === 'pusher_internal:herald_position' && m.channel === name)
      .map((m) => m.data.position);
    const [recovered] = recoveredFrames(pusher, name);
    const [epoch, serial] = recovered.position.split(':');
    assert.deepEqual(positions, [1, 2, 3, 4].map((k) => `${epoch}:${Number(serial) + k}`));
  });

  test('an event published for others (socket_id) is not replayed to the socket that sent it, nor after a second reconnection', { timeout: 90000 }, async () => {
    const proxy = await proxyTo(server.port);
    const sender = clientThrough(server, proxy);
    enableRecovery(sender, { onGap: () => assert.fail('no gap expected') });
    const sent = spySent(sender);
    const observer = createClient(server);
    await Promise.all([waitConnected(sender), waitConnected(observer)]);
    const name = uniqueName('history-others');
    const mine = new Received();
    const theirs = new Received();
    (await subscribeOk(sender, name)).bind('n', mine.handler);
    (await subscribeOk(observer, name)).bind('n', theirs.handler);
    await waitRecovered(sender, name, 0);

    const socket1 = sender.connection.socket_id;
    await api.trigger(name, 'n', { i: 1 });
    await mine.wait(1);
    // the sender's own action, broadcast to the others (Laravel's toOthers); the sender's
    // position stays before it, so its replay starts before it
    await api.trigger(name, 'n', { i: 2 }, { socket_id: socket1 });
    await theirs.wait(2);
    let since = sender.rec.mark();
    cut(sender, proxy);
    // published for others on behalf of the first socket while it is away, then an ordinary one
    await api.trigger(name, 'n', { i: 3 }, { socket_id: socket1 });
    await api.trigger(name, 'n', { i: 4 });
    await api.trigger(name, 'n', { i: 5 }, { socket_id: socket1 });
    proxy.restore();
    await waitRecovered(sender, name, since);
    await theirs.wait(5);
    assert.deepEqual(mine.values, [1, 4]);
    assert.deepEqual(theirs.values, [1, 2, 3, 4, 5]);

    // again: the first socket is still among the earlier ones, the second joins them (event 5 is
    // replayed again unless the position moved past it)
    const socket2 = sender.connection.socket_id;
    assert.notEqual(socket2, socket1);
    since = sender.rec.mark();
    cut(sender, proxy);
    await api.trigger(name, 'n', { i: 6 }, { socket_id: socket2 });
    await api.trigger(name, 'n', { i: 7 });
    proxy.restore();
    await waitRecovered(sender, name, since);
    await barrier(api, name, [sender, observer]);
    assert.deepEqual(mine.values, [1, 4, 7]);
    assert.deepEqual(theirs.values, [1, 2, 3, 4, 5, 6, 7]);
    const subscribes = sent.filter((s) => s.name === 'pusher:subscribe' && s.data.channel === name);
    assert.deepEqual(subscribes.map((s) => s.data.herald_recovery.socket_ids), [[], [socket1], [socket1, socket2]]);
  });

  test('socket_ids: the earlier ones, newest last, at most 10', { timeout: 90000 }, async () => {
    const proxy = await proxyTo(server.port);
    const pusher = clientThrough(server, proxy);
    enableRecovery(pusher, { onGap: () => assert.fail('no gap expected') });
    const sent = spySent(pusher);
    await waitConnected(pusher);
    const name = uniqueName('history-sockets');
    await subscribeOk(pusher, name);
    await waitRecovered(pusher, name, 0);
    const ids = [pusher.connection.socket_id];
    for (let k = 0; k < 11; k += 1) {
      const since = pusher.rec.mark();
      cut(pusher, proxy);
      proxy.restore();
      await waitRecovered(pusher, name, since);
      ids.push(pusher.connection.socket_id);
    }
    assert.equal(new Set(ids).size, 12);
    const subscribes = sent.filter((s) => s.name === 'pusher:subscribe' && s.data.channel === name);
    assert.equal(subscribes.length, 12);
    subscribes.forEach((s, k) => {
      assert.deepEqual(s.data.herald_recovery.socket_ids, ids.slice(Math.max(0, k - 10), k), `subscription ${k}`);
    });
  });

  test('unsubscribe forgets the channel; position() and disable()', async () => {
    const pusher = createClient(server);
    const recovery = enableRecovery(pusher, { onGap: () => assert.fail('no gap expected') });
    assert.equal(enableRecovery(pusher), recovery, 'enabling twice returns the same handle');
    const sent = spySent(pusher);
    await waitConnected(pusher);
    const name = uniqueName('history-forget');
    await subscribeOk(pusher, name);
    await waitRecovered(pusher, name, 0);
    await publish(api, name, 1, 2);
    await barrier(api, name, [pusher]);
    assert.match(recovery.position(name), POSITION_RE);

    pusher.unsubscribe(name);
    assert.equal(recovery.position(name), null);
    const since = pusher.rec.mark();
    await subscribeOk(pusher, name);
    const again = await waitRecovered(pusher, name, since);
    assert.equal(again.replayed, 0, 'a new subscription replays nothing');
    const subscribes = sent.filter((s) => s.name === 'pusher:subscribe' && s.data.channel === name);
    assert.equal(subscribes.length, 2);
    assert.equal(subscribes[1].data.herald_recovery.position, undefined);

    // a channel without history: nothing to track
    const plain = uniqueName('plain-untracked');
    const sincePlain = pusher.rec.mark();
    await subscribeOk(pusher, plain);
    const none = await waitRecovered(pusher, plain, sincePlain);
    assert.deepEqual(none, { position: null, replayed: 0, gap: false, history: false });
    await barrier(api, plain, [pusher]);
    assert.equal(recovery.position(plain), null);
    assert.deepEqual(heraldFrames(pusher.rec.all((m) => m.channel === plain)).map((m) => m.event),
      ['pusher_internal:herald_recovered']);

    recovery.disable();
    assert.equal(Object.prototype.hasOwnProperty.call(pusher, 'send_event'), false, 'send_event is pusher-js\'s own again');
    const later = uniqueName('history-disabled');
    const sinceOff = pusher.rec.mark();
    await subscribeOk(pusher, later);
    await publish(api, later, 1, 1);
    await barrier(api, later, [pusher]);
    assert.deepEqual(heraldFrames(pusher.rec.all(() => true, sinceOff)), []);
    const last = sent.filter((s) => s.name === 'pusher:subscribe' && s.data.channel === later)[0];
    assert.equal(last.data.herald_recovery, undefined);
  });

  test('enabled after subscribing: said at once, and the resubscription is a gap (unknowable)', { timeout: 90000 }, async () => {
    const proxy = await proxyTo(server.port);
    const pusher = clientThrough(server, proxy);
    await waitConnected(pusher);
    const name = uniqueName('history-late');
    await subscribeOk(pusher, name);
    const warnings = [];
    const warn = console.warn;
    console.warn = (...args) => warnings.push(args.join(' '));
    const gaps = [];
    try {
      enableRecovery(pusher, { onGap: (channel, info) => gaps.push({ channel, info }) });
    } finally {
      console.warn = warn;
    }
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], new RegExp(`after subscribing to ${name}`));
    const since = pusher.rec.mark();
    cut(pusher, proxy);
    proxy.restore();
    await waitRecovered(pusher, name, since);
    assert.deepEqual(gaps.map((g) => [g.channel, g.info.reason]), [[name, 'untracked']]);
  });
});

describe('the gap signal', () => {
  const server = useServer(() => ({ HERALD_CONFIG: historyAppsFile(RULES) }));
  let api;
  before(() => { api = sdk(server); });

  async function trackedClient(prefix) {
    const proxy = await proxyTo(server.port);
    const pusher = clientThrough(server, proxy);
    const gaps = [];
    const recovery = enableRecovery(pusher, { onGap: (channel, info) => gaps.push({ channel, info }) });
    await waitConnected(pusher);
    const name = uniqueName(prefix);
    const got = new Received();
    (await subscribeOk(pusher, name)).bind('n', got.handler);
    await waitRecovered(pusher, name, 0);
    return { proxy, pusher, gaps, recovery, name, got };
  }

  test('no gap when exactly as many events were missed as the history keeps', { timeout: 90000 }, async () => {
    const { proxy, pusher, gaps, name, got } = await trackedClient('small-fits');
    await publish(api, name, 1, 3);
    await got.wait(3);
    cut(pusher, proxy);
    const since = pusher.rec.mark();
    await publish(api, name, 4, 13); // 10, the rule's size
    proxy.restore();
    const recovered = await waitRecovered(pusher, name, since);
    assert.equal(recovered.gap, false);
    assert.equal(recovered.replayed, 10);
    assert.deepEqual(got.values, range(1, 13));
    assert.deepEqual(gaps, []);
  });

  test('a gap when more were missed than the history keeps (size)', { timeout: 90000 }, async () => {
    const { proxy, pusher, gaps, name, got, recovery } = await trackedClient('small-overflow');
    await publish(api, name, 1, 3);
    await got.wait(3);
    cut(pusher, proxy);
    const since = pusher.rec.mark();
    await publish(api, name, 4, 14); // 11: the first of them is gone
    proxy.restore();
    const recovered = await waitRecovered(pusher, name, since);
    assert.equal(recovered.gap, true);
    assert.equal(recovered.reason, TRIMMED);
    // nothing is replayed across a gap: the app refetches instead
    assert.equal(recovered.replayed, 0);
    assert.deepEqual(got.values, [1, 2, 3]);
    assert.deepEqual(gaps, [{ channel: name, info: { reason: TRIMMED, position: recovered.position, replayed: 0 } }]);
    // the app refetched; live events go on, and the next reconnection is no gap
    assert.equal(recovery.position(name), recovered.position);
    const count = got.values.length;
    await publish(api, name, 15, 15);
    await got.wait(count + 1);
    const since2 = pusher.rec.mark();
    cut(pusher, proxy);
    await publish(api, name, 16, 17);
    proxy.restore();
    const again = await waitRecovered(pusher, name, since2);
    assert.equal(again.gap, false);
    assert.deepEqual(got.values.slice(-3), [15, 16, 17]);
    assert.equal(gaps.length, 1);
  });

  test('a gap when the missed events outlived the history (ttl)', { timeout: 90000 }, async () => {
    const { proxy, pusher, gaps, name, got } = await trackedClient('brief-expired');
    await publish(api, name, 1, 1);
    await got.wait(1);
    cut(pusher, proxy);
    const since = pusher.rec.mark();
    await publish(api, name, 2, 4);
    // time is the subject here: the rule keeps events 1 s
    await sleep(2500);
    proxy.restore();
    const recovered = await waitRecovered(pusher, name, since);
    assert.equal(recovered.gap, true, JSON.stringify(recovered));
    assert.equal(recovered.reason, TRIMMED);
    assert.deepEqual(gaps.map((g) => [g.channel, g.info.reason]), [[name, TRIMMED]]);
    assert.deepEqual(got.values, [1]);
  });

  test('a gap when the server restarted (another epoch), and none after', { timeout: 90000 }, async () => {
    const config = historyAppsFile(RULES);
    let herald = await startServer({ HERALD_CONFIG: config });
    try {
      const proxy = await proxyTo(herald.port);
      const pusher = clientThrough(herald, proxy);
      const gaps = [];
      const recovery = enableRecovery(pusher, { onGap: (channel, info) => gaps.push({ channel, info }) });
      await waitConnected(pusher);
      const name = uniqueName('history-restart');
      const got = new Received();
      (await subscribeOk(pusher, name)).bind('n', got.handler);
      await waitRecovered(pusher, name, 0);
      await publish(sdk(herald), name, 1, 3);
      await got.wait(3);
      const [before] = recovery.position(name).split(':');

      cut(pusher, proxy);
      await herald.stop();
      herald = await startServer({ HERALD_CONFIG: config });
      const since = pusher.rec.mark();
      await publish(sdk(herald), name, 4, 5);
      proxy.restore(herald.port);
      const recovered = await waitRecovered(pusher, name, since);
      assert.equal(recovered.gap, true, JSON.stringify(recovered));
      assert.equal(recovered.reason, RESET);
      assert.deepEqual(gaps.map((g) => [g.channel, g.info.reason]), [[name, RESET]]);
      assert.deepEqual(got.values, [1, 2, 3]);
      const [after] = recovery.position(name).split(':');
      assert.notEqual(after, before, 'a new epoch');

      const since2 = pusher.rec.mark();
      cut(pusher, proxy);
      await publish(sdk(herald), name, 6, 7);
      proxy.restore();
      const again = await waitRecovered(pusher, name, since2);
      assert.equal(again.gap, false);
      assert.deepEqual(got.values.slice(-2), [6, 7]);
      assert.equal(gaps.length, 1);
    } finally {
      await herald.stop();
    }
  });
});

describe('clients that did not ask', () => {
  const server = useServer(() => ({ HERALD_CONFIG: historyAppsFile(RULES) }));
  let api;
  before(() => { api = sdk(server); });

  test('stock pusher-js on a history channel gets what it gets on a channel without history, replays none', { timeout: 90000 }, async () => {
    const proxy = await proxyTo(server.port);
    const pusher = clientThrough(server, proxy);
    await waitConnected(pusher);
    const kept = uniqueName('history-stock');
    const plain = uniqueName('plain-stock');
    const got = { [kept]: new Received(), [plain]: new Received() };
    for (const name of [kept, plain]) (await subscribeOk(pusher, name)).bind('n', got[name].handler);
    const both = async (from, to) => {
      for (let i = from; i <= to; i += 1) await api.trigger([kept, plain], 'n', { i });
    };
    await both(1, 3);
    await barrier(api, kept, [pusher]);
    await barrier(api, plain, [pusher]);
    cut(pusher, proxy);
    await both(4, 6);
    const since = pusher.rec.mark();
    proxy.restore();
    await pusher.rec.waitFor((m) => m.event === 'pusher_internal:subscription_succeeded' && m.channel === kept,
      { since, timeout: RECONNECT_TIMEOUT_MS, what: 'resubscription' });
    await pusher.rec.waitFor((m) => m.event === 'pusher_internal:subscription_succeeded' && m.channel === plain,
      { since, what: 'resubscription' });
    await both(7, 7);
    await barrier(api, kept, [pusher]);
    await barrier(api, plain, [pusher]);

    assert.deepEqual(got[kept].values, [1, 2, 3, 7]);
    assert.deepEqual(got[plain].values, [1, 2, 3, 7]);
    const shape = (name) => pusher.rec.all((m) => m.channel === name)
      .map((m) => [m.event, m.event === 'test-marker' ? '' : JSON.stringify(m.data)]);
    assert.deepEqual(shape(kept), shape(plain));
    assert.deepEqual(heraldFrames(pusher.rec.messages), []);
  });

  test('raw WebSocket: no herald_ frame without herald_recovery; the same event bytes with it', async () => {
    const stock = new RawClient(server);
    const asking = new RawClient(server);
    const name = uniqueName('history-raw');
    assert.equal((await stock.subscribe(name)).event, 'pusher_internal:subscription_succeeded');
    assert.equal((await asking.subscribe(name, { herald_recovery: {} })).event, 'pusher_internal:subscription_succeeded');
    await asking.waitFor((m) => m.event === 'pusher_internal:herald_recovered', { what: 'herald_recovered' });
    await publish(api, name, 1, 3);
    await api.trigger(name, 'done', {});
    for (const c of [stock, asking]) await c.waitFor((m) => m.event === 'done', { what: 'done' });

    assert.deepEqual(stock.raw.filter((r) => r.text.includes('herald')), []);
    const events = (c) => c.raw.map((r) => r.text).filter((t) => /"event":"(n|done)"/.test(t));
    assert.equal(events(stock).length, 4);
    assert.deepEqual(events(asking), events(stock), 'the event frames themselves are the same bytes');
    const order = asking.messages.filter((m) => m.channel === name).map((m) => m.event);
    assert.deepEqual(order, [
      'pusher_internal:subscription_succeeded', 'pusher_internal:herald_recovered',
      'pusher_internal:herald_position', 'n', 'pusher_internal:herald_position', 'n',
      'pusher_internal:herald_position', 'n', 'pusher_internal:herald_position', 'done',
    ]);
    // data is JSON text, as every Pusher event's data
    for (const m of heraldFrames(asking.messages)) assert.equal(typeof m.data, 'string');
  });

  test('raw WebSocket: a malformed request is refused with 4300 and the subscription goes ahead without it', async () => {
    const bad = [
      ['not an object', 'yes'],
      ['a position that is not EPOCH:SERIAL', { position: 'nope' }],
      ['an epoch longer than 16', { position: `${'a'.repeat(17)}:1` }],
      ['11 socket ids', { socket_ids: range(1, 11).map((k) => `${k}.${k}`) }],
    ];
    for (const [what, request] of bad) {
      const raw = new RawClient(server);
      const name = uniqueName('history-bad');
      await raw.established();
      const since = raw.mark();
      raw.send({ event: 'pusher:subscribe', data: { channel: name, herald_recovery: request } });
      const error = await raw.waitFor((m) => m.event === 'pusher:error', { since, what: `4300 for ${what}` });
      assert.equal(error.data.code, 4300, `${what}: ${JSON.stringify(error)}`);
      assert.ok(error.data.message.length > 0);
      await raw.waitFor((m) => m.event === 'pusher_internal:subscription_succeeded' && m.channel === name,
        { since, what: `subscription after ${what}` });
      await api.trigger(name, 'n', { i: 1 });
      await raw.waitFor((m) => m.event === 'n' && m.channel === name, { since, what: `event after ${what}` });
      const frames = raw.messages.slice(since).filter((m) => m.event !== 'pusher:error');
      assert.deepEqual(heraldFrames(frames), [], what);
      raw.close();
    }
  });
});

describe('Laravel Echo 2', () => {
  const server = useServer(() => ({ HERALD_CONFIG: historyAppsFile(RULES) }));
  let api;
  let Echo;
  before(async () => {
    api = sdk(server);
    Echo = (await import('laravel-echo')).default;
  });

  async function outage(pusher, proxy, name, event, got, count) {
    const since = pusher.rec.mark();
    cut(pusher, proxy);
    for (let i = 1; i <= count / 2; i += 1) await api.trigger(name, event, { i });
    proxy.restore();
    for (let i = count / 2 + 1; i <= count; i += 1) await api.trigger(name, event, { i });
    await got.wait(count, RECONNECT_TIMEOUT_MS);
    await barrier(api, name, [pusher]);
    assert.deepEqual(got.values, range(1, count));
    const [recovered] = recoveredFrames(pusher, name, since);
    assert.equal(recovered.gap, false);
  }

  test('listen() on Echo\'s own pusher-js (connector.pusher) recovers an outage', { timeout: 90000 }, async () => {
    const proxy = await proxyTo(server.port);
    const echo = new Echo({
      broadcaster: 'pusher',
      key: server.app.key,
      cluster: 'mt1',
      wsHost: HOST,
      wsPort: proxy.port,
      forceTLS: false,
      enabledTransports: ['ws'],
      disableStats: true,
      Pusher: PusherJS,
    });
    echoes.add(echo);
    const { pusher } = echo.connector;
    pusher.rec = new Recorder(pusher);
    const gaps = [];
    enableRecovery(pusher, { onGap: (channel, info) => gaps.push({ channel, info }) });
    await waitConnected(pusher);

    const room = uniqueName('history-orders');
    const got = new Received();
    const subscribed = new Promise((resolve) => echo.channel(room).subscribed(resolve));
    echo.channel(room).listen('.OrderShipped', got.handler);
    await withTimeout(subscribed, DEFAULT_TIMEOUT_MS, `no subscription to ${room}`);
    await waitRecovered(pusher, room, 0);

    await outage(pusher, proxy, room, 'OrderShipped', got, 100);
    assert.deepEqual(gaps, []);
  });

  test('listen() on a private channel, Echo given a pusher-js client (options.client) with the add-on', { timeout: 90000 }, async () => {
    const proxy = await proxyTo(server.port);
    const pusher = clientThrough(server, proxy);
    const gaps = [];
    enableRecovery(pusher, { onGap: (channel, info) => gaps.push({ channel, info }) });
    const echo = new Echo({ broadcaster: 'pusher', client: pusher });
    echoes.add(echo);
    await waitConnected(pusher);

    const room = uniqueName('history-orders');
    const name = `private-${room}`;
    const got = new Received();
    const channel = echo.private(room);
    const subscribed = new Promise((resolve) => channel.subscribed(resolve));
    channel.listen('OrderShipped', got.handler);
    await withTimeout(subscribed, DEFAULT_TIMEOUT_MS, `no subscription to ${name}`);
    await waitRecovered(pusher, name, 0);

    await outage(pusher, proxy, name, 'App\\Events\\OrderShipped', got, 100);
    assert.deepEqual(gaps, []);
  });

  test('stock Echo, without the add-on, on a history channel gets what it gets on a channel without history', { timeout: 90000 }, async () => {
    const echo = new Echo({
      broadcaster: 'pusher',
      key: server.app.key,
      cluster: 'mt1',
      wsHost: HOST,
      wsPort: server.port,
      forceTLS: false,
      enabledTransports: ['ws'],
      disableStats: true,
      Pusher: PusherJS,
    });
    echoes.add(echo);
    const { pusher } = echo.connector;
    pusher.rec = new Recorder(pusher);
    await waitConnected(pusher);

    const kept = uniqueName('history-stock-echo');
    const plain = uniqueName('plain-stock-echo');
    const got = { [kept]: new Received(), [plain]: new Received() };
    for (const name of [kept, plain]) {
      const subscribed = new Promise((resolve) => echo.channel(name).subscribed(resolve));
      echo.channel(name).listen('.OrderShipped', got[name].handler);
      await withTimeout(subscribed, DEFAULT_TIMEOUT_MS, `no subscription to ${name}`);
    }
    for (let i = 1; i <= 5; i += 1) await api.trigger([kept, plain], 'OrderShipped', { i });
    await got[kept].wait(5);
    await got[plain].wait(5);
    await barrier(api, kept, [pusher]);
    await barrier(api, plain, [pusher]);

    assert.deepEqual(got[kept].values, range(1, 5));
    assert.deepEqual(got[plain].values, range(1, 5));
    const shape = (name) => pusher.rec.all((m) => m.channel === name)
      .map((m) => [m.event, m.event === 'test-marker' ? '' : JSON.stringify(m.data)]);
    assert.deepEqual(shape(kept), shape(plain));
    assert.deepEqual(heraldFrames(pusher.rec.messages), []);
  });
});

