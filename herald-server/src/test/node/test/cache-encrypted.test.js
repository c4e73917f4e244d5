'use strict';
// Cache channels with pusher-js (replay of the last HTTP event, or pusher:cache_miss; the server's
// rules, info=cache and the TTL are in-process in HttpApiTest$Cache) and
// end-to-end encrypted channels (the node SDK encrypts with encryptionMasterKeyBase64, pusher-js
// decrypts with the shared_secret from authorizeChannel; the server relays and refuses client
// events).

const { describe, test, afterEach } = require('../helpers/testing');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const nacl = require('tweetnacl');
const { useServer } = require('../helpers/server');
const {
  sdk, connectClient, disconnectAll, subscribeOk, subscribeRefused, pingPong, barrier, uniqueName, RawClient,
} = require('../helpers/clients');

const CACHE_TTL_SECONDS = 2;
const server = useServer({ HERALD_CACHE_TTL: CACHE_TTL_SECONDS });
afterEach(disconnectAll);

const MASTER_KEY = crypto.randomBytes(32).toString('base64');
const encSdk = () => sdk(server, { encryptionMasterKeyBase64: MASTER_KEY });
/** A pusher-js client whose auth endpoint is the SDK's authorizeChannel (with shared_secret). */
const encryptedClient = () => {
  const api = encSdk();
  return connectClient(server, { authorize: ({ socketId, channelName }) => api.authorizeChannel(socketId, channelName) });
};

/** The frames of `channel` at p (connection level, before any decryption), from index since. */
const framesOf = (p, channel, since = 0) => p.rec.all((m) => m.channel === channel, since);

/** Subscribes and resolves with {channel, frames}: the frames of that channel up to `until`. */
async function subscribeAndWait(p, name, until) {
  const since = p.rec.mark();
  const channel = await subscribeOk(p, name);
  await p.rec.waitFor((m) => m.channel === name && until(m), { since, what: `first event on ${name}` });
  return { channel, frames: framesOf(p, name, since) };
}

describe('cache channels', () => {
  test('a subscriber after triggers gets the last event right after subscription_succeeded', async () => {
    const ch = uniqueName('cache-last');
    const api = sdk(server);
    await api.trigger(ch, 'first', { n: 1 });
    await api.trigger(ch, 'second', { n: 2 });
    const p = await connectClient(server);
    const got = [];
    const pending = p.subscribe(ch);
    pending.bind('second', (d) => got.push(d));
    const { frames } = await subscribeAndWait(p, ch, (m) => m.event === 'second');
    assert.deepEqual(frames.map((m) => m.event), ['pusher_internal:subscription_succeeded', 'second']);
    assert.deepEqual(got, [{ n: 2 }]);

    // A later subscriber gets the replay; the one already subscribed does not get it again.
    const q = await connectClient(server);
    await subscribeAndWait(q, ch, (m) => m.event === 'second');
    await barrier(api, ch, [p, q]);
    assert.deepEqual(framesOf(p, ch).map((m) => m.event),
      ['pusher_internal:subscription_succeeded', 'second', 'test-marker']);
    assert.equal(framesOf(q, ch).filter((m) => m.event === 'first').length, 0);
  });

  test('an empty cache: pusher:cache_miss, bound on the channel, right after subscription_succeeded', async () => {
    const ch = uniqueName('cache-empty');
    const p = await connectClient(server);
    const channel = p.subscribe(ch);
    const miss = new Promise((resolve) => channel.bind('pusher:cache_miss', (data) => resolve(data === undefined ? 'no data' : data)));
    const { frames } = await subscribeAndWait(p, ch, (m) => m.event === 'pusher:cache_miss');
    assert.deepEqual(frames.map((m) => m.event), ['pusher_internal:subscription_succeeded', 'pusher:cache_miss']);
    await miss;
    const raw = new RawClient(server);
    const reply = await raw.subscribe(ch);
    assert.equal(reply.event, 'pusher_internal:subscription_succeeded');
    const rawMiss = await raw.waitFor((m) => m.event === 'pusher:cache_miss');
    assert.equal(rawMiss.channel, ch);
  });
});

describe('end-to-end encrypted channels', () => {
  test('an event encrypted by the node SDK is decrypted by pusher-js; the wire carries only ciphertext', async () => {
    const ch = uniqueName('private-encrypted-room');
    const p = await encryptedClient();
    const q = await encryptedClient();
    const chP = await subscribeOk(p, ch);
    const chQ = await subscribeOk(q, ch);
    const gotP = new Promise((resolve) => chP.bind('secret', resolve));
    const gotQ = new Promise((resolve) => chQ.bind('secret', resolve));
    await encSdk().trigger(ch, 'secret', { text: 'the plaintext', n: 7 });
    assert.deepEqual(await gotP, { text: 'the plaintext', n: 7 });
    assert.deepEqual(await gotQ, { text: 'the plaintext', n: 7 });
    const frame = p.rec.all((m) => m.event === 'secret' && m.channel === ch)[0];
    assert.deepEqual(Object.keys(frame.data).sort(), ['ciphertext', 'nonce']);
    assert.ok(!JSON.stringify(frame).includes('the plaintext'));
  });

  test('the ciphertext is relayed byte for byte', async () => {
    const ch = uniqueName('private-encrypted-exact');
    const api = encSdk();
    const key = new Uint8Array(api.channelSharedSecret(ch));
    const nonce = nacl.randomBytes(24);
    const box = nacl.secretbox(Buffer.from(JSON.stringify({ exact: true })), nonce, key);
    const data = JSON.stringify({ nonce: Buffer.from(nonce).toString('base64'), ciphertext: Buffer.from(box).toString('base64') });
    const raw = new RawClient(server);
    const { socket_id: socketId } = await raw.established();
    const reply = await raw.subscribe(ch, api.authorizeChannel(socketId, ch));
    assert.equal(reply.event, 'pusher_internal:subscription_succeeded');
    const p = await encryptedClient();
    const chP = await subscribeOk(p, ch);
    const got = new Promise((resolve) => chP.bind('exact', resolve));
    // Posted through the SDK's signed request as is, so the test knows the exact bytes.
    await sdk(server).post({ path: '/events', body: { name: 'exact', channels: [ch], data } });
    const frame = await raw.waitFor((m) => m.event === 'exact');
    assert.equal(frame.data, data);
    assert.deepEqual(await got, { exact: true });
  });

  test('private-encrypted-cache- replays the encrypted event, pusher-js decrypts it', async () => {
    const ch = uniqueName('private-encrypted-cache-room');
    await encSdk().trigger(ch, 'kept', { cached: 'secret' });
    const p = await encryptedClient();
    const channel = p.subscribe(ch);
    const got = new Promise((resolve) => channel.bind('kept', resolve));
    assert.deepEqual(await got, { cached: 'secret' });
  });

  test('client events: pusher-js refuses to send them; sent anyway, the server refuses with 4303', async () => {
    const ch = uniqueName('private-encrypted-ce');
    const a = await encryptedClient();
    const b = await encryptedClient();
    const chA = await subscribeOk(a, ch);
    await subscribeOk(b, ch);
    assert.throws(() => chA.trigger('client-x', { x: 1 }), /not currently supported/);
    const since = a.rec.mark();
    assert.equal(a.connection.send_event('client-x', { x: 1 }, ch), true);
    const err = await a.rec.waitForError(4303, { since });
    assert.ok(err.message.length > 0);
    // ordering barrier: an encrypted marker triggered afterwards reached b
    await encSdk().trigger(ch, 'enc-marker', {});
    await b.rec.waitFor((m) => m.event === 'enc-marker' && m.channel === ch);
    assert.equal(b.rec.all((m) => m.event === 'client-x').length, 0);
    await pingPong(a);
  });

  test('a private-encrypted- subscription with a wrong signature is refused with 4009', async () => {
    const bad = sdk(server, { secret: 'wrong-secret', encryptionMasterKeyBase64: MASTER_KEY });
    const p = await connectClient(server, { authorize: ({ socketId, channelName }) => bad.authorizeChannel(socketId, channelName) });
    await subscribeRefused(p, uniqueName('private-encrypted-badsig'), 4009);
  });
});
