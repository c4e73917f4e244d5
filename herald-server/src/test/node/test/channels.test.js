'use strict';
// Public and private subscriptions through pusher-js, and how it lives with a refused signature
// (4009). The channel name rules and the other refusals are tested in-process (ProtocolTest.java).

const { describe, test, afterEach } = require('../helpers/testing');
const assert = require('node:assert/strict');
const { useServer } = require('../helpers/server');
const {
  sdk, connectClient, disconnectAll, subscribeOk, subscribeRefused, pingPong, barrier,
  uniqueName,
} = require('../helpers/clients');

const server = useServer();
afterEach(disconnectAll);

describe('public channels', () => {
  test('subscribe succeeds and receives a triggered event with the exact data', async () => {
    const p = await connectClient(server);
    const name = uniqueName('public');
    const channel = await subscribeOk(p, name);
    const got = new Promise((resolve) => channel.bind('greeting', resolve));
    await sdk(server).trigger(name, 'greeting', { hello: 'world', n: 1 });
    assert.deepEqual(await got, { hello: 'world', n: 1 });
  });

  test('after unsubscribe no more events arrive on that channel', async () => {
    const p = await connectClient(server);
    const other = await connectClient(server);
    const name = uniqueName('unsub');
    await subscribeOk(p, name);
    await subscribeOk(other, name);
    p.unsubscribe(name);
    // The unsubscribe is processed before the ping that follows it on the same socket.
    await pingPong(p);
    const since = p.rec.mark();
    await sdk(server).trigger(name, 'after-unsub', { x: 1 });
    await barrier(sdk(server), name, [other]);
    // p is not subscribed any more, so use a channel it still has as the ordering barrier.
    const keep = uniqueName('keep');
    await subscribeOk(p, keep);
    await barrier(sdk(server), keep, [p]);
    assert.deepEqual(p.rec.all((m) => m.channel === name, since), []);
    assert.equal(other.rec.all((m) => m.event === 'after-unsub').length, 1);
  });
});

describe('private channels', () => {
  test('subscribe with a signature from the node SDK succeeds and receives events', async () => {
    const p = await connectClient(server);
    const name = uniqueName('private-ok');
    const channel = await subscribeOk(p, name);
    const got = new Promise((resolve) => channel.bind('secret', resolve));
    await sdk(server).trigger(name, 'secret', { s: 1 });
    assert.deepEqual(await got, { s: 1 });
  });

  test('a signature made with the wrong secret is refused with 4009; the connection stays usable', async () => {
    const wrong = sdk(server, { secret: 'not-the-secret' });
    const p = await connectClient(server, { signer: wrong });
    const name = uniqueName('private-bad');
    const { subscriptionError } = await subscribeRefused(p, name, 4009);
    assert.equal(typeof subscriptionError, 'object');
    assert.equal(p.connection.state, 'connected');
    // Still usable: a public channel, then a correctly signed private channel.
    await subscribeOk(p, uniqueName('public-after-refusal'));
    const good = await connectClient(server);
    await subscribeOk(good, uniqueName('private-good'));
    await pingPong(p);
  });

  test('refused subscriber does not receive events of that channel', async () => {
    const wrong = sdk(server, { secret: 'not-the-secret' });
    const bad = await connectClient(server, { signer: wrong });
    const good = await connectClient(server);
    const name = uniqueName('private-leak');
    await subscribeRefused(bad, name, 4009);
    await subscribeOk(good, name);
    const since = bad.rec.mark();
    await sdk(server).trigger(name, 'confidential', { c: 1 });
    await barrier(sdk(server), name, [good]);
    const keep = uniqueName('bad-barrier');
    await subscribeOk(bad, keep);
    await barrier(sdk(server), keep, [bad]);
    assert.deepEqual(bad.rec.all((m) => m.channel === name && m.event === 'confidential', since), []);
  });
});
