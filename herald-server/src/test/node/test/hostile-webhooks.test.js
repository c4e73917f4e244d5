'use strict';
// Hostile clients, finding 5 of issue 13: an unauthenticated client subscribing to and
// unsubscribing from cache-* channels in a loop makes webhook events (channel_occupied,
// cache_miss, channel_vacated) as fast as it can send. Expected: the loop is cut by the
// per-connection message budget (closed with 41xx within LOOP_MS), the server's RSS grows at most
// RSS_BOUND_MB, and another app's channel_occupied webhook still arrives promptly.

const { describe, test, afterEach } = require('../helpers/testing');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { connectClient, disconnectAll, subscribeOk, uniqueName } = require('../helpers/clients');
const { WebhookReceiver, useWebhookServer, hook } = require('../helpers/webhooks');
const {
  BIN_HERALD_JVM, OP, wsFrame, watchMemory, assertMemoryWithin, assertServes, RawSocket,
} = require('../helpers/attacks');

afterEach(disconnectAll);

const RSS_BOUND_MB = 64;
const LOOP_MS = 10000;

const A = { id: 'loop-a', key: 'loop-a-key', secret: 'loop-a-secret' };
const B = { id: 'loop-b', key: 'loop-b-key', secret: 'loop-b-secret' };
const receiverA = new WebhookReceiver(A);
const receiverB = new WebhookReceiver(B);
const configFile = path.join(os.tmpdir(), `herald-node-test-hostile-webhooks-${process.pid}.yaml`);
process.on('exit', () => fs.rmSync(configFile, { force: true }));

describe('two apps with webhook receivers', () => {
const server = useWebhookServer([receiverA, receiverB], () => {
  fs.writeFileSync(configFile, `apps:\n  - id: ${B.id}\n    key: ${B.key}\n    secret: ${B.secret}\n` +
    `    webhooks:\n      - url: ${receiverB.url}\n`);
  return {
    HERALD_APP_ID: A.id, HERALD_APP_KEY: A.key, HERALD_APP_SECRET: A.secret,
    HERALD_APP_WEBHOOK_URL: receiverA.url, HERALD_CONFIG: configFile,
  };
}, { jvmArgs: BIN_HERALD_JVM, killOnStop: true });

test(`a cache-* subscribe/unsubscribe loop is cut by the message budget; another app's webhooks still arrive`,
  { timeout: 60000 }, async () => {
    const watch = watchMemory(server, RSS_BOUND_MB);
    const s = new RawSocket(server);
    await s.open();
    const started = Date.now();
    let pairs = 0;
    let stoppedForMemory = false;
    while (Date.now() - started < LOOP_MS && !s.closed && !s.error) {
      if (watch.exceeded()) { stoppedForMemory = true; break; }
      const batch = [];
      for (let i = 0; i < 100; i += 1, pairs += 1) {
        const channel = `cache-loop-${pairs % 50}`;
        batch.push(wsFrame(OP.TEXT, JSON.stringify({ event: 'pusher:subscribe', data: { channel } })));
        batch.push(wsFrame(OP.TEXT, JSON.stringify({ event: 'pusher:unsubscribe', data: { channel } })));
      }
      if (!s.write(Buffer.concat(batch))) {
        await new Promise((r) => { const t = setTimeout(r, 20); s.socket.once('drain', () => { clearTimeout(t); r(); }); });
      } else {
        await new Promise(setImmediate);
      }
    }
    const loopMs = Date.now() - started;
    const close = s.closeFrame();
    const closedByBudget = s.closed && close && close.code >= 4100 && close.code <= 4199;
    s.destroy();

    // app B: an ordinary client's channel_occupied webhook must not wait behind app A's junk
    const b = await connectClient(server, { key: B.key });
    const channel = uniqueName('b-room');
    await subscribeOk(b, channel);
    const arrived = await receiverB.waitForEvent(hook('channel_occupied', channel), { timeout: 5000 }).then(() => true, () => false);
    b.disconnect();
    watch.stop();
    await assertServes(server);
    const summary = `${pairs} pairs in ${loopMs} ms; close ${JSON.stringify(close && close.code)}; ` +
      `app A webhook requests ${receiverA.requests.length}; ${watch.describe()}`;
    assert.ok(!stoppedForMemory, `loop stopped early: memory past the bound. ${summary}`);
    assert.ok(closedByBudget, `the loop was not cut with a 41xx close. ${summary}`);
    assert.ok(arrived, `app B's channel_occupied did not arrive within 5 s. ${summary}`);
    assertMemoryWithin(watch, 'cache subscribe loop');
  });
});
