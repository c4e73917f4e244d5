package dev.herald.webhooks;

/**
 * One signed webhook request: the exact body bytes that were signed are the bytes sent.
 *
 * @param firstAttemptNanos when delivery of this batch started, for the retry window
 */
record Batch(byte[] body, String signature, int events, long createdNanos) {
}
