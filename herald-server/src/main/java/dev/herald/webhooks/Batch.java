package dev.herald.webhooks;

/**
 * One signed webhook request: the exact body bytes that were signed are the bytes sent.
 *
 * @param typeCounts how many events of each {@link EventType} (by ordinal) the body holds, for
 *     counting drops by type
 * @param rank the highest {@link EventType#rank()} among its events: an outbox sheds lower-ranked
 *     batches first
 * @param createdNanos when the batch was built, for the retry window
 */
record Batch(
        byte[] body, String signature, int events, int[] typeCounts, int rank, long createdNanos) {

    /** The record, its arrays' headers and the outbox slot, beside the body and signature. */
    private static final int FIXED_BYTES = 160;

    /** Heap held while the batch waits: what an outbox's byte bound counts. */
    long bytes() {
        return FIXED_BYTES + body.length + 2L * signature.length();
    }
}
