'use strict';
// Hostile clients on the WebSocket side (issue 13). Findings 3 and 7 (event-name length, the
// per-connection message budget, id lengths, invalid UTF-8), and the attacks the review tried
// that Herald already withstood: malformed messages, a 10 MB frame (whole and fragmented), JSON
// nested 100,000 deep, 50,000 subscribes on one connection, 1 MB presence data, forged,
// other-socket and cross-app auth. After each attack: the server's RSS grew at most
// RSS_BOUND_MB (peak minus start) and an ordinary pusher-js client still connects, subscribes,
// receives an event triggered with the node SDK and disconnects.

const { describe, test, afterEach } = require('../helpers/testing');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { useServer } = require('../helpers/server');
const {
  sdk, connectClient, disconnectAll, subscribeOk, barrier, uniqueName, eventually,
} = require('../helpers/clients');
const {
  BIN_HERALD_JVM, OP, wsFrame, watchMemory, assertMemoryWithin, assertServes, RawSocket, channelAuth, userAuth,
  sleep,
} = require('../helpers/attacks');

afterEach(disconnectAll);

/** RSS growth allowed during one of these attacks (peak minus start). */
const RSS_BOUND_MB = 64;
/** Longest event name, as Pusher's. */
const MAX_EVENT_NAME = 200;
/** Longest user id, sign-in id and watchlist id (issue 13; the documented value may differ). */
const MAX_ID_LENGTH = Number(process.env.HOSTILE_MAX_ID_LENGTH || 200);
/** The message budget: 50 messages/s, burst 200; past it the connection is closed with 41xx. */
const BUDGET_BURST = 200;

const APPS = {
  a: { id: 'hostile-a', key: 'hostile-a-key', secret: 'hostile-a-secret' },
  b: { id: 'hostile-b', key: 'hostile-b-key', secret: 'hostile-b-secret' },
};
const configFile = path.join(os.tmpdir(), `herald-node-test-hostile-ws-${process.pid}.yaml`);
// app A is the default app (HERALD_APP_*), app B comes from the YAML file
fs.writeFileSync(configFile, `apps:\n  - id: ${APPS.b.id}\n    key: ${APPS.b.key}\n    secret: ${APPS.b.secret}\n`);
process.on('exit', () => fs.rmSync(configFile, { force: true }));

const server = useServer({
  HERALD_CONFIG: configFile, HERALD_APP_ID: APPS.a.id, HERALD_APP_KEY: APPS.a.key, HERALD_APP_SECRET: APPS.a.secret,
}, { jvmArgs: BIN_HERALD_JVM, killOnStop: true });

/** Runs an attack between a memory watch and the ordinary-client check. */
async function attack(fn) {
  const watch = watchMemory(server, RSS_BOUND_MB);
  let result;
  try {
    result = await fn(watch);
  } finally {
    watch.stop();
  }
  await assertServes(server);
  assertMemoryWithin(watch);
  return result;
}

const closedWith41xx = (s) => { const c = s.closeFrame(); return Boolean(c && c.code >= 4100 && c.code <= 4199); };

describe('already withstood', () => {
  test('1,000 malformed messages (10 connections x 100) each get pusher:error 4300; the connections stay usable', async () => {
    const bad = [
      '', 'not json', '{', '[]', '42', 'null', '"text"', '{"event":1}', '{"event":""}', '{"data":{}}',
      '{"event":"pusher:subscribe"}', '{"event":"pusher:subscribe","data":7}', '{"event":"pusher:subscribe","data":"{"}',
      '{"event":"pusher:signin","data":[]}', '{"event":"x","channel":5}', '{"event":"pusher:nope","data":{}}',
      '\u0000\u0001\u0002', '{"event":"pusher:subscribe","data":{"channel":"a"}', '{"event":"\ud800"}',
    ];
    await attack(async () => {
      await Promise.all(Array.from({ length: 10 }, async (_, c) => {
        const s = new RawSocket(server);
        await s.open();
        const since = s.mark();
        for (let i = 0; i < 100; i += 1) s.sendText(bad[(c * 100 + i) % bad.length]);
        await s.pingPong(10000);
        const errors = s.events(since).filter((e) => e.event === 'pusher:error');
        s.destroy();
        assert.equal(errors.length, 100, `connection ${c}: ${JSON.stringify(errors.slice(0, 3))}`);
        assert.ok(errors.every((e) => e.data.code >= 4300 && e.data.code <= 4399), JSON.stringify(errors.filter((e) => e.data.code > 4399)));
      }));
    });
  });

  for (const fragmented of [false, true]) {
    test(`a 10 MB text frame${fragmented ? ' in 160 fragments of 64 KB' : ''} is closed with 1009`, async () => {
      await attack(async () => {
        const s = new RawSocket(server);
        await s.open();
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        if (fragmented) {
          // paced, and stopped once the server answers: writing on after its close would make the
          // kernel reset the connection, discarding the close frame before it is read
          for (let i = 0; i < 160 && !s.closed && !s.closeFrame(); i += 1) {
            s.write(wsFrame(i === 0 ? OP.TEXT : OP.CONT, chunk, { fin: i === 159 }));
            await sleep(5);
          }
        } else {
          // the header announces 10 MB; the payload follows in paced 64 KB writes until the answer
          const whole = wsFrame(OP.TEXT, Buffer.alloc(10 * 1024 * 1024, 0x61));
          for (let off = 0; off < whole.length && !s.closed && !s.closeFrame(); off += chunk.length) {
            s.write(whole.subarray(off, off + chunk.length));
            await sleep(5);
          }
        }
        const close = await s.waitClosed(10000);
        s.destroy();
        assert.equal(close && close.code, 1009);
      });
    });
  }

  test('JSON nested 100,000 deep: as a message, as signed channel_data, and as an HTTP API body', async () => {
    const deep = `${'['.repeat(100000)}${']'.repeat(100000)}`;
    await attack(async () => {
      const s = new RawSocket(server);
      await s.open();
      let since = s.mark();
      s.sendText(`{"event":"pusher:subscribe","data":${deep}}`);
      await s.pingPong();
      assert.ok(s.events(since).some((e) => e.event === 'pusher:error' && e.data.code === 4300), 'nested message refused');

      since = s.mark();
      const channel = uniqueName('presence-deep');
      s.sendJson({ event: 'pusher:subscribe', data: { channel, auth: channelAuth(APPS.a, s.socketId, channel, deep), channel_data: deep } });
      await s.pingPong();
      const ev = s.events(since);
      assert.ok(ev.some((e) => e.event === 'pusher:subscription_error'), `signed deep channel_data refused: ${JSON.stringify(ev)}`);
      s.destroy();

      const api = sdk(server);
      const body = `{"name":"deep","channel":"deep","data":${JSON.stringify(deep)},"x":${deep}}`;
      const res = await api.post({ path: '/events', body: JSON.parse('{}') }).catch((e) => e); // warm the SDK
      void res;
      const { signedPath } = require('../helpers/attacks');
      const r = await fetch(`http://127.0.0.1:${server.port}${signedPath(server.app, 'POST', `/apps/${server.app.id}/events`, body)}`,
        { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      const text = await r.text();
      assert.equal(r.status, 400, text.slice(0, 300));
    });
  });

  test('50,000 subscribe attempts on one connection: at most 100 channels held, or closed by the message budget', { timeout: 60000 }, async () => {
    const prefix = uniqueName('flood');
    await attack(async () => {
      const s = new RawSocket(server);
      await s.open();
      const frames = [];
      for (let i = 0; i < 50000; i += 1) {
        frames.push(wsFrame(OP.TEXT, JSON.stringify({ event: 'pusher:subscribe', data: { channel: `${prefix}-${i}` } })));
      }
      const since = s.mark();
      s.write(Buffer.concat(frames));
      s.sendJson({ event: 'pusher:ping', data: {} });
      // answered to the end, or closed by the budget (a 41xx close); one wait, so that no
      // pending timer of the other outcome keeps the test file alive
      await s.waitUntil(() => s.closed || s.frames.slice(since).some((f) => f.json && f.json.event === 'pusher:pong'),
        { timeout: 30000, what: 'a pong or the close' });
      const held = s.events().filter((e) => e.event === 'pusher_internal:subscription_succeeded').length;
      s.destroy();
      assert.ok(held <= 100, `${held} subscriptions succeeded`);
      if (s.closed) assert.ok(closedWith41xx(s), `closed without a 41xx code: ${JSON.stringify(s.closeFrame())}`);
      const res = await sdk(server).get({ path: '/channels', params: { filter_by_prefix: prefix } });
      const channels = Object.keys((await res.json()).channels);
      assert.ok(channels.length <= 100, `${channels.length} channels occupied`);
    });
  });

  test('1 MB of presence data is closed with 1009; 200 KB signed user_info is refused with 4307', async () => {
    await attack(async () => {
      const s = new RawSocket(server);
      await s.open();
      const channel = uniqueName('presence-big');
      const small = JSON.stringify({ user_id: 'big', user_info: { pad: 'x'.repeat(200 * 1024) } });
      const since = s.mark();
      s.sendJson({ event: 'pusher:subscribe', data: { channel, auth: channelAuth(APPS.a, s.socketId, channel, small), channel_data: small } });
      await s.pingPong();
      assert.ok(s.events(since).some((e) => e.event === 'pusher:error' && e.data.code === 4307), JSON.stringify(s.events(since)).slice(0, 300));
      const big = JSON.stringify({ user_id: 'big', user_info: { pad: 'x'.repeat(1024 * 1024) } });
      s.sendJson({ event: 'pusher:subscribe', data: { channel, auth: channelAuth(APPS.a, s.socketId, channel, big), channel_data: big } });
      const close = await s.waitClosed(10000);
      s.destroy();
      assert.equal(close && close.code, 1009);
    });
  });

  test('forged, other-socket and cross-app auth: 50 of each refused with 4009, nothing joined', async () => {
    await attack(async () => {
      const victim = new RawSocket(server);
      await victim.open();
      const s = new RawSocket(server);
      await s.open();
      const other = new RawSocket(server, { key: APPS.b.key });
      await other.open();
      const since = s.mark();
      const channels = [];
      for (let i = 0; i < 50; i += 1) {
        const ch = uniqueName('private-forge');
        const pres = uniqueName('presence-forge');
        const data = JSON.stringify({ user_id: `u${i}` });
        channels.push(ch, pres);
        s.sendJson({ event: 'pusher:subscribe', data: { channel: ch, auth: `${APPS.a.key}:${'ab'.repeat(32)}` } });
        s.sendJson({ event: 'pusher:subscribe', data: { channel: ch, auth: channelAuth(APPS.a, victim.socketId, ch) } });
        s.sendJson({ event: 'pusher:subscribe', data: { channel: ch, auth: channelAuth(APPS.b, s.socketId, ch) } });
        s.sendJson({ event: 'pusher:subscribe', data: { channel: pres, auth: channelAuth(APPS.b, s.socketId, pres, data), channel_data: data } });
        // and the other way round: app A's signature on an app B connection
        other.sendJson({ event: 'pusher:subscribe', data: { channel: ch, auth: channelAuth(APPS.a, other.socketId, ch) } });
      }
      // sign-in with another socket's signature closes the connection with 4009
      const ud = JSON.stringify({ id: 'forger' });
      const signer = new RawSocket(server);
      await signer.open();
      signer.sendJson({ event: 'pusher:signin', data: { user_data: ud, auth: userAuth(APPS.a, victim.socketId, ud) } });
      const signinClose = await signer.waitClosed();
      await s.pingPong(10000);
      await other.pingPong(10000);
      const ev = s.events(since);
      const refusals = ev.filter((e) => e.event === 'pusher:error');
      assert.equal(ev.filter((e) => e.event === 'pusher_internal:subscription_succeeded').length, 0);
      assert.equal(refusals.length, 200);
      assert.ok(refusals.every((e) => e.data.code === 4009), JSON.stringify(refusals.find((e) => e.data.code !== 4009)));
      assert.equal(other.events().filter((e) => e.event === 'pusher_internal:subscription_succeeded').length, 0);
      assert.equal(signinClose && signinClose.code, 4009);
      for (const c of [victim, s, other, signer]) c.destroy();
      const res = await sdk(server).get({ path: '/channels', params: { filter_by_prefix: 'private-forge' } });
      assert.deepEqual(Object.keys((await res.json()).channels), []);
    });
  });
});

describe('finding 3: client-event names', () => {
  test(`a client event named over ${MAX_EVENT_NAME} characters is refused (43xx) and not relayed; ${MAX_EVENT_NAME} is relayed`, async () => {
    const channel = uniqueName('private-names');
    const receiver = await connectClient(server);
    await subscribeOk(receiver, channel);
    const s = new RawSocket(server);
    await s.open();
    s.sendJson({ event: 'pusher:subscribe', data: { channel, auth: channelAuth(server.app, s.socketId, channel) } });
    await s.waitFor((f) => f.json && f.json.event === 'pusher_internal:subscription_succeeded');
    const ok = `client-${'o'.repeat(MAX_EVENT_NAME - 7)}`;
    const long = `client-${'l'.repeat(MAX_EVENT_NAME - 6)}`;
    const huge = `client-${'h'.repeat(256 * 1024 - 100)}`;
    const since = s.mark();
    s.sendJson({ event: ok, channel, data: {} });
    await sleep(120); // the client-event rate (10/s) is not the subject here
    s.sendJson({ event: long, channel, data: {} });
    await sleep(120);
    s.sendJson({ event: huge, channel, data: {} });
    await s.pingPong();
    await barrier(sdk(server), channel, [receiver]);
    const errors = s.events(since).filter((e) => e.event === 'pusher:error');
    s.destroy();
    assert.ok(receiver.rec.all((m) => m.event === ok).length === 1, 'a 200-character name is relayed');
    assert.equal(receiver.rec.all((m) => m.event === long || m.event === huge).length, 0, 'longer names are not relayed');
    assert.equal(errors.length, 2, JSON.stringify(errors).slice(0, 500));
    assert.ok(errors.every((e) => e.data.code >= 4300 && e.data.code <= 4399), JSON.stringify(errors).slice(0, 500));
  });
});

describe('finding 7: message budget, id lengths, UTF-8', () => {
  test(`1,000 pusher:ping at once: closed with a 41xx code once past the burst of ${BUDGET_BURST}`, async () => {
    await attack(async () => {
      const s = new RawSocket(server);
      await s.open();
      for (let i = 0; i < 1000; i += 1) s.sendJson({ event: 'pusher:ping', data: {} });
      await s.waitClosed(5000);
      const pongs = s.events().filter((e) => e.event === 'pusher:pong').length;
      s.destroy();
      assert.ok(closedWith41xx(s), `close: ${JSON.stringify(s.closeFrame())}`);
      assert.ok(pongs < 1000, `${pongs} pongs`);
    });
  });

  test('1,000 unsubscribes of channels never joined: closed with 41xx (every message counts, not only client events)', async () => {
    await attack(async () => {
      const s = new RawSocket(server);
      await s.open();
      for (let i = 0; i < 1000; i += 1) s.sendJson({ event: 'pusher:unsubscribe', data: { channel: `never-${i}` } });
      await s.waitClosed(5000);
      s.destroy();
      assert.ok(closedWith41xx(s), `close: ${JSON.stringify(s.closeFrame())}`);
    });
  });

  test('pusher-js re-subscribing 100 channels at once after a reconnect is within the budget', async () => {
    const p = await connectClient(server);
    const names = Array.from({ length: 100 }, () => uniqueName('resub'));
    await Promise.all(names.map((n) => subscribeOk(p, n, 10000)));
    p.disconnect();
    await p.rec.waitUntil(() => p.connection.state === 'disconnected');
    const since = p.rec.mark();
    p.connect();
    await p.rec.waitUntil(() => p.rec.all((m) => m.event === 'pusher_internal:subscription_succeeded', since).length === 100,
      { timeout: 10000, what: '100 re-subscriptions' });
    assert.equal(p.connection.state, 'connected');
    await barrier(sdk(server), names[99], [p]);
    await sleep(500);
    assert.equal(p.connection.state, 'connected');
  });

  describe(`ids longer than ${MAX_ID_LENGTH} characters are refused`, () => {
    test('presence user_id', async () => {
      const channel = uniqueName('presence-longid');
      const s = new RawSocket(server);
      await s.open();
      const since = s.mark();
      for (const len of [MAX_ID_LENGTH, MAX_ID_LENGTH + 1, 100000]) {
        const data = JSON.stringify({ user_id: 'u'.repeat(len) });
        const ch = `${channel}-${len}`;
        s.sendJson({ event: 'pusher:subscribe', data: { channel: ch, auth: channelAuth(server.app, s.socketId, ch, data), channel_data: data } });
      }
      await s.pingPong();
      const ev = s.events(since);
      s.destroy();
      assert.ok(ev.some((e) => e.event === 'pusher_internal:subscription_succeeded' && e.channel === `${channel}-${MAX_ID_LENGTH}`),
        `an id of ${MAX_ID_LENGTH} is accepted`);
      for (const len of [MAX_ID_LENGTH + 1, 100000]) {
        assert.ok(ev.some((e) => e.event === 'pusher:subscription_error' && e.channel === `${channel}-${len}`),
          `a user_id of ${len} characters is refused: ${JSON.stringify(ev.map((e) => [e.event, e.channel]))}`);
      }
    });

    for (const [what, userData] of [
      ['sign-in id', (len) => ({ id: 'i'.repeat(len) })],
      ['watchlist id', (len) => ({ id: 'watcher', watchlist: ['w'.repeat(len)] })],
    ]) {
      test(what, async () => {
        const results = {};
        for (const len of [MAX_ID_LENGTH, MAX_ID_LENGTH + 1, 100000]) {
          const s = new RawSocket(server);
          await s.open();
          const ud = JSON.stringify(userData(len));
          s.sendJson({ event: 'pusher:signin', data: { user_data: ud, auth: userAuth(server.app, s.socketId, ud) } });
          const reply = await s.waitFor((f) => f.json && (f.json.event === 'pusher:signin_success' || f.json.event === 'pusher:error'));
          results[len] = reply.json.event === 'pusher:signin_success' ? 'accepted' : `refused ${reply.json.data.code}`;
          s.destroy();
        }
        assert.equal(results[MAX_ID_LENGTH], 'accepted', JSON.stringify(results));
        assert.match(results[MAX_ID_LENGTH + 1], /^refused/, JSON.stringify(results));
        assert.match(results[100000], /^refused/, JSON.stringify(results));
      });
    }
  });

  test('a text frame with invalid UTF-8 is closed with 1007', async () => {
    const s = new RawSocket(server);
    await s.open();
    s.write(wsFrame(OP.TEXT, Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0xff, 0xfe, 0x22, 0x7d])));
    const close = await s.waitClosed(5000).catch(() => null);
    s.destroy();
    assert.equal(close && close.code, 1007, `close: ${JSON.stringify(close)}; frames: ${JSON.stringify(s.events())}`);
  });

  test('close reasons are valid UTF-8 of at most 123 bytes, never cut mid-character', async () => {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const reasons = [];
    for (let pad = 0; pad < 3; pad += 1) {
      // a refused sign-in is closed with 4009 and a reason that quotes the signed string
      const s = new RawSocket(server);
      await s.open();
      const ud = `{"id":"${'a'.repeat(pad)}${'\u20ac'.repeat(60)}"}`;
      s.sendJson({ event: 'pusher:signin', data: { user_data: ud, auth: `${server.app.key}:${'0'.repeat(64)}` } });
      const close = await s.waitClosed();
      s.destroy();
      assert.ok(close, 'closed with a close frame');
      reasons.push(close.reasonBytes);
    }
    for (const r of reasons) {
      assert.ok(r.length <= 123, `${r.length} bytes`);
      assert.doesNotThrow(() => decoder.decode(r), `invalid UTF-8 close reason: ${r.toString('hex')}`);
    }
  });
});

describe('server still healthy at the end', () => {
  test('an ordinary client is served', async () => {
    await eventually(() => assertServes(server), { timeout: 10000 });
  });
});
