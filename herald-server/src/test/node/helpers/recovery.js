'use strict';
// Channel history for the recovery tests: the pusher-js add-on as an app loads it (from the
// repository's clients/pusher-js-recovery, the package's own entry point), an apps file with
// history rules (docs/recovery.md), and a recorder of the app's handlers.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { APP } = require('./server');
const { waitForProbe } = require('./waiting');

const ADDON_DIR = path.resolve(__dirname, '../../../../../clients/pusher-js-recovery');
const { enableRecovery } = require(ADDON_DIR);

let files = 0;
/**
 * Writes an apps file holding the test app with these history rules ({channels, size,
 * ttl_seconds}) and returns its path; removed when the process exits.
 */
function historyAppsFile(rules, app = APP) {
  files += 1;
  const file = path.join(os.tmpdir(), `herald-node-test-history-${process.pid}-${files}.yaml`);
  const lines = [
    'apps:',
    `  - id: ${app.id}`,
    `    key: ${app.key}`,
    `    secret: ${app.secret}`,
    '    history:',
    ...rules.flatMap((r) => [
      `      - channels: "${r.channels}"`,
      `        size: ${r.size}`,
      `        ttl_seconds: ${r.ttl_seconds}`,
    ]),
  ];
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  process.on('exit', () => fs.rmSync(file, { force: true }));
  return file;
}

/**
 * What an app's handler got: `values` in arrival order; wait(n) resolves once n have arrived.
 * The handler is called by pusher-js (channel.bind or Echo's listen) like any app's.
 */
class Received {
  constructor(pick = (data) => data.i) {
    this.values = [];
    this.waiters = new Set();
    this.handler = (data) => {
      this.values.push(pick(data));
      for (const w of [...this.waiters]) w.check();
    };
  }

  wait(n, timeout = 20000) {
    return waitForProbe(this.waiters, () => this.values.length >= n, timeout,
      () => `the app got ${this.values.length} of ${n} events within ${timeout} ms; last: ` +
        JSON.stringify(this.values.slice(-10)));
  }
}

/** [from, from + 1, ..., to] */
function range(from, to) {
  return Array.from({ length: to - from + 1 }, (_, k) => from + k);
}

/** The `herald_*` frames among a pusher-js Recorder's or RawClient's messages. */
function heraldFrames(messages) {
  return messages.filter((m) => typeof m.event === 'string' && m.event.includes('herald'));
}

module.exports = { ADDON_DIR, enableRecovery, historyAppsFile, Received, range, heraldFrames };
