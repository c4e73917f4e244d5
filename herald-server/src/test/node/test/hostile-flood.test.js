'use strict';
// Hostile clients, finding 1 of issue 13: a client that never reads must not grow the server's
// memory. It floods pusher:ping, WebSocket pings, or failing presence subscribes for up to 15 s
// without reading a byte. Expected: it is disconnected (slow consumer or message budget, both
// 4100) within those 15 s; an ordinary pusher-js client keeps receiving events triggered with
// the node SDK throughout; the server's RSS stays within FLOOD_RSS_BOUND_MB of where it started;
// and afterwards the node still serves. Once with bin/herald's JVM settings, once with -Xmx256m.
// Also: answers to refused input never amplify it (at most ANSWER_MAX_BYTES per refusal).

const { describe, test, afterEach } = require('../helpers/testing');
const assert = require('node:assert/strict');
const { useServer } = require('../helpers/server');
const { disconnectAll, uniqueName } = require('../helpers/clients');
const {
  BIN_HERALD_JVM, OP, wsFrame, watchMemory, assertMemoryWithin, servedThroughout, floodWithoutReading,
  assertServes, RawSocket,
} = require('../helpers/attacks');

afterEach(disconnectAll);

/** "A few tens of MB": the RSS growth allowed while one client floods (peak minus start). */
const FLOOD_RSS_BOUND_MB = 64;
const FLOOD_MS = 15000;
/** The longest an ordinary client may go without an event (sent every 250 ms) during a flood. */
const MAX_GAP_MS = 3000;
/** The largest total answer to one refused message, whatever its size. */
const ANSWER_MAX_BYTES = 2048;
/** Error messages quote client input up to this many characters. */
const QUOTE_MAX_CHARS = 200;

const presenceData = JSON.stringify({ user_id: 'flooder', user_info: { pad: 'x'.repeat(160 * 1024) } });
const FLOODS = {
  'pusher:ping': wsFrame(OP.TEXT, JSON.stringify({ event: 'pusher:ping', data: {} })),
  'WebSocket pings (125 bytes)': wsFrame(OP.PING, Buffer.alloc(125, 0x61)),
  'failing presence subscribes (bad auth, 160 KB channel_data)': wsFrame(OP.TEXT, JSON.stringify({
    event: 'pusher:subscribe',
    data: { channel: 'presence-flood', auth: `app-key:${'0'.repeat(64)}`, channel_data: presenceData },
  })),
};

function floodTests(server) {
  for (const [name, frame] of Object.entries(FLOODS)) {
    test(`never reads, floods ${name}: disconnected within 15 s, others served, RSS within +${FLOOD_RSS_BOUND_MB} MB`,
      { timeout: 60000 }, async () => {
        const watch = watchMemory(server, FLOOD_RSS_BOUND_MB);
        const run = await servedThroughout(server,
          () => floodWithoutReading(server, frame, { durationMs: FLOOD_MS, watch }));
        const flood = run.result;
        const summary = `${JSON.stringify({ flood, ordinary: { received: run.received, triggered: run.sent, maxGapMs: run.maxGapMs } })}; ` +
          watch.describe();
        assert.ok(!flood.stoppedForMemory, `flood stopped early: memory past the bound. ${summary}`);
        assert.ok(flood.disconnected, `the flooder was still connected after ${FLOOD_MS} ms. ${summary}`);
        if (flood.closeCode !== null) {
          assert.ok(flood.closeCode >= 4100 && flood.closeCode <= 4199, `close code ${flood.closeCode}: ${summary}`);
        }
        assert.ok(run.maxGapMs <= MAX_GAP_MS, `the ordinary client went ${run.maxGapMs} ms without an event. ${summary}`);
        assert.equal(run.failedTriggers, 0, `triggers failed during the flood. ${summary}`);
        assert.ok(run.received >= run.sent, `ordinary client got ${run.received} of ${run.sent} events. ${summary}`);
        await assertServes(server);
        assertMemoryWithin(watch, `${name} flood`);
      });
  }
}

describe('bin/herald JVM settings (-XX:+UseSerialGC -Xmn16m)', () => {
  const server = useServer({}, { jvmArgs: BIN_HERALD_JVM, killOnStop: true });
  floodTests(server);

  describe('answers never amplify (reading client)', () => {
    const big = 'q'.repeat(160 * 1024);
    const cases = {
      'presence subscribe, bad auth, 160 KB channel_data': (s) => ({
        event: 'pusher:subscribe',
        data: { channel: uniqueName('presence-amp'), auth: `app-key:${'0'.repeat(64)}`, channel_data: JSON.stringify({ user_id: big }) },
      }),
      'private subscribe with a 160 KB auth': (s) => ({
        event: 'pusher:subscribe', data: { channel: uniqueName('private-amp'), auth: `app-key:${big}` },
      }),
      'subscribe to a 160 KB channel name': () => ({ event: 'pusher:subscribe', data: { channel: `amp-${big}` } }),
      'an unknown event with a 160 KB name': () => ({ event: `unknown-${big}`, data: {} }),
      'a client event with a 160 KB name and no channel': () => ({ event: `client-${big}`, data: {} }),
    };
    for (const [what, message] of Object.entries(cases)) {
      test(`${what}: one answer of at most ${ANSWER_MAX_BYTES} bytes, quoting at most ${QUOTE_MAX_CHARS} chars`, async () => {
        const s = new RawSocket(server);
        await s.open();
        const since = s.mark();
        const msg = message(s);
        s.sendJson(msg);
        await s.pingPong();
        const answers = s.frames.slice(since).filter((f) => !(f.json && f.json.event === 'pusher:pong'));
        const bytes = answers.reduce((n, f) => n + f.payload.length, 0);
        const shown = JSON.stringify(answers.map((f) => (f.text || '').slice(0, 300)));
        s.destroy();
        assert.ok(answers.some((f) => f.json && f.json.event === 'pusher:error'), `no pusher:error: ${shown}`);
        if (msg.event === 'pusher:subscribe') {
          assert.ok(answers.some((f) => f.json && f.json.event === 'pusher:subscription_error'),
            `a refused subscription gets pusher:subscription_error too: ${shown}`);
        }
        assert.ok(bytes <= ANSWER_MAX_BYTES, `answer of ${bytes} bytes to a ${JSON.stringify(msg).length}-byte message: ${shown}`);
        for (const f of answers) {
          const text = f.json && f.json.data && (typeof f.json.data === 'string' ? f.json.data : JSON.stringify(f.json.data));
          // the longest run of one repeated input character shows how much input was quoted
          const run = Math.max(0, ...((text || '').match(/(q)\1*/g) || []).map((r) => r.length));
          assert.ok(run <= QUOTE_MAX_CHARS, `an answer quotes ${run} characters of input: ${shown}`);
        }
      });
    }
  });
});

describe('-Xmx256m: the node keeps serving', () => {
  const server = useServer({}, { jvmArgs: [...BIN_HERALD_JVM, '-Xmx256m'], killOnStop: true });
  floodTests(server);
});
