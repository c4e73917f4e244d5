'use strict';
// A webhook receiver on loopback (node:http) that records every request and checks each one with
// the node SDK's webhook validation, and a reader for the server's Prometheus /metrics.

const http = require('node:http');
const PusherSDK = require('pusher');
const { before, after } = require('node:test');
const { HOST, useServer } = require('./server');
const { waitForProbe } = require('./waiting');

const DEFAULT_TIMEOUT_MS = 5000;

/**
 * Records each POST as {headers (lower-case keys), rawBody, status, valid, events, at}. `valid`
 * and `events` come from the SDK: pusher.webhook({headers, rawBody}).isValid() / getEvents(),
 * with the app credentials given. `respond(n, request)` picks the status for the n-th request
 * (0-based; default 200).
 */
class WebhookReceiver {
  constructor(app, { respond = () => 200 } = {}) {
    this.app = app;
    this.validator = new PusherSDK({ appId: app.id, key: app.key, secret: app.secret });
    this.respond = respond;
    this.requests = [];
    this.waiters = new Set();
    this.server = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const rawBody = Buffer.concat(chunks).toString('utf8');
        const record = { method: req.method, url: req.url, headers: req.headers, rawBody, at: Date.now() };
        const hook = this.validator.webhook({ headers: req.headers, rawBody });
        record.valid = hook.isValid();
        record.events = record.valid ? hook.getEvents() : null;
        record.status = this.respond(this.requests.length, record);
        this.requests.push(record);
        res.writeHead(record.status, { 'content-type': 'text/plain' });
        res.end(record.status < 300 ? 'ok' : 'failing on purpose');
        this.notify();
      });
    });
  }

  async start() {
    await new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, HOST, resolve);
    });
    this.url = `http://${HOST}:${this.server.address().port}/hook`;
    return this;
  }

  close() {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  notify() {
    for (const w of [...this.waiters]) w.check();
  }

  /** Requests answered with a 2xx status. */
  accepted() {
    return this.requests.filter((r) => r.status >= 200 && r.status < 300);
  }

  /** Every event of every accepted request, in arrival order, matching pred. */
  events(pred = () => true) {
    return this.accepted().flatMap((r) => r.events || []).filter(pred);
  }

  /** Requests the SDK found invalid (bad signature, key, content type or body). */
  invalid() {
    return this.requests.filter((r) => !r.valid);
  }

  waitUntil(probe, { timeout = DEFAULT_TIMEOUT_MS, what = 'condition' } = {}) {
    return waitForProbe(this.waiters, probe, timeout, () => `webhook receiver timed out after ${timeout} ms waiting for ${what}; ` +
      `received (status: events): ${JSON.stringify(this.requests.slice(-12).map((r) => [r.status, r.valid ? r.events : r.rawBody]))}`);
  }

  /** Resolves with the first accepted event matching pred. */
  waitForEvent(pred, { timeout, what = 'webhook event' } = {}) {
    return this.waitUntil(() => this.events(pred)[0], { timeout, what });
  }
}

/**
 * Starts the receivers, then a server whose env (a function, called once they listen) can use
 * their `url`s; after the group, stops the server first (it flushes pending webhooks on
 * shutdown), then the receivers.
 */
function useWebhookServer(receivers, env, options) {
  for (const r of receivers) before(() => r.start());
  const server = useServer(env, options);
  after(() => Promise.all(receivers.map((r) => r.close())));
  return server;
}

/** An event matcher: name and channel, plus any other fields given. */
const hook = (name, channel, extra = {}) => (e) => e.name === name && e.channel === channel &&
  Object.entries(extra).every(([k, v]) => e[k] === v);

module.exports = { WebhookReceiver, useWebhookServer, hook };
