'use strict';
// Debian's nginx in front of Herald, configured as docs/deploy.md says (helpers/nginx.js runs
// that document's server block): TLS terminated by nginx with a certificate made at test time,
// Herald under HERALD_PATH_PREFIX=/ws, X-Forwarded-For trusted from nginx only.
// - pusher-js connects over wss with wsPath '/ws' and receives what the node SDK triggers
//   through nginx's /apps/ location (the SDK has no path option);
// - HERALD_MAX_CONNECTIONS_PER_IP_PER_SECOND counts the client's address, not nginx's: clients
//   bound to 127.0.0.2 and 127.0.0.3 (loopback aliases) have a rate each, which a forged
//   X-Forwarded-For does not escape; without HERALD_TRUSTED_PROXIES they share nginx's;
// - paths outside the prefix are 404.

const { spawn } = require('node:child_process');
const assert = require('node:assert/strict');
const http = require('node:http');
const https = require('node:https');
const path = require('node:path');
const { describe, test, before, after, afterEach } = require('../helpers/testing');
const { useServer, HOST } = require('../helpers/server');
const { useNginx } = require('../helpers/nginx');
const {
  DEFAULT_TIMEOUT_MS, SOCKET_ID_RE, RawClient, sdk, uniqueName, disconnectAll, eventually, withTimeout,
} = require('../helpers/clients');
const { waitForProbe } = require('../helpers/waiting');

const PREFIX = '/ws';
const QUERY = 'protocol=7&client=js&version=8.6.0&flash=false';

/** Herald as it runs behind nginx; a rate of 1 new connection per second per client address. */
function heraldBehindNginx({ trustNginx }) {
  return useServer({
    HERALD_PATH_PREFIX: PREFIX,
    HERALD_MAX_CONNECTIONS_PER_IP_PER_SECOND: 1,
    ...(trustNginx ? { HERALD_TRUSTED_PROXIES: HOST } : {}),
  });
}

/** The node SDK pointed at nginx (https, no path: nginx's /apps/ location adds the prefix). */
function sdkThroughNginx(server, nginx) {
  return sdk(server, {
    host: HOST,
    port: nginx.port,
    useTLS: true,
    agent: new https.Agent({ ca: nginx.ca, keepAlive: false }),
  });
}

/** A POST /pusher/auth endpoint on loopback signing with the node SDK, as an app's server does. */
function startAuthServer(signer) {
  const srv = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(body));
      if (req.method !== 'POST' || req.url !== '/pusher/auth' || !form.socket_id || !form.channel_name) {
        res.writeHead(400).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(signer.authorizeChannel(form.socket_id, form.channel_name)));
    });
  });
  return new Promise((resolve) => srv.listen(0, HOST, () => resolve({
    url: `http://${HOST}:${srv.address().port}/pusher/auth`,
    close: () => new Promise((r) => { srv.closeAllConnections(); srv.close(r); }),
  })));
}

/**
 * pusher-js in a child process trusting the test certificate through NODE_EXTRA_CA_CERTS (see
 * helpers/pusher-js-process.js); `lines` holds what it reported.
 */
function pusherJsProcess({ key, options, channels, caFile }) {
  const child = spawn(process.execPath, [path.join(__dirname, '../helpers/pusher-js-process.js'),
    JSON.stringify({ key, options, channels })], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines = [];
  const waiters = new Set();
  let stderr = '';
  let buffered = '';
  const notify = () => { for (const w of [...waiters]) w.check(); };
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    buffered += chunk;
    let newline;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buffered.slice(0, newline)));
      buffered = buffered.slice(newline + 1);
    }
    notify();
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => { notify(); resolve({ code, signal }); }));
  return {
    lines,
    waitFor(pred, what, timeout = DEFAULT_TIMEOUT_MS) {
      return waitForProbe(waiters, () => lines.find(pred), timeout,
        () => `pusher-js process: timed out after ${timeout} ms waiting for ${what}; reported: ` +
          `${JSON.stringify(lines.slice(-10))}; stderr: ${stderr}`);
    },
    /** Closes its stdin: pusher-js disconnects and the process exits. */
    async stop() {
      child.stdin.end();
      try {
        return await withTimeout(exited, DEFAULT_TIMEOUT_MS, 'pusher-js process did not exit');
      } catch (e) {
        child.kill('SIGKILL');
        throw e;
      }
    },
  };
}

/** A raw client through nginx, from the given loopback address. */
function rawThroughNginx(server, nginx, localAddress, headers = {}) {
  return new RawClient(server, {
    url: `wss://${HOST}:${nginx.port}${PREFIX}/app/${server.app.key}?${QUERY}`,
    wsOptions: { ca: nginx.ca, localAddress, headers },
  });
}

/**
 * 'admitted' once pusher:connection_established arrived; 'refused' once the connection was
 * closed with 4100 after a pusher:error 4100 (the per-address rate); anything else fails.
 */
async function admission(client) {
  const outcome = await client.waitUntil(() => {
    if (client.messages.some((m) => m.event === 'pusher:connection_established')) return 'admitted';
    return client.closeInfo || client.error ? 'ended' : null;
  }, { what: 'connection_established or close' });
  if (outcome === 'admitted') return outcome;
  assert.equal(client.error, null, `connection failed: ${client.error && client.error.message}`);
  const errors = client.messages.filter((m) => m.event === 'pusher:error');
  assert.equal(errors.length, 1, `one pusher:error before the close: ${JSON.stringify(client.messages)}`);
  assert.equal(errors[0].data.code, 4100, JSON.stringify(errors[0]));
  assert.equal(client.closeInfo.code, 4100);
  return 'refused';
}

/** GET through nginx with the test certificate trusted: {status, body}. */
function httpsGet(nginx, urlPath) {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: HOST, port: nginx.port, path: urlPath, ca: nginx.ca, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
  });
}

afterEach(() => disconnectAll());

describe('behind nginx with TLS, under /ws, nginx trusted for X-Forwarded-For', () => {
  const server = heraldBehindNginx({ trustNginx: true });
  const nginx = useNginx(server);
  let auth;
  before(async () => { auth = await startAuthServer(sdk(server)); });
  after(async () => { if (auth) await auth.close(); });

  test('pusher-js connects over wss with wsPath, subscribes to a public and a private channel, and receives ' +
    'events the node SDK triggers through nginx', async () => {
    const publicChannel = uniqueName('news');
    const privateChannel = uniqueName('private-orders');
    const client = pusherJsProcess({
      key: server.app.key,
      caFile: nginx.certFile,
      channels: [publicChannel, privateChannel],
      options: {
        cluster: 'local',
        wsHost: HOST,
        wssPort: nginx.port,
        wsPath: PREFIX,
        forceTLS: true,
        // Not ['wss'] alone: pusher-js 8 only tries WebSocket when its 'ws' transport is enabled,
        // and with forceTLS that transport connects with TLS (wss://) to wssPort.
        enabledTransports: ['ws', 'wss'],
        channelAuthorization: { endpoint: auth.url, transport: 'ajax' },
      },
    });
    try {
      const connected = await client.waitFor((l) => l.type === 'state' && l.current === 'connected', 'connected');
      assert.match(connected.socketId, SOCKET_ID_RE);
      assert.equal(connected.url, `wss://${HOST}:${nginx.port}${PREFIX}/app/${server.app.key}?${QUERY}`);
      for (const channel of [publicChannel, privateChannel]) {
        const outcome = await client.waitFor((l) => l.channel === channel &&
          (l.type === 'subscribed' || l.type === 'subscription_error'), `subscription to ${channel}`);
        assert.equal(outcome.type, 'subscribed', JSON.stringify(outcome));
      }

      const api = sdkThroughNginx(server, nginx);
      const response = await api.trigger([publicChannel, privateChannel], 'order-shipped', { id: 42 });
      assert.equal(response.status, 200);
      for (const channel of [publicChannel, privateChannel]) {
        const got = await client.waitFor((l) => l.type === 'event' && l.channel === channel, `the event on ${channel}`);
        assert.deepEqual(got, { type: 'event', channel, event: 'order-shipped', data: { id: 42 } });
      }
      // A signed GET through /apps/ too: the query string survives nginx's rewrite to /ws/apps/.
      const info = await api.get({ path: `/channels/${privateChannel}`, params: { info: 'subscription_count' } });
      assert.deepEqual(await info.json(), { occupied: true, subscription_count: 1 });
    } finally {
      await client.stop();
    }

    // nginx logs a WebSocket request once it has ended: both kinds of request went through it.
    await eventually(() => {
      const log = nginx.accessLog();
      assert.match(log, new RegExp(`"GET ${PREFIX}/app/${server.app.key}\\?protocol=7[^"]* HTTP/1\\.1" 101 `));
      assert.match(log, new RegExp(`"POST /apps/${server.app.id}/events\\?[^"]* HTTP/1\\.1" 200 `));
    });
  });

  test('the per-address connection rate counts the client behind nginx, whatever X-Forwarded-For it sends',
    async () => {
      // Four at once from 127.0.0.2, each claiming another address: nginx appends the one it saw.
      const flood = [0, 1, 2, 3].map((i) => rawThroughNginx(server, nginx, '127.0.0.2',
        { 'X-Forwarded-For': `192.0.2.${i}` }));
      const outcomes = await Promise.all(flood.map(admission));
      assert.ok(outcomes.includes('admitted'), `127.0.0.2's first connection: ${outcomes}`);
      assert.ok(outcomes.includes('refused'), `127.0.0.2 past 1 connection/s: ${outcomes}`);

      // Within the same second, nginx's address (127.0.0.1) has not been charged: another client is admitted.
      const other = rawThroughNginx(server, nginx, '127.0.0.3');
      assert.equal(await admission(other), 'admitted');
    });

  test('paths outside the prefix are 404 through nginx', async () => {
    // Under /ws/ nginx forwards everything; Herald answers a path that is no route of its own.
    const unknown = await httpsGet(nginx, `${PREFIX}/nope`);
    assert.equal(unknown.status, 404);
    assert.deepEqual(JSON.parse(unknown.body), { error: 'Not found: /nope', status: 404 });

    // A client that left out wsPath asks for /app/{key}: nothing serves it.
    const noPrefix = new RawClient(server, {
      url: `wss://${HOST}:${nginx.port}/app/${server.app.key}?${QUERY}`, wsOptions: { ca: nginx.ca },
    });
    await noPrefix.waitUntil(() => noPrefix.error, { what: 'a refused upgrade' });
    assert.match(noPrefix.error.message, /Unexpected server response: 404/);

    // Health checks stay reachable under the prefix through the proxy.
    const ready = await httpsGet(nginx, `${PREFIX}/ready`);
    assert.equal(ready.status, 200);
    assert.deepEqual(JSON.parse(ready.body), { status: 'ready' });
  });
});

describe('behind nginx, nginx not in HERALD_TRUSTED_PROXIES', () => {
  const server = heraldBehindNginx({ trustNginx: false });
  const nginx = useNginx(server);

  test('every client counts as nginx: one client\'s connection uses up the rate of all', async () => {
    const first = rawThroughNginx(server, nginx, '127.0.0.2');
    assert.equal(await admission(first), 'admitted');
    const other = rawThroughNginx(server, nginx, '127.0.0.3');
    assert.equal(await admission(other), 'refused', 'charged to 127.0.0.1 like the first');
  });
});
