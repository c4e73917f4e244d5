'use strict';
// Shared pieces of the hostile-client tests (issue 13): the server's resident memory, a check
// that an ordinary pusher-js client is still served, and raw clients that send what no SDK would
// (a WebSocket client over node:net that can stop reading, fragment, send invalid UTF-8; a raw
// HTTP client that can send anything and sees exactly what comes back). All traffic is loopback.

const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const { HOST } = require('./server');
const {
  sdk, connectClient, subscribeOk, uniqueName, withTimeout,
} = require('./clients');
const { waitForProbe } = require('./waiting');

/** The JVM settings bin/herald starts the server with (a user's `herald`). */
const BIN_HERALD_JVM = Object.freeze(['-XX:+UseSerialGC', '-Xmn16m']);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Memory

/** VmRSS of a process, in MB, from /proc/<pid>/status. */
function rssMb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) / 1024;
}

/**
 * Samples the server's RSS every 100 ms from now on. `exceeded()` says whether it ever went more
 * than boundMb above the start: attacks stop early then, so a build without the bound fails in
 * seconds instead of taking the machine's memory (CI runs on 2 cores beside other jobs).
 */
function watchMemory(server, boundMb) {
  const start = rssMb(server.pid);
  const w = { start, peak: start, boundMb };
  const sample = () => {
    try {
      w.peak = Math.max(w.peak, rssMb(server.pid));
    } catch { /* process gone: the caller's checks say so */ }
  };
  const timer = setInterval(sample, 100);
  w.exceeded = () => { sample(); return w.peak - w.start > boundMb; };
  w.stop = () => { clearInterval(timer); sample(); return w; };
  w.describe = () => `RSS start ${w.start.toFixed(1)} MB, peak ${w.peak.toFixed(1)} MB ` +
    `(+${(w.peak - w.start).toFixed(1)} MB; bound +${boundMb} MB)`;
  return w;
}

/** Stops the watch and fails if the RSS ever grew more than its bound (peak, not just the end). */
function assertMemoryWithin(watch, what = 'attack') {
  watch.stop();
  if (watch.peak - watch.start > watch.boundMb) {
    throw new Error(`server memory grew past its bound during the ${what}: ${watch.describe()}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The ordinary client

async function health(server, timeout = 3000) {
  const res = await withTimeout(fetch(`http://${HOST}:${server.port}/health`), timeout,
    `GET /health did not answer within ${timeout} ms`);
  await res.text();
  return res.status;
}

/**
 * An ordinary pusher-js client connects, subscribes, receives an event triggered with the node
 * SDK, and disconnects; /health answers 200. Throws (with the server's last log lines) otherwise.
 */
async function assertServes(server, { timeout = 5000 } = {}) {
  if (server.exitInfo && server.exitInfo()) {
    throw new Error(`server exited: ${JSON.stringify(server.exitInfo())}\n${server.tail()}`);
  }
  const status = await health(server, timeout);
  if (status !== 200) throw new Error(`GET /health answered ${status}`);
  const p = await connectClient(server, { pusherOptions: {} }).catch((e) => {
    throw new Error(`an ordinary client could not connect: ${e.message}`);
  });
  try {
    const channel = uniqueName('ordinary');
    await subscribeOk(p, channel, timeout);
    const id = uniqueName('evt');
    await sdk(server).trigger(channel, 'ordinary-event', { id });
    await p.rec.waitFor((m) => m.event === 'ordinary-event' && m.channel === channel && m.data.id === id,
      { timeout, what: 'the ordinary client\'s event' });
  } finally {
    p.disconnect();
  }
  await p.rec.waitUntil(() => p.connection.state === 'disconnected', { timeout, what: 'disconnected' });
}

/**
 * Runs `attack` while an ordinary pusher-js client, subscribed to its own channel, receives an
 * event triggered with the node SDK every `everyMs`. Resolves with {result, received, sent,
 * maxGapMs}: maxGapMs is the longest stretch during the attack without a delivered event.
 */
async function servedThroughout(server, attack, { everyMs = 250 } = {}) {
  const p = await connectClient(server);
  const channel = uniqueName('served');
  await subscribeOk(p, channel);
  const api = sdk(server, { timeout: 3000 });
  const arrivals = [];
  p.connection.bind('message', (m) => {
    if (m.event === 'tick' && m.channel === channel) arrivals.push(Date.now());
  });
  let sent = 0;
  let failedTriggers = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const next = Date.now() + everyMs;
      try {
        await api.trigger(channel, 'tick', { n: sent });
        sent += 1;
      } catch {
        failedTriggers += 1;
      }
      await sleep(Math.max(0, next - Date.now()));
    }
  })();
  // one delivery before the attack, so the gap measure starts from a working client
  await p.rec.waitUntil(() => arrivals.length > 0, { what: 'first tick' });
  const started = Date.now();
  let result;
  try {
    result = await attack();
  } finally {
    running = false;
    await loop;
  }
  const ended = Date.now();
  await p.rec.waitUntil(() => arrivals.length >= sent, { timeout: 5000, what: `${sent} ticks` }).catch(() => {});
  const during = [started, ...arrivals.filter((t) => t >= started && t <= ended), ended];
  let maxGapMs = 0;
  for (let i = 1; i < during.length; i += 1) maxGapMs = Math.max(maxGapMs, during[i] - during[i - 1]);
  p.disconnect();
  return { result, received: arrivals.length, sent, failedTriggers, maxGapMs, attackMs: ended - started };
}

// ---------------------------------------------------------------------------------------------
// Raw WebSocket over node:net

/** One WebSocket frame, masked as a client must (unless mask: false). */
function wsFrame(opcode, payload, { fin = true, mask = true } = {}) {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const len = body.length;
  let header;
  if (len < 126) {
    header = Buffer.alloc(2);
    header[1] = len;
  } else if (len < 65536) {
    header = Buffer.alloc(4);
    header[1] = 126;
    header.writeUInt16BE(len, 2);
  } else {
    header = Buffer.alloc(10);
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(len), 2);
  }
  header[0] = (fin ? 0x80 : 0) | opcode;
  if (!mask) return Buffer.concat([header, body]);
  header[1] |= 0x80;
  const key = crypto.randomBytes(4);
  const masked = Buffer.allocUnsafe(len);
  for (let i = 0; i < len; i += 1) masked[i] = body[i] ^ key[i & 3];
  return Buffer.concat([header, key, masked]);
}

const OP = Object.freeze({ CONT: 0, TEXT: 1, BINARY: 2, CLOSE: 8, PING: 9, PONG: 10 });
const WS_QUERY = 'protocol=7&client=js&version=8.6.0&flash=false';

/**
 * A WebSocket client with nothing between the test and the socket. `frames` holds what the
 * server sent ({opcode, payload, text, json}; a close frame also {code, reasonBytes}); the caller
 * may stop reading (`pauseReading`) to play a client that never reads.
 */
class RawSocket {
  constructor(server, { key = server.app.key, headers = {} } = {}) {
    this.port = server.port;
    this.key = key;
    this.extraHeaders = headers;
    this.frames = [];
    this.buffer = Buffer.alloc(0);
    this.waiters = new Set();
    this.closed = false;
    this.error = null;
    this.handshake = null;
  }

  /** Connects and completes the handshake; resolves with the socket id from connection_established. */
  async open(timeout = 5000) {
    const wsKey = crypto.randomBytes(16).toString('base64');
    this.socket = net.connect({ host: HOST, port: this.port });
    this.socket.on('data', (d) => this.onData(d));
    this.socket.on('error', (e) => { this.error = e; this.notify(); });
    this.socket.on('close', () => { this.closed = true; this.notify(); });
    const extra = Object.entries(this.extraHeaders).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    this.socket.write(`GET /app/${this.key}?${WS_QUERY} HTTP/1.1\r\nHost: ${HOST}:${this.port}\r\n` +
      `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${wsKey}\r\n` +
      `Sec-WebSocket-Version: 13\r\n${extra}\r\n`);
    await this.waitUntil(() => this.handshake, { timeout, what: '101 Switching Protocols' });
    if (!/^HTTP\/1\.1 101/.test(this.handshake)) throw new Error(`handshake refused: ${this.handshake}`);
    const established = await this.waitFor((f) => f.json && f.json.event === 'pusher:connection_established',
      { timeout, what: 'pusher:connection_established' });
    this.socketId = JSON.parse(established.json.data).socket_id;
    return this.socketId;
  }

  onData(chunk) {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    if (!this.handshake) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      this.handshake = this.buffer.subarray(0, end).toString('latin1');
      this.buffer = this.buffer.subarray(end + 4);
    }
    for (;;) {
      const b = this.buffer;
      if (b.length < 2) break;
      let len = b[1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (b.length < 4) break;
        len = b.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (b.length < 10) break;
        len = Number(b.readBigUInt64BE(2));
        off = 10;
      }
      if (b.length < off + len) break;
      const frame = { opcode: b[0] & 0x0f, fin: (b[0] & 0x80) !== 0, payload: b.subarray(off, off + len) };
      if (frame.opcode === OP.TEXT) {
        frame.text = frame.payload.toString('utf8');
        try { frame.json = JSON.parse(frame.text); } catch { frame.json = null; }
      } else if (frame.opcode === OP.CLOSE) {
        frame.code = len >= 2 ? frame.payload.readUInt16BE(0) : null;
        frame.reasonBytes = frame.payload.subarray(2);
      }
      this.frames.push(frame);
      this.buffer = b.subarray(off + len);
    }
    this.notify();
  }

  notify() {
    for (const w of [...this.waiters]) w.check();
  }

  waitUntil(probe, { timeout = 5000, what = 'condition' } = {}) {
    return waitForProbe(this.waiters, probe, timeout, () => `raw socket timed out after ${timeout} ms waiting for ` +
      `${what}; last frames: ${JSON.stringify(this.frames.slice(-5).map((f) => f.text || [f.opcode, f.code]))}` +
      `; closed: ${this.closed}; error: ${this.error && this.error.message}`);
  }

  mark() {
    return this.frames.length;
  }

  waitFor(pred, { since = 0, timeout, what = 'frame' } = {}) {
    // scans each frame once: a flood's answers can be 100,000 frames
    let next = since;
    return this.waitUntil(() => {
      for (; next < this.frames.length; next += 1) {
        if (pred(this.frames[next])) return this.frames[next];
      }
      return null;
    }, { timeout, what });
  }

  /** The close frame the server sent, if any. */
  closeFrame() {
    return this.frames.find((f) => f.opcode === OP.CLOSE) || null;
  }

  /** Resolves with the close frame (or null) once the TCP connection is gone. */
  async waitClosed(timeout = 5000) {
    await this.waitUntil(() => this.closed, { timeout, what: 'the server to close the connection' });
    return this.closeFrame();
  }

  /** Writes raw bytes; resolves false if the socket is gone or errored. */
  write(bytes) {
    if (this.closed || this.error || this.socket.destroyed) return false;
    return this.socket.write(bytes);
  }

  sendText(text, opts) {
    return this.write(wsFrame(OP.TEXT, text, opts));
  }

  sendJson(obj) {
    return this.sendText(JSON.stringify(obj));
  }

  /** Sends pusher:ping and waits for the pong: everything sent before it was handled. */
  async pingPong(timeout = 5000) {
    const since = this.mark();
    this.sendJson({ event: 'pusher:ping', data: {} });
    return this.waitFor((f) => f.json && f.json.event === 'pusher:pong', { since, timeout, what: 'pusher:pong' });
  }

  /** Pusher events (decoded JSON) received since `since`. */
  events(since = 0) {
    return this.frames.slice(since).filter((f) => f.json).map((f) => f.json);
  }

  /** Bytes of every frame received since `since` (payload plus header). */
  bytesSince(since) {
    return this.frames.slice(since).reduce((n, f) => n + f.payload.length + 2, 0);
  }

  pauseReading() {
    this.socket.pause();
  }

  destroy() {
    if (this.socket && !this.socket.destroyed) this.socket.destroy();
  }
}

/** The HMAC a private or presence subscription needs, over the exact channel_data string. */
function channelAuth(app, socketId, channel, channelData) {
  const toSign = channelData === undefined ? `${socketId}:${channel}` : `${socketId}:${channel}:${channelData}`;
  return `${app.key}:${crypto.createHmac('sha256', app.secret).update(toSign).digest('hex')}`;
}

/** The HMAC a sign-in needs, over the exact user_data string. */
function userAuth(app, socketId, userData) {
  return `${app.key}:${crypto.createHmac('sha256', app.secret).update(`${socketId}::user::${userData}`).digest('hex')}`;
}

/**
 * A client that never reads floods one kind of message for up to `durationMs` (or until the
 * memory watch trips). Resolves with how it ended: {disconnected, afterMs, sent, bytes, error,
 * closeCode, stoppedForMemory}. The close code is only known when the server's close frame was
 * read before the connection was cut; with a non-reading client it usually is not.
 */
async function floodWithoutReading(server, message, { durationMs = 15000, watch = null } = {}) {
  const s = new RawSocket(server);
  await s.open();
  s.pauseReading();
  const started = Date.now();
  let sent = 0;
  let bytes = 0;
  let stoppedForMemory = false;
  const frame = typeof message === 'function' ? message : () => message;
  while (Date.now() - started < durationMs) {
    if (s.error || s.closed || s.socket.destroyed) break;
    if (watch && watch.exceeded()) { stoppedForMemory = true; break; }
    const f = frame(s, sent);
    const ok = s.write(f);
    sent += 1;
    bytes += f.length;
    if (!ok) {
      // the kernel's buffers are full: the server stopped reading (or is slow); wait a little
      await new Promise((resolve) => {
        const t = setTimeout(resolve, 50);
        s.socket.once('drain', () => { clearTimeout(t); resolve(); });
      });
    } else if (sent % 64 === 0) {
      await new Promise(setImmediate);
    }
  }
  const afterMs = Date.now() - started;
  // A server that closed the connection shows up as a write error; give a last write the chance.
  if (!s.error && !s.closed && !stoppedForMemory) {
    await sleep(300);
    s.write(frame(s, sent));
    await sleep(200);
  }
  const disconnected = Boolean(s.error || s.closed);
  s.socket.resume();
  await sleep(100);
  const close = s.closeFrame();
  s.destroy();
  return {
    disconnected, afterMs, sent, bytes, stoppedForMemory,
    error: s.error && s.error.code, closeCode: close ? close.code : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP over node:net

/**
 * An HTTP/1.1 connection that writes exactly what it is given and parses the responses it gets
 * back (status, headers, body by Content-Length). `closed` turns true when the server closes.
 */
class RawHttp {
  constructor(server) {
    this.port = server.port;
    this.data = Buffer.alloc(0);
    this.responses = [];
    this.closed = false;
    this.error = null;
    this.waiters = new Set();
    this.socket = net.connect({ host: HOST, port: this.port });
    this.connected = new Promise((resolve) => this.socket.once('connect', resolve));
    this.socket.on('data', (d) => { this.data = Buffer.concat([this.data, d]); this.parse(); this.notify(); });
    this.socket.on('error', (e) => { this.error = e; this.notify(); });
    this.socket.on('close', () => { this.closed = true; this.closedAt = Date.now(); this.notify(); });
  }

  parse() {
    for (;;) {
      const end = this.data.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = this.data.subarray(0, end).toString('latin1');
      const [statusLine, ...lines] = head.split('\r\n');
      const headers = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      const length = Number(headers['content-length'] || 0);
      if (this.data.length < end + 4 + length) return;
      const body = this.data.subarray(end + 4, end + 4 + length).toString('utf8');
      this.responses.push({ status: Number(statusLine.split(' ')[1]), statusLine, headers, body, at: Date.now() });
      this.data = this.data.subarray(end + 4 + length);
    }
  }

  notify() {
    for (const w of [...this.waiters]) w.check();
  }

  waitUntil(probe, { timeout = 5000, what = 'condition' } = {}) {
    return waitForProbe(this.waiters, probe, timeout, () => `raw HTTP timed out after ${timeout} ms waiting for ${what}; ` +
      `responses: ${JSON.stringify(this.responses.map((r) => [r.status, r.body.slice(0, 120)]))}; closed: ${this.closed}; ` +
      `error: ${this.error && this.error.code}`);
  }

  write(bytes) {
    if (this.closed || this.socket.destroyed) return false;
    return this.socket.write(bytes);
  }

  /** Resolves with the n-th response (0-based). */
  response(n = 0, timeout = 5000) {
    return this.waitUntil(() => this.responses[n], { timeout, what: `response #${n + 1}` });
  }

  /** Resolves true if the server closes the connection within `timeout`, false otherwise. */
  closesWithin(timeout) {
    return this.waitUntil(() => this.closed, { timeout, what: 'close' }).then(() => true, () => false);
  }

  destroy() {
    if (!this.socket.destroyed) this.socket.destroy();
  }
}

/** The path and query of a signed HTTP API request (Pusher's request signature, docs/protocol.md §5.2). */
function signedPath(app, method, path, body = '', params = {}) {
  const all = {
    auth_key: app.key,
    auth_timestamp: String(Math.floor(Date.now() / 1000)),
    auth_version: '1.0',
    ...params,
  };
  if (body) all.body_md5 = crypto.createHash('md5').update(body).digest('hex');
  const query = Object.keys(all).sort().map((k) => `${k}=${all[k]}`).join('&');
  const signature = crypto.createHmac('sha256', app.secret).update(`${method}\n${path}\n${query}`).digest('hex');
  return `${path}?${query}&auth_signature=${signature}`;
}

module.exports = {
  BIN_HERALD_JVM,
  OP,
  sleep,
  rssMb,
  watchMemory,
  assertMemoryWithin,
  health,
  assertServes,
  servedThroughout,
  wsFrame,
  RawSocket,
  channelAuth,
  userAuth,
  floodWithoutReading,
  RawHttp,
  signedPath,
};
