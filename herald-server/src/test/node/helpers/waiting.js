'use strict';
// One way to wait: a probe re-evaluated whenever its owner records something new, bounded by a
// timeout whose message says what was awaited and what arrived (never fixed sleeps).

/**
 * Resolves with the first truthy value of probe(). The owner calls check() on every member of
 * `waiters` when it records an item; describe() builds the timeout message.
 */
function waitForProbe(waiters, probe, timeout, describe) {
  return new Promise((resolve, reject) => {
    const w = {
      check: () => {
        const v = probe();
        if (v) {
          clearTimeout(w.timer);
          waiters.delete(w);
          resolve(v);
        }
      },
    };
    w.timer = setTimeout(() => {
      waiters.delete(w);
      reject(new Error(describe()));
    }, timeout);
    waiters.add(w);
    w.check();
  });
}

module.exports = { waitForProbe };
