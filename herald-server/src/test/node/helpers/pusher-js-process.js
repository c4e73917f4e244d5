'use strict';
// A pusher-js client in a process of its own, run by test/nginx.test.js.
//
// pusher-js's Node build opens its WebSocket with `new Client(url)` and no TLS options, so the
// only way to have it trust a test certificate is the one a real Node deployment would use:
// NODE_EXTRA_CA_CERTS, which Node reads once at start-up. Hence a child process.
//
// Configuration: argv[2] is JSON {key, options, channels}; `options` go to new Pusher() as they
// are. Writes one JSON line per thing that happens ({type: 'state' | 'subscribed' |
// 'subscription_error' | 'event' | 'error', ...}) to stdout; disconnects and exits when stdin
// closes.

const Pusher = require('pusher-js');

const { key, options, channels } = JSON.parse(process.argv[2]);
const emit = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);

if (process.env.PUSHER_JS_LOG) Pusher.logToConsole = true;
const pusher = new Pusher(key, options);
pusher.connection.bind('state_change', ({ current }) => {
  // The URL its WebSocket (faye-websocket's client) opened: wss://, and the path with the prefix.
  const connection = current === 'connected' ? pusher.connection.connection : null;
  const socket = connection && connection.transport && connection.transport.socket;
  emit({ type: 'state', current, socketId: pusher.connection.socket_id, url: socket ? socket.url : undefined });
  if (current === 'disconnected') process.exit(0);
});
pusher.connection.bind('error', (e) => emit({ type: 'error', error: JSON.stringify(e) }));
pusher.connection.bind('connected', () => {
  for (const name of channels) {
    const channel = pusher.subscribe(name);
    channel.bind('pusher:subscription_succeeded', () => emit({ type: 'subscribed', channel: name }));
    channel.bind('pusher:subscription_error', (e) => emit({ type: 'subscription_error', channel: name, error: e }));
    channel.bind_global((event, data) => {
      if (!event.startsWith('pusher:')) emit({ type: 'event', channel: name, event, data });
    });
  }
});

process.stdin.resume();
process.stdin.on('end', () => {
  if (pusher.connection.state === 'disconnected') process.exit(0);
  pusher.disconnect();
});
