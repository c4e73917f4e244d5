'use strict';
// The signing test vectors of docs/protocol.md (§3.3, §4.1, §5.2) as the official
// node SDK computes them. The server is checked against the same algorithm by every other test
// file, which signs with this SDK; this file pins the vectors themselves. No server needed.

const { test } = require('../helpers/testing');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const PusherSDK = require('pusher');

const api = new PusherSDK({ appId: '3', key: '278d425bdf160c739803', secret: '7ad3773142a6692b25b8' });

function withFixedNow(seconds, fn) {
  const realNow = Date.now;
  Date.now = () => seconds * 1000;
  try {
    return fn();
  } finally {
    Date.now = realNow;
  }
}

test('private channel authorization vector', () => {
  assert.deepEqual(api.authorizeChannel('1234.1234', 'private-foobar'), {
    auth: '278d425bdf160c739803:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4',
  });
});

test('presence channel authorization vector', () => {
  const r = api.authorizeChannel('1234.1234', 'presence-foobar', { user_id: 10, user_info: { name: 'Mr. Channels' } });
  assert.equal(r.channel_data, '{"user_id":10,"user_info":{"name":"Mr. Channels"}}');
  assert.equal(r.auth, '278d425bdf160c739803:31935e7d86dba64c2a90aed31fdc61869f9b22ba9d8863bba239c03ca481bc80');
});

test('user sign-in vector', () => {
  const r = api.authenticateUser('1234.1234', { id: '12345', user_info: { name: 'Mr. Channels' }, watchlist: ['2', '3'] });
  assert.equal(r.auth, '278d425bdf160c739803:e630d6ef88d2dadf1902cf47ea191bd047bda28fe137bb70dee13a445ce5646f');
});

test('HTTP POST signing vector', () => {
  const body = '{"name":"foo","channels":["project-3"],"data":"{\\"some\\":\\"data\\"}"}';
  const qs = withFixedNow(1353088179, () => api.createSignedQueryString({ method: 'POST', path: '/apps/3/events', body }));
  assert.equal(qs, 'auth_key=278d425bdf160c739803&auth_timestamp=1353088179&auth_version=1.0' +
    '&body_md5=ec365a775a4cd0599faeb73354201b6f' +
    '&auth_signature=da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c');
});

test('HTTP GET signing vector (unescaped params, sorted)', () => {
  const qs = withFixedNow(1353088179, () => api.createSignedQueryString({
    method: 'GET', path: '/apps/3/channels', params: { info: 'user_count', filter_by_prefix: 'presence-' },
  }));
  assert.ok(qs.endsWith('&auth_signature=16819168891cb5dfd72b5c7a5d3d602605b26c6ba1930033b5e2eeeb65010291'), qs);
});

test('webhook signature vector', () => {
  const body = '{"time_ms":1327078148132,"events":[{"name":"channel_occupied","channel":"test_channel"}]}';
  const sig = crypto.createHmac('sha256', '7ad3773142a6692b25b8').update(body).digest('hex');
  assert.equal(sig, '709fdb84c03664445f7698120b0edf0acc1ab1c8c6e93a0368c61841d6b998aa');
  const hook = api.webhook({
    headers: { 'x-pusher-key': '278d425bdf160c739803', 'x-pusher-signature': sig, 'content-type': 'application/json' },
    rawBody: body,
  });
  assert.equal(hook.isValid(), true);
});
