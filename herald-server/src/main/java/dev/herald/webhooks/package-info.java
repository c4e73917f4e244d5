/**
 * Webhooks: debounced, filtered per target, batched, signed, retried with backoff, and held in a
 * bounded outbox. Runs on its own thread; never blocks an event loop.
 */
package dev.herald.webhooks;
