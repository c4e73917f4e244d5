'use strict';
// Client-side helpers: pusher-js and node `pusher` SDK instances pointed at a test server, a raw
// `ws` client for wire-level checks, and promise-based waiting (never fixed sleeps).

const PusherJS = require('pusher-js');
const PusherSDK = require('pusher');
const WebSocket = require('ws');
const { APP, HOST } = require('./server');
const { waitForProbe } = require('./waiting');

const DEFAULT_TIMEOUT_MS = 5000;
const SOCKET_ID_RE = /^\d+\.\d+$/;

let counter = 0;
/** A channel name unique within this process run: `${prefix}-${n}-${pid}`. */
function uniqueName(prefix) {
  counter += 1;
  return `${prefix}-${counter}-${process.pid}`;
}

/** The official node server SDK, pointed at the test server. */
function sdk(server, overrides = {}) {
  const app = server.app || APP;
  return new PusherSDK({
    appId: app.id,
    key: app.key,
    secret: app.secret,
    host: HOST,
    port: server.port,
    useTLS: false,
    timeout: 10000,
    ...overrides,
  });
}

/**
 * Everything a pusher-js client receives (decoded frames, as the ConnectionManager emits them,
 * with `event`, `channel`, `data`, `user_id`), its state changes and its connection errors.
 */
class Recorder {
  constructor(pusher) {
    this.messages = [];
    this.states = [];
    this.errors = [];
    this.waiters = new Set();
    this.sockets = new Set();
    pusher.connection.bind('message', (m) => { this.messages.push(m); this.notify(); });
    pusher.connection.bind('state_change', (s) => {
      this.states.push(s);
      // The underlying faye-websocket client of each connection, see releaseClosedSockets.
      const transport = s.current === 'connected' && pusher.connection.connection && pusher.connection.connection.transport;
      if (transport && transport.socket) this.sockets.add(transport.socket);
      this.notify();
    });
    pusher.connection.bind('error', (e) => { this.errors.push(e); this.notify(); });
  }

  notify() {
    for (const w of [...this.waiters]) w.check();
  }

  /** Index to pass as `since` to only consider messages arriving after this point. */
  mark() {
    return this.messages.length;
  }

  all(pred, since = 0) {
    return this.messages.slice(since).filter(pred);
  }

  /** Resolves with the first message at index >= since matching pred. */
  waitFor(pred, { since = 0, timeout = DEFAULT_TIMEOUT_MS, what = 'message' } = {}) {
    return this.waitUntil(() => this.messages.slice(since).find(pred), { timeout, what });
  }

  /** Resolves with the first truthy value of probe(), re-evaluated on every recorded item. */
  waitUntil(probe, { timeout = DEFAULT_TIMEOUT_MS, what = 'condition' } = {}) {
    return waitForProbe(this.waiters, probe, timeout, () => `timed out after ${timeout} ms waiting for ${what}; received: ` +
      JSON.stringify(this.messages.map((m) => [m.event, m.channel, m.data]).slice(-15)));
  }

  /** The `data` ({code, message}) of pusher:error frames, optionally with a given code. */
  pusherErrors(code, since = 0) {
    return this.all((m) => m.event === 'pusher:error' && (code === undefined || m.data.code === code), since)
      .map((m) => m.data);
  }

  waitForError(code, opts = {}) {
    return this.waitFor((m) => m.event === 'pusher:error' && m.data && m.data.code === code,
      { what: `pusher:error ${code}`, ...opts }).then((m) => m.data);
  }
}

const created = new Set();

/**
 * A pusher-js client configured as a self-hosted deployment would be. Options:
 *   key        app key (default the test app's)
 *   user       presence member {user_id, user_info} (or a function of the channel name)
 *   signer     node SDK used to sign channel authorizations (default: the right secret)
 *   authorize  ({channelName, socketId}) => authData, replacing the signer entirely
 *   userData   sign-in user data {id, user_info?, watchlist?}: configures pusher-js's
 *              userAuthentication with a customHandler returning the SDK's
 *              authenticateUser(socketId, userData); sign in with signIn(pusher)
 *   userSigner node SDK signing the sign-in (default: signer, else the right secret)
 */
function createClient(server, {
  key = (server.app || APP).key, user, signer, authorize, userData, userSigner, pusherOptions = {},
} = {}) {
  const signingSdk = signer || sdk(server);
  const userSigningSdk = userSigner || signingSdk;
  const userAuthentication = userData === undefined ? {} : {
    userAuthentication: {
      customHandler: (params, callback) => {
        try {
          callback(null, userSigningSdk.authenticateUser(params.socketId, userData));
        } catch (e) {
          callback(e, null);
        }
      },
    },
  };
  const pusher = new PusherJS(key, {
    ...userAuthentication,
    cluster: 'local',
    wsHost: HOST,
    wsPort: server.port,
    forceTLS: false,
    enabledTransports: ['ws'],
    disableStats: true,
    channelAuthorization: {
      customHandler: (params, callback) => {
        try {
          if (authorize) {
            callback(null, authorize(params));
            return;
          }
          let channelData;
          if (params.channelName.startsWith('presence-')) {
            channelData = typeof user === 'function' ? user(params.channelName) : user;
            if (!channelData) throw new Error('test client has no presence user');
          }
          callback(null, signingSdk.authorizeChannel(params.socketId, params.channelName, channelData));
        } catch (e) {
          callback(e, null);
        }
      },
    },
    ...pusherOptions,
  });
  pusher.rec = new Recorder(pusher);
  created.add(pusher);
  return pusher;
}

function waitConnected(pusher, timeout = DEFAULT_TIMEOUT_MS) {
  return pusher.rec.waitUntil(() => pusher.connection.state === 'connected',
    { timeout, what: 'state connected' });
}

async function connectClient(server, opts) {
  const pusher = createClient(server, opts);
  await waitConnected(pusher);
  return pusher;
}

/**
 * A pusher-js client quirk: when the server closes a connection with a code in 4000-4099
 * pusher-js "disconnects" it again, and the faye-websocket client it bundles arms a 30 s close
 * timer on that already CLOSED socket which nothing clears. Its TCP connection is gone, so the
 * timer is unref'd rather than left to keep the test file alive for 30 s.
 */
function releaseClosedSockets(pusher) {
  for (const socket of pusher.rec.sockets) {
    if (socket.readyState === 3 && socket._closeTimer && socket._closeTimer.unref) socket._closeTimer.unref();
  }
}

/** Disconnects every pusher-js client created so far (use in afterEach). */
function disconnectAll() {
  for (const p of created) {
    try { p.disconnect(); } catch { /* ignore */ }
    releaseClosedSockets(p);
  }
  created.clear();
  for (const c of rawClients) c.close();
  rawClients.clear();
}

/**
 * pusher.signin() on a client created with `userData`; resolves with the user_data the server
 * confirmed (pusher:signin_success) once pusher-js's #server-to-user-<id> subscription succeeded.
 * Rejects on a pusher:error instead.
 */
async function signIn(pusher, timeout = DEFAULT_TIMEOUT_MS) {
  const since = pusher.rec.mark();
  pusher.signin();
  const reply = await pusher.rec.waitFor((m) => m.event === 'pusher:signin_success' || m.event === 'pusher:error',
    { since, timeout, what: 'pusher:signin_success' });
  if (reply.event !== 'pusher:signin_success') throw new Error(`sign-in refused: ${JSON.stringify(reply)}`);
  const userData = JSON.parse(reply.data.user_data);
  await pusher.rec.waitFor((m) => m.event === 'pusher_internal:subscription_succeeded' &&
    m.channel === `#server-to-user-${userData.id}`, { since, timeout, what: `#server-to-user-${userData.id}` });
  return userData;
}

/** A connected pusher-js client signed in with userData (see createClient for options). */
async function connectUser(server, userData, opts = {}) {
  const pusher = createClient(server, { ...opts, userData });
  await waitConnected(pusher);
  await signIn(pusher);
  return pusher;
}

/**
 * Close codes pusher-js acted on: the WebSocketError it emits when a close frame's code makes it
 * give up (4000-4099) or back off (4100-4199) carries that code.
 */
function closeCodes(pusher) {
  return pusher.rec.errors
    .filter((e) => e.type === 'WebSocketError' && e.error && e.error.data)
    .map((e) => e.error.data.code);
}

/** Subscribes and resolves with the channel on pusher:subscription_succeeded. */
function subscribeOk(pusher, name, timeout = DEFAULT_TIMEOUT_MS) {
  const channel = pusher.subscribe(name);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`subscription to ${name} did not succeed within ${timeout} ms; received: ` +
        JSON.stringify(pusher.rec.messages.map((m) => [m.event, m.channel, m.data]).slice(-10))));
    }, timeout);
    const ok = (data) => { cleanup(); resolve({ channel, data }); };
    const bad = (err) => {
      cleanup();
      reject(new Error(`subscription to ${name} failed: ${JSON.stringify(err)}; errors: ` +
        JSON.stringify(pusher.rec.pusherErrors())));
    };
    function cleanup() {
      clearTimeout(timer);
      channel.unbind('pusher:subscription_succeeded', ok);
      channel.unbind('pusher:subscription_error', bad);
    }
    channel.bind('pusher:subscription_succeeded', ok);
    channel.bind('pusher:subscription_error', bad);
  }).then(({ channel: ch }) => ch);
}

/**
 * Subscribes and expects the server to refuse: resolves with {error, subscriptionError}, the
 * pusher:error data ({code, message}) and the server-sent pusher:subscription_error data.
 * Fails if pusher:subscription_succeeded arrives.
 */
async function subscribeRefused(pusher, name, code, timeout = DEFAULT_TIMEOUT_MS) {
  const since = pusher.rec.mark();
  const channel = pusher.subscribe(name);
  let succeeded = false;
  const onOk = () => { succeeded = true; pusher.rec.notify(); };
  channel.bind('pusher:subscription_succeeded', onOk);
  try {
    const result = await pusher.rec.waitUntil(() => {
      if (succeeded) return { succeeded: true };
      const err = pusher.rec.all((m) => m.event === 'pusher:error', since)[0];
      const subErr = pusher.rec.all((m) => m.event === 'pusher:subscription_error' && m.channel === name, since)[0];
      if (err && subErr) return { error: err.data, subscriptionError: subErr.data };
      return null;
    }, { timeout, what: `pusher:error ${code} and pusher:subscription_error for ${name}` });
    if (result.succeeded) throw new Error(`subscription to ${name} succeeded but should be refused (${code})`);
    if (result.error.code !== code) {
      throw new Error(`expected pusher:error code ${code} for ${name}, got ${JSON.stringify(result.error)}`);
    }
    if (typeof result.error.message !== 'string' || result.error.message.length === 0) {
      throw new Error(`pusher:error for ${name} has no message: ${JSON.stringify(result.error)}`);
    }
    return result;
  } finally {
    channel.unbind('pusher:subscription_succeeded', onOk);
  }
}

/** Sends pusher:ping through pusher-js and waits for the pusher:pong that follows it. */
async function pingPong(pusher, timeout = DEFAULT_TIMEOUT_MS) {
  const since = pusher.rec.mark();
  if (!pusher.connection.send_event('pusher:ping', {})) throw new Error('send_event returned false');
  await pusher.rec.waitFor((m) => m.event === 'pusher:pong', { since, timeout, what: 'pusher:pong' });
}

/**
 * Ordering barrier: triggers a unique marker event on `channel` over HTTP and waits until each
 * client received it. Anything the server sent to those clients before it has arrived by then.
 */
async function barrier(api, channel, clients, timeout = DEFAULT_TIMEOUT_MS) {
  const id = uniqueName('marker');
  await api.trigger(channel, 'test-marker', { id });
  await Promise.all(clients.map((c) => c.rec.waitFor(
    (m) => m.event === 'test-marker' && m.channel === channel && m.data && m.data.id === id,
    { timeout, what: `marker ${id} on ${channel}` })));
}

/**
 * Re-runs an async check until it stops throwing, for state that is only observable by asking
 * (HTTP queries after a disconnect). Polls every 50 ms; rethrows the last failure on timeout.
 */
async function eventually(check, { timeout = DEFAULT_TIMEOUT_MS, interval = 50 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Rejects with `message` if promise does not settle within ms; never leaves a timer behind. */
function withTimeout(promise, ms, message) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(typeof message === 'function' ? message() : message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Parses a RequestError body, expecting Herald's JSON error shape. */
function errorBody(err) {
  try {
    return JSON.parse(err.body);
  } catch {
    return { unparsable: err.body };
  }
}

// ---------------------------------------------------------------------------------------------
// Raw WebSocket client (the `ws` package) for wire-level assertions.

const rawClients = new Set();

class RawClient {
  /**
   * @param server test server handle
   * @param opts.key app key, opts.query query string, opts.autoPong answer WS pings (default true)
   * @param opts.url the whole URL instead (a proxy in front, wss://), opts.wsOptions more options
   *        for the `ws` client (localAddress, ca, headers)
   */
  constructor(server, {
    key = (server.app || APP).key, query = 'protocol=7&client=js&version=8.6.0&flash=false', autoPong = true,
    url = null, wsOptions = {},
  } = {}) {
    this.url = url || `ws://${HOST}:${server.port}/app/${key}?${query}`;
    this.ws = new WebSocket(this.url, { autoPong, ...wsOptions });
    this.messages = [];
    this.raw = [];
    this.pings = 0;
    this.waiters = new Set();
    this.error = null;
    this.closeInfo = null;
    this.closed = new Promise((resolve) => {
      this.ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        this.notify();
        resolve(this.closeInfo);
      });
    });
    this.ws.on('error', (e) => { this.error = e; this.notify(); });
    this.ws.on('ping', () => { this.pings += 1; this.notify(); });
    this.ws.on('message', (data, isBinary) => {
      const text = data.toString();
      this.raw.push({ text, isBinary });
      let msg;
      try { msg = JSON.parse(text); } catch { msg = { unparsable: text }; }
      this.messages.push(msg);
      this.notify();
    });
    rawClients.add(this);
  }

  notify() {
    for (const w of [...this.waiters]) w.check();
  }

  waitUntil(probe, { timeout = DEFAULT_TIMEOUT_MS, what = 'condition' } = {}) {
    return waitForProbe(this.waiters, probe, timeout, () => `raw client timed out after ${timeout} ms waiting for ${what}; frames: ` +
      JSON.stringify(this.raw.map((r) => r.text).slice(-10)) +
      `; close: ${JSON.stringify(this.closeInfo)}; error: ${this.error && this.error.message}`);
  }

  mark() {
    return this.messages.length;
  }

  waitFor(pred, { since = 0, timeout, what = 'message' } = {}) {
    return this.waitUntil(() => this.messages.slice(since).find(pred), { timeout, what });
  }

  /** Waits for pusher:connection_established and returns its decoded data. */
  async established(timeout) {
    const m = await this.waitFor((x) => x.event === 'pusher:connection_established',
      { timeout, what: 'pusher:connection_established' });
    return JSON.parse(m.data);
  }

  /** Resolves with {code, reason} once the connection is closed. */
  waitClosed(timeout = DEFAULT_TIMEOUT_MS) {
    return this.waitUntil(() => this.closeInfo, { timeout, what: 'close' });
  }

  send(obj) {
    this.ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj));
  }

  /**
   * Signs in with the SDK's authenticateUser(socketId, userData) (or an explicit {auth, user_data}
   * from sign(socketId)); resolves with the reply: pusher:signin_success or pusher:error.
   */
  async signIn(signer, userData, sign = null) {
    const { socket_id: socketId } = await this.established();
    const data = sign ? sign(socketId) : signer.authenticateUser(socketId, userData);
    const since = this.mark();
    this.send({ event: 'pusher:signin', data });
    return this.waitFor((m) => m.event === 'pusher:signin_success' || m.event === 'pusher:error',
      { since, what: 'sign-in reply' });
  }

  /** Sends pusher:subscribe and resolves with subscription_succeeded or the first error frame. */
  async subscribe(channel, auth = {}) {
    await this.established();
    const since = this.mark();
    this.send({ event: 'pusher:subscribe', data: { channel, ...auth } });
    return this.waitFor((m) => (m.channel === channel && (m.event === 'pusher_internal:subscription_succeeded' ||
      m.event === 'pusher:subscription_error')) || m.event === 'pusher:error', { since, what: `subscription to ${channel}` });
  }

  async ping(timeout) {
    const since = this.mark();
    this.send({ event: 'pusher:ping', data: {} });
    return this.waitFor((m) => m.event === 'pusher:pong', { since, timeout, what: 'pusher:pong' });
  }

  close() {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.terminate();
    }
    rawClients.delete(this);
  }
}

module.exports = {
  APP,
  PusherJS,
  PusherSDK,
  WebSocket,
  SOCKET_ID_RE,
  DEFAULT_TIMEOUT_MS,
  uniqueName,
  sdk,
  Recorder,
  createClient,
  connectClient,
  waitConnected,
  disconnectAll,
  signIn,
  connectUser,
  closeCodes,
  subscribeOk,
  subscribeRefused,
  pingPong,
  barrier,
  eventually,
  withTimeout,
  errorBody,
  RawClient,
};
