'use strict';
// A TCP proxy on a free loopback port in front of a test server, standing in for the network
// between a client and Herald: it can cut every connection through it at once and refuse new ones
// (each is reset as soon as it is accepted) until restored, and its upstream can be changed (a
// restarted server on another port) without the client noticing anything but a lost connection.

const net = require('node:net');
const { HOST } = require('./server');
const { waitForProbe } = require('./waiting');

class Proxy {
  constructor(upstreamPort) {
    this.upstreamPort = upstreamPort;
    this.refusing = false;
    this.pairs = new Set();
    this.waiters = new Set();
    /** Connections accepted and passed on, and those reset while refusing. */
    this.accepted = 0;
    this.refused = 0;
    /** Set by pace(): how connections accepted from then on pass the server's bytes on. */
    this.pacing = null;
    this.server = net.createServer((client) => this.accept(client));
  }

  listen() {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, HOST, () => {
        this.port = this.server.address().port;
        resolve(this);
      });
    });
  }

  accept(client) {
    if (this.refusing) {
      this.refused += 1;
      client.on('error', () => {});
      client.resetAndDestroy();
      this.notify();
      return;
    }
    this.accepted += 1;
    this.notify();
    const upstream = net.connect(this.upstreamPort, HOST);
    const pair = { client, upstream };
    this.pairs.add(pair);
    const end = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    // Either side gone, both gone: a half-open pair would leave a client waiting on a server
    // that can no longer answer.
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', end);
    }
    client.pipe(upstream);
    if (this.pacing) {
      this.trickle(upstream, client, this.pacing);
    } else {
      upstream.pipe(client);
    }
  }

  /**
   * Passes the server's bytes on `bytes` at a time, one piece every `everyMs`, as a slow network
   * would: a client then holds only the last piece when the connection is cut, not a whole burst.
   */
  trickle(from, to, { bytes, everyMs }) {
    from.on('data', (chunk) => {
      from.pause();
      let at = 0;
      const next = () => {
        if (to.destroyed) return;
        if (at >= chunk.length) {
          from.resume();
          return;
        }
        to.write(chunk.subarray(at, at + bytes));
        at += bytes;
        setTimeout(next, everyMs);
      };
      next();
    });
    from.on('end', () => to.end());
  }

  /** Connections accepted from now on get the server's bytes `bytes` at a time every `everyMs`. */
  pace(bytes, everyMs) {
    this.pacing = { bytes, everyMs };
  }

  notify() {
    for (const w of [...this.waiters]) w.check();
  }

  /** Resolves once `refused` has grown past `count` (a client tried and was turned away). */
  waitRefused(count = 0, timeout = 5000) {
    return waitForProbe(this.waiters, () => this.refused > count, timeout,
      () => `no connection refused within ${timeout} ms (refused ${this.refused}, accepted ${this.accepted})`);
  }

  /** The number of client connections passing through now. */
  get open() {
    return this.pairs.size;
  }

  /**
   * Resets every connection through the proxy (both sides: the client sees its connection lost,
   * the server its client gone) and refuses new ones until restore().
   */
  cut() {
    this.refusing = true;
    for (const { client, upstream } of [...this.pairs]) {
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    }
    this.pairs.clear();
  }

  /** Accepts connections again, to `upstreamPort` if given. */
  restore(upstreamPort = this.upstreamPort) {
    this.upstreamPort = upstreamPort;
    this.refusing = false;
  }

  close() {
    this.cut();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A started proxy to 127.0.0.1:upstreamPort. */
function startProxy(upstreamPort) {
  return new Proxy(upstreamPort).listen();
}

module.exports = { startProxy };
