'use strict';
// Triggers events with the official node `pusher` SDK on request, for Java tests that need the
// node SDK's own requests (ConsoleBrowserIT). It warms up with one trigger to WARM_CHANNEL, prints
// "ready", then reads lines from stdin, each a JSON object {"channel", "event", "data"}, triggers
// it and prints "sent <status>" once the server has answered. Ends at the end of stdin.
//
// The server: HERALD_PORT, HERALD_APP_ID, HERALD_APP_KEY, HERALD_APP_SECRET, on 127.0.0.1.
// Outside test/: `node --test test/` must not run it as a test file of its own.

const PusherSDK = require('pusher');
const readline = require('node:readline');

function setting(name) {
  const value = process.env[name];
  if (!value) {
    process.stderr.write(`trigger: ${name} is not set\n`);
    process.exit(1);
  }
  return value;
}

const sdk = new PusherSDK({
  appId: setting('HERALD_APP_ID'),
  key: setting('HERALD_APP_KEY'),
  secret: setting('HERALD_APP_SECRET'),
  host: '127.0.0.1',
  port: Number(setting('HERALD_PORT')),
  useTLS: false,
  timeout: 10000,
});

async function main() {
  const warm = await sdk.trigger(setting('WARM_CHANNEL'), 'warm-up', {});
  process.stdout.write(`ready ${warm.status}\n`);
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const { channel, event, data } = JSON.parse(line);
    const res = await sdk.trigger(channel, event, data);
    process.stdout.write(`sent ${res.status}\n`);
  }
}

main().catch((e) => {
  process.stderr.write(`trigger: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
