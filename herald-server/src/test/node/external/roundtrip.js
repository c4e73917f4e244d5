'use strict';
// One round trip of the official libraries against a Herald server started by someone else (the
// container image, in ImageIT): pusher-js connects, subscribes to a private channel (authorized
// with the app secret), and receives an event that the node `pusher` SDK triggers through the
// signed HTTP API. On success it prints one JSON line {"socket_id", "channel", "event", "data"}
// and exits 0; otherwise it prints what went wrong and exits 1, within TIMEOUT_MS.
//
// The server is named by the variables it was configured with: HERALD_PORT, HERALD_APP_ID,
// HERALD_APP_KEY, HERALD_APP_SECRET; it is reached on 127.0.0.1.
//
// Outside test/: `node --test test/` must not run it as a test file of its own.

const PusherJS = require('pusher-js');
const PusherSDK = require('pusher');

const HOST = '127.0.0.1';
const TIMEOUT_MS = 20000;

function setting(name) {
  const value = process.env[name];
  if (!value) {
    process.stderr.write(`roundtrip: ${name} is not set\n`);
    process.exit(1);
  }
  return value;
}

const port = Number(setting('HERALD_PORT'));
const app = { id: setting('HERALD_APP_ID'), key: setting('HERALD_APP_KEY'), secret: setting('HERALD_APP_SECRET') };
const channel = `private-roundtrip-${process.pid}-${Date.now()}`;
const payload = { greeting: 'hello from the HTTP API', nonce: Math.random().toString(36).slice(2) };

const sdk = new PusherSDK({
  appId: app.id, key: app.key, secret: app.secret, host: HOST, port, useTLS: false, timeout: 10000,
});
const client = new PusherJS(app.key, {
  cluster: 'local',
  wsHost: HOST,
  wsPort: port,
  forceTLS: false,
  enabledTransports: ['ws'],
  disableStats: true,
  channelAuthorization: {
    customHandler: (params, callback) => {
      try {
        callback(null, sdk.authorizeChannel(params.socketId, params.channelName));
      } catch (e) {
        callback(e, null);
      }
    },
  },
});

let finished = false;
function finish(code, line) {
  if (finished) return;
  finished = true;
  clearTimeout(timer);
  (code === 0 ? process.stdout : process.stderr).write(`${line}\n`);
  client.disconnect();
  process.exitCode = code;
}

const states = [];
const timer = setTimeout(() => {
  finish(1, `roundtrip: no event within ${TIMEOUT_MS} ms; connection states: ${states.join(' -> ')}`);
}, TIMEOUT_MS);

client.connection.bind('state_change', (s) => states.push(s.current));
client.connection.bind('error', (e) => states.push(`error ${JSON.stringify(e && (e.data || e.error || e))}`));

const subscription = client.subscribe(channel);
subscription.bind('pusher:subscription_error', (e) => finish(1, `roundtrip: subscription refused: ${JSON.stringify(e)}`));
subscription.bind('greeting', (data) => {
  if (JSON.stringify(data) !== JSON.stringify(payload)) {
    finish(1, `roundtrip: received ${JSON.stringify(data)}, sent ${JSON.stringify(payload)}`);
    return;
  }
  finish(0, JSON.stringify({ socket_id: client.connection.socket_id, channel, event: 'greeting', data }));
});
subscription.bind('pusher:subscription_succeeded', () => {
  sdk.trigger(channel, 'greeting', payload).then(
    (res) => {
      if (res.status !== 200) finish(1, `roundtrip: trigger answered ${res.status}`);
    },
    (e) => finish(1, `roundtrip: trigger failed: ${e.status || ''} ${e.body || e.message}`),
  );
});
