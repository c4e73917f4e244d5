'use strict';
// The server process: --help, settings as flags, the startup log, and shutdown (4200).

const { test, afterEach } = require('../helpers/testing');
const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const { APP, jarPath, startServer } = require('../helpers/server');
const {
  createClient, connectClient, disconnectAll, subscribeOk, RawClient, sdk,
} = require('../helpers/clients');

afterEach(disconnectAll);

const SETTINGS = [
  'HERALD_HOST', 'HERALD_PORT', 'HERALD_APP_ID', 'HERALD_APP_KEY', 'HERALD_APP_SECRET',
  'HERALD_APP_CLIENT_EVENTS', 'HERALD_MAX_EVENT_BYTES', 'HERALD_ACTIVITY_TIMEOUT', 'HERALD_PONG_TIMEOUT',
  'HERALD_MAX_CHANNELS_PER_CONNECTION', 'HERALD_MAX_PRESENCE_MEMBERS', 'HERALD_MAX_PRESENCE_USER_INFO_BYTES',
  'HERALD_CLIENT_EVENTS_PER_SECOND', 'HERALD_MAX_CHANNEL_NAME_LENGTH', 'HERALD_TRANSPORT',
  'HERALD_EVENT_LOOP_THREADS', 'HERALD_LOG_LEVEL',
];
const flagOf = (env) => `--${env.slice('HERALD_'.length).toLowerCase().replace(/_/g, '-')}`;

test('--help exits 0 and lists a flag for every setting of the contract', async () => {
  const out = await new Promise((resolve, reject) => {
    execFile('java', ['-jar', jarPath(), '--help'], { timeout: 20000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`--help failed: ${err.message}\n${stdout}${stderr}`));
      else resolve(stdout + stderr);
    });
  });
  const missing = SETTINGS.filter((env) => !out.includes(flagOf(env)));
  assert.deepEqual(missing.map(flagOf), [], `flags missing from --help:\n${out}`);
});

const warnLine = (log) => log.split('\n').find((l) => /WARN/i.test(l) && /secret/i.test(l));

test('settings given as flags (host, port, app key and secret, activity timeout); no default-secret warning', async () => {
  const secret = 'flag-secret-0123456789';
  const server = await startServer({}, {
    flags: ['--app-key', 'flag-key', '--app-secret', secret, '--activity-timeout', '7'],
  });
  try {
    const raw = new RawClient(server, { key: 'flag-key' });
    assert.equal((await raw.established()).activity_timeout, 7);
    const p = await connectClient(server, { key: 'flag-key', signer: sdk(server, { key: 'flag-key', secret }) });
    await subscribeOk(p, 'private-flag-channel');
    await (await sdk(server, { key: 'flag-key', secret }).get({ path: '/channels' })).json();
    const refused = new RawClient(server, { key: APP.key });
    assert.equal((await refused.waitClosed()).code, 4001, 'the default key is not served any more');
    const log = server.tail();
    assert.equal(warnLine(log), undefined, `no default-secret warning with a custom secret:\n${log}`);
    assert.ok(!log.includes(secret), 'the secret itself is never logged');
  } finally {
    disconnectAll();
    await server.stop();
  }
});

test('default settings: startup log names the app and warns about the default secret; ' +
  'shutdown sends pusher:error 4200 and close 4200, and pusher-js goes back to connecting', async () => {
  const server = await startServer({});
  let stopped = false;
  try {
    const log = server.tail();
    assert.match(log, /app-id/, `startup log names the app id:\n${log}`);
    assert.match(log, /app-key/, `startup log names the app key:\n${log}`);
    assert.ok(warnLine(log), `a WARN line about the default secret:\n${log}`);

    const raw = new RawClient(server);
    await raw.established();
    const p = createClient(server);
    await p.rec.waitUntil(() => p.connection.state === 'connected', { what: 'connected' });

    const stopping = server.stop();
    const close = await raw.waitClosed(10000);
    assert.equal(close.code, 4200, `close code; frames ${JSON.stringify(raw.raw)}`);
    const err = raw.messages.find((m) => m.event === 'pusher:error');
    assert.ok(err, 'pusher:error before the close');
    assert.equal(err.data.code, 4200);
    // 4200-4299 means "reconnect": pusher-js must not end up disconnected for good.
    await p.rec.waitUntil(() => p.rec.states.some((s) => s.previous === 'connected' &&
      ['connecting', 'unavailable'].includes(s.current)), { what: 'pusher-js reconnecting' });
    const exit = await stopping;
    stopped = true;
    assert.equal(exit.killed, false, 'the server exits on SIGTERM within 5 s');
  } finally {
    disconnectAll();
    if (!stopped) await server.stop();
  }
});
