'use strict';
// Public and private subscriptions, signature refusal (4009), channel name rules (4302).

const { describe, test, afterEach } = require('../helpers/testing');
const assert = require('node:assert/strict');
const { useServer } = require('../helpers/server');
const {
  sdk, connectClient, disconnectAll, subscribeOk, subscribeRefused, pingPong, barrier,
  uniqueName, RawClient,
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

  test('subscription_succeeded data is "{}" on the wire', async () => {
    const c = new RawClient(server);
    await c.established();
    const name = uniqueName('public-raw');
    c.send({ event: 'pusher:subscribe', data: { auth: '', channel: name } });
    const ok = await c.waitFor((m) => m.event === 'pusher_internal:subscription_succeeded');
    assert.equal(ok.channel, name);
    assert.equal(ok.data, '{}');
  });

  test('subscribing twice is idempotent: subscription_succeeded again', async () => {
    const c = new RawClient(server);
    await c.established();
    const name = uniqueName('twice');
    c.send({ event: 'pusher:subscribe', data: { channel: name } });
    await c.waitFor((m) => m.event === 'pusher_internal:subscription_succeeded' && m.channel === name);
    const since = c.mark();
    c.send({ event: 'pusher:subscribe', data: { channel: name } });
    await c.waitFor((m) => m.event === 'pusher_internal:subscription_succeeded' && m.channel === name, { since });
  });

  test('subscribe data given as a JSON string is accepted too', async () => {
    const c = new RawClient(server);
    await c.established();
    const name = uniqueName('string-data');
    c.send({ event: 'pusher:subscribe', data: JSON.stringify({ channel: name }) });
    await c.waitFor((m) => m.event === 'pusher_internal:subscription_succeeded' && m.channel === name);
  });

  test('unsubscribing from a channel never joined is ignored silently', async () => {
    const c = new RawClient(server);
    await c.established();
    const since = c.mark();
    c.send({ event: 'pusher:unsubscribe', data: { channel: uniqueName('never-joined') } });
    await c.ping();
    assert.deepEqual(c.messages.slice(since).map((m) => m.event), ['pusher:pong']);
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

  test('a signature for another socket_id is refused with 4009', async () => {
    const p = await connectClient(server, {
      authorize: ({ channelName }) => sdk(server).authorizeChannel('1234.5678', channelName),
    });
    await subscribeRefused(p, uniqueName('private-other-socket'), 4009);
  });

  test('an auth whose key part is not the app key is refused with 4009', async () => {
    const p = await connectClient(server, {
      authorize: ({ socketId, channelName }) => {
        const { auth } = sdk(server).authorizeChannel(socketId, channelName);
        return { auth: `other-key:${auth.split(':')[1]}` };
      },
    });
    await subscribeRefused(p, uniqueName('private-other-key'), 4009);
  });

  test('a missing auth is refused with 4009', async () => {
    const p = await connectClient(server, { authorize: () => ({ auth: '' }) });
    await subscribeRefused(p, uniqueName('private-no-auth'), 4009);
  });

  test('auth signed for the right key is accepted even for a long valid name', async () => {
    const p = await connectClient(server);
    const base = `private-${'a'.repeat(100)}`;
    const name = `${base}${'b'.repeat(200 - base.length)}`;
    assert.equal(name.length, 200);
    await subscribeOk(p, name);
  });
});

describe('channel names', () => {
  test('names with every allowed character and 200 characters are accepted', async () => {
    const p = await connectClient(server);
    await subscribeOk(p, `Az09_-=@,.;${uniqueName('x')}`);
    await subscribeOk(p, 'n'.repeat(200));
  });

  test('a name with a forbidden character is refused with 4302; the connection stays usable', async () => {
    const p = await connectClient(server);
    await subscribeRefused(p, 'bad name!', 4302);
    await subscribeRefused(p, 'bad/name', 4302);
    await subscribeOk(p, uniqueName('good-after-bad-name'));
  });

  test('a 201-character name is refused with 4302', async () => {
    const p = await connectClient(server);
    await subscribeRefused(p, 'n'.repeat(201), 4302);
    await pingPong(p);
  });

  test('an empty channel name is refused with 4302', async () => {
    const c = new RawClient(server);
    await c.established();
    c.send({ event: 'pusher:subscribe', data: { auth: '', channel: '' } });
    const err = await c.waitFor((m) => m.event === 'pusher:error');
    assert.equal(err.data.code, 4302);
    await c.ping();
  });

  test('#server-to-user- of a socket that is not signed in is refused', async () => {
    const c = new RawClient(server);
    await c.established();
    c.send({ event: 'pusher:subscribe', data: { auth: '', channel: '#server-to-user-42' } });
    const err = await c.waitFor((m) => m.event === 'pusher:error');
    // 4009 once sign-in exists (refused for another user); 4302 while '#' names are invalid.
    assert.ok([4009, 4302].includes(err.data.code), JSON.stringify(err));
    assert.ok(!c.messages.some((m) => m.event === 'pusher_internal:subscription_succeeded'));
    await c.ping();
  });
});
