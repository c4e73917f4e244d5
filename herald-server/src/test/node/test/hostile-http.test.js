'use strict';
// Hostile clients on the HTTP side (issue 13). Finding 2 (refused handshakes must give back their
// connection-cap slot), finding 4 (timeouts; refused 4xx close the connection), and the attacks
// the review tried that Herald already withstood: a 1 MB header, a chunked 100 MB body, a trigger
// to 1,000 channels, and request smuggling (Content-Length with Transfer-Encoding, obfuscated
// Transfer-Encoding, duplicate Content-Length, bare LF line ends). After each attack the server's
// RSS grew at most RSS_BOUND_MB and an ordinary pusher-js client is still served.

const { describe, test, afterEach } = require('../helpers/testing');
const assert = require('node:assert/strict');
const { useServer } = require('../helpers/server');
const { disconnectAll } = require('../helpers/clients');
const {
  BIN_HERALD_JVM, RawHttp, signedPath, watchMemory, assertMemoryWithin, assertServes, sleep,
} = require('../helpers/attacks');

afterEach(disconnectAll);

const RSS_BOUND_MB = 64;
const MAX_CONNECTIONS = 50;
/**
 * The idle keep-alive timeout is a setting whose name and default are not decided yet: this
 * sets it by the env var HOSTILE_HTTP_IDLE_TIMEOUT_ENV names (default HERALD_HTTP_IDLE_TIMEOUT)
 * to IDLE_SECONDS, and expects idle keep-alive connections closed within IDLE_SECONDS + 3.
 */
const IDLE_ENV = process.env.HOSTILE_HTTP_IDLE_TIMEOUT_ENV || 'HERALD_HTTP_IDLE_TIMEOUT';
const IDLE_SECONDS = Number(process.env.HOSTILE_HTTP_IDLE_SECONDS || 5);
/** "Within a few seconds": unfinished request headers or handshakes are closed by then. */
const HEADER_DEADLINE_MS = 12000;

const server = useServer({ [IDLE_ENV]: IDLE_SECONDS }, { jvmArgs: BIN_HERALD_JVM, killOnStop: true });

async function attack(fn) {
  const watch = watchMemory(server, RSS_BOUND_MB);
  let result;
  try {
    result = await fn();
  } finally {
    watch.stop();
  }
  await assertServes(server);
  assertMemoryWithin(watch);
  return result;
}

const host = () => `127.0.0.1:${server.port}`;
const wsPath = () => `/app/${server.app.key}?protocol=7&client=js&version=8.6.0`;

describe(`finding 2: refused handshakes, ${MAX_CONNECTIONS}-connection cap`, () => {
  const REFUSED = {
    'unsupported Sec-WebSocket-Version': () => `GET ${wsPath()} HTTP/1.1\r\nHost: ${host()}\r\nUpgrade: websocket\r\n` +
      'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 99\r\n\r\n',
    'missing Sec-WebSocket-Key': () => `GET ${wsPath()} HTTP/1.1\r\nHost: ${host()}\r\nUpgrade: websocket\r\n` +
      'Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n',
    'missing Connection: Upgrade': () => `GET ${wsPath()} HTTP/1.1\r\nHost: ${host()}\r\nUpgrade: websocket\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  };
  for (const [what, request] of Object.entries(REFUSED)) {
    // a server of its own for each kind: a leaked slot must not be blamed on the next kind
    describe(what, () => {
    const capped = useServer({ HERALD_MAX_CONNECTIONS: MAX_CONNECTIONS }, { jvmArgs: BIN_HERALD_JVM, killOnStop: true });
    test(`70 handshakes with ${what} (over keep-alive where the server allows) never lock out a normal client`, async () => {
      let conn = new RawHttp(capped);
      let answers = 0;
      for (let i = 0; i < 70; i += 1) {
        if (conn.closed || conn.error) conn = new RawHttp(capped);
        await conn.connected;
        const n = conn.responses.length;
        conn.write(request());
        await conn.waitUntil(() => conn.responses.length > n || conn.closed, { timeout: 3000, what: `answer ${i}` });
        if (conn.responses.length > n) {
          answers += 1;
          const r = conn.responses[n];
          assert.ok(r.status >= 400 && r.status < 500, `refused with a 4xx, got ${r.statusLine}`);
        }
      }
      conn.destroy();
      // all 70 got a refusal or a close; the node's cap must be untouched
      await assertServes(capped);
      void answers;
    });
    });
  }
});

describe('finding 4: refused requests close, unfinished and idle connections time out', () => {
  const REFUSALS = {
    '400 (a header line without a colon)': () => `GET /health HTTP/1.1\r\nHost: ${host()}\r\nNo colon here\r\n\r\n`,
    '413 (Content-Length past the body limit)': () => `POST /apps/${server.app.id}/events HTTP/1.1\r\nHost: ${host()}\r\n` +
      'Content-Type: application/json\r\nContent-Length: 5000000\r\n\r\n{"name":',
    '431 (a 64 KB header)': () => `GET /health HTTP/1.1\r\nHost: ${host()}\r\nX-Big: ${'b'.repeat(64 * 1024)}\r\n\r\n`,
  };
  for (const [what, request] of Object.entries(REFUSALS)) {
    test(`${what}: answered with a 4xx and the connection closed`, async () => {
      const conn = new RawHttp(server);
      await conn.connected;
      conn.write(request());
      const r = await conn.response(0);
      const closed = await conn.closesWithin(2000);
      conn.destroy();
      assert.ok(r.status >= 400 && r.status < 500, r.statusLine);
      assert.ok(closed, `connection still open 2 s after ${r.statusLine} ${r.body.slice(0, 200)}`);
    });
  }

  test('401, 403 and 404 API answers keep the keep-alive connection', async () => {
    const conn = new RawHttp(server);
    await conn.connected;
    const id = server.app.id;
    const requests = [
      `GET /apps/${id}/channels HTTP/1.1\r\nHost: ${host()}\r\n\r\n`,
      `GET ${signedPath({ key: 'not-a-key', secret: 'x' }, 'GET', `/apps/${id}/channels`)} HTTP/1.1\r\nHost: ${host()}\r\n\r\n`,
      `GET /nothing-here HTTP/1.1\r\nHost: ${host()}\r\n\r\n`,
      `GET /health HTTP/1.1\r\nHost: ${host()}\r\n\r\n`,
    ];
    for (let i = 0; i < requests.length; i += 1) {
      conn.write(requests[i]);
      await conn.response(i);
    }
    const statuses = conn.responses.map((r) => r.status);
    assert.ok(!conn.closed, `closed after ${statuses}`);
    conn.destroy();
    assert.ok([401, 403].includes(statuses[0]) && [401, 403].includes(statuses[1]), String(statuses));
    assert.equal(statuses[2], 404);
    assert.equal(statuses[3], 200);
  });

  test(`unfinished headers and 200 half-open handshakes closed within ${HEADER_DEADLINE_MS / 1000} s; ` +
    `an idle keep-alive connection within ${IDLE_SECONDS + 3} s`, { timeout: 40000 }, async () => {
    const started = Date.now();
    const headers = new RawHttp(server);
    await headers.connected;
    headers.write(`GET /health HTTP/1.1\r\nHost: ${host()}\r\n`);
    const halfOpen = [];
    for (let i = 0; i < 200; i += 1) {
      const c = new RawHttp(server);
      halfOpen.push(c);
      c.connected.then(() => c.write(`GET ${wsPath()} HTTP/1.1\r\nHost: ${host()}\r\nUpgrade: websocket\r\n`));
    }
    await Promise.all(halfOpen.map((c) => c.connected));
    const idle = new RawHttp(server);
    await idle.connected;
    idle.write(`GET /health HTTP/1.1\r\nHost: ${host()}\r\n\r\n`);
    await idle.response(0);
    const idleFrom = Date.now();
    const [headersClosed, idleClosed, ...halfClosed] = await Promise.all([
      headers.closesWithin(HEADER_DEADLINE_MS - (Date.now() - started)),
      idle.closesWithin((IDLE_SECONDS + 3) * 1000),
      ...halfOpen.map((c) => c.closesWithin(HEADER_DEADLINE_MS - (Date.now() - started))),
    ]);
    const stillOpen = halfClosed.filter((c) => !c).length;
    for (const c of [headers, idle, ...halfOpen]) c.destroy();
    assert.ok(headersClosed, 'a connection with unfinished headers is still open');
    assert.equal(stillOpen, 0, `${stillOpen} of 200 half-open handshakes still open`);
    assert.ok(idleClosed, `an idle keep-alive connection is still open ${((Date.now() - idleFrom) / 1000).toFixed(1)} s ` +
      `after its answer (${IDLE_ENV}=${IDLE_SECONDS})`);
    await assertServes(server);
  });
});

describe('already withstood', () => {
  test('a 1 MB header: refused with a 4xx or closed', async () => {
    await attack(async () => {
      const conn = new RawHttp(server);
      await conn.connected;
      conn.write(`GET /health HTTP/1.1\r\nHost: ${host()}\r\nX-Big: `);
      const chunk = 'h'.repeat(64 * 1024);
      for (let i = 0; i < 16 && !conn.closed && conn.responses.length === 0; i += 1) {
        conn.write(chunk);
        await sleep(5);
      }
      conn.write('\r\n\r\n');
      await conn.waitUntil(() => conn.responses.length > 0 || conn.closed, { what: 'refusal' });
      conn.destroy();
      if (conn.responses.length) assert.ok(conn.responses[0].status >= 400 && conn.responses[0].status < 500, conn.responses[0].statusLine);
    });
  });

  test('a chunked 100 MB body: 413 long before the body ends (within its first 32 MB, kernel buffers included)', { timeout: 40000 }, async () => {
    await attack(async () => {
      const conn = new RawHttp(server);
      await conn.connected;
      const path = signedPath(server.app, 'POST', `/apps/${server.app.id}/events`);
      conn.write(`POST ${path} HTTP/1.1\r\nHost: ${host()}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
      const size = 64 * 1024;
      const chunk = Buffer.concat([Buffer.from(`${size.toString(16)}\r\n`), Buffer.alloc(size, 0x20), Buffer.from('\r\n')]);
      let sent = 0;
      let sentAtAnswer = null;
      const deadline = Date.now() + 20000;
      while (sent < 100 * 1024 * 1024 && !conn.closed && Date.now() < deadline) {
        if (conn.responses.length && sentAtAnswer === null) sentAtAnswer = sent;
        if (!conn.write(chunk)) await new Promise((r) => { const t = setTimeout(r, 20); conn.socket.once('drain', () => { clearTimeout(t); r(); }); });
        sent += size;
      }
      if (!conn.closed) conn.write('0\r\n\r\n');
      await conn.waitUntil(() => conn.responses.length > 0 || conn.closed, { what: '413' });
      if (sentAtAnswer === null && conn.responses.length) sentAtAnswer = sent;
      conn.destroy();
      assert.equal(conn.responses.length && conn.responses[0].status, 413, JSON.stringify(conn.responses.map((r) => r.statusLine)));
      assert.ok(sentAtAnswer <= 32 * 1024 * 1024, `413 came after ${sentAtAnswer} bytes`);
    });
  });

  test('a trigger to 1,000 channels is refused with 400', async () => {
    await attack(async () => {
      const body = JSON.stringify({ name: 'many', data: '{}', channels: Array.from({ length: 1000 }, (_, i) => `many-${i}`) });
      const res = await fetch(`http://${host()}${signedPath(server.app, 'POST', `/apps/${server.app.id}/events`, body)}`,
        { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      const text = await res.text();
      assert.equal(res.status, 400, text);
    });
  });

  describe('request smuggling: a request hidden in a body is never answered', () => {
    /** A chunked body whose single chunk holds a whole second request to /smuggled-<tag>. */
    const hidden = (tag) => {
      const inner = `GET /smuggled-${tag} HTTP/1.1\r\nHost: h\r\n\r\n`;
      return `${Buffer.byteLength(inner).toString(16)}\r\n${inner}\r\n0\r\n\r\n`;
    };
    const CASES = {
      'Content-Length with Transfer-Encoding: chunked': () => `POST /health HTTP/1.1\r\nHost: ${host()}\r\n` +
        `Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n${hidden('clte')}`,
      'Transfer-Encoding: xchunked with Content-Length': () => `POST /health HTTP/1.1\r\nHost: ${host()}\r\n` +
        `Transfer-Encoding: xchunked\r\nContent-Length: 4\r\n\r\n${hidden('x')}`,
      'Transfer-Encoding with a space before the colon': () => `POST /health HTTP/1.1\r\nHost: ${host()}\r\n` +
        `Transfer-Encoding : chunked\r\nContent-Length: 4\r\n\r\n${hidden('space')}`,
      'Transfer-Encoding: chunked then identity': () => `POST /health HTTP/1.1\r\nHost: ${host()}\r\n` +
        `Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\nContent-Length: 4\r\n\r\n${hidden('twice')}`,
      'duplicate Content-Length': () => {
        const inner = `GET /smuggled-dup HTTP/1.1\r\nHost: h\r\n\r\n`;
        return `POST /health HTTP/1.1\r\nHost: ${host()}\r\nContent-Length: 0\r\nContent-Length: ${inner.length}\r\n\r\n${inner}`;
      },
      'bare LF hiding Transfer-Encoding in a header value': () => {
        const rest = `0\r\n\r\nGET /smuggled-lf HTTP/1.1\r\nHost: h\r\n\r\n`;
        return `POST /health HTTP/1.1\r\nHost: ${host()}\r\nX-Note: a\nTransfer-Encoding: chunked\r\n` +
          `Content-Length: ${rest.length}\r\n\r\n${rest}`;
      },
    };
    for (const [what, request] of Object.entries(CASES)) {
      test(what, async () => {
        await attack(async () => {
          const conn = new RawHttp(server);
          await conn.connected;
          conn.write(request());
          await conn.waitUntil(() => conn.responses.length > 0 || conn.closed, { what: 'an answer' });
          // a smuggled request would be answered right after the first one
          await sleep(500);
          conn.destroy();
          const shown = JSON.stringify(conn.responses.map((r) => [r.status, r.body.slice(0, 120)]));
          assert.ok(!conn.responses.some((r) => r.body.includes('smuggled')), `a hidden request was answered: ${shown}`);
        });
      });
    }

    test('bare LF line ends throughout: answered (200) or refused (400), never hangs', async () => {
      const conn = new RawHttp(server);
      await conn.connected;
      conn.write(`GET /health HTTP/1.1\nHost: ${host()}\n\n`);
      await conn.waitUntil(() => conn.responses.length > 0 || conn.closed, { what: 'an answer' });
      conn.destroy();
      if (conn.responses.length) assert.ok([200, 400].includes(conn.responses[0].status), conn.responses[0].statusLine);
    });
  });
});
