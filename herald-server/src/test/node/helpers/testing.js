'use strict';
// node:test with a default per-test timeout, so that a server that stops answering fails the
// test instead of hanging the run. Pass { timeout } to override.

const nodeTest = require('node:test');

const DEFAULT_TEST_TIMEOUT_MS = 30000;

function test(name, options, fn) {
  if (typeof options === 'function') {
    return nodeTest.test(name, { timeout: DEFAULT_TEST_TIMEOUT_MS }, options);
  }
  return nodeTest.test(name, { timeout: DEFAULT_TEST_TIMEOUT_MS, ...options }, fn);
}

module.exports = {
  test,
  describe: nodeTest.describe,
  before: nodeTest.before,
  after: nodeTest.after,
  beforeEach: nodeTest.beforeEach,
  afterEach: nodeTest.afterEach,
};
