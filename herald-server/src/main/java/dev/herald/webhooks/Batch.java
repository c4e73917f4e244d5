package dev.herald.webhooks;

/**
 * One signed webhook request: the exact body bytes that were signed are the bytes sent.
 *
 * @param id what the delivery log and a replay know it by
 * @param typeCounts how many events of each {@link EventType} (by ordinal) the body holds, for
 *     counting drops by type
 * @param rank the highest {@link EventType#rank()} among its events: an outbox sheds lower-ranked
 *     batches first
 * @param firstType the type of its first event, which the debug stream names
 * @param createdNanos when the batch was built, for the retry window
 * @param createdMillis the same on the wall clock, for the delivery log
 * @param replayOf the failed batch this one sends again, else {@code null}
 */
record Batch(
        String id,
        byte[] body,
        String signature,
        int events,
        int[] typeCounts,
        int rank,
        EventType firstType,
        long createdNanos,
        long createdMillis,
        WebhookHistory.Kept replayOf) {

    /**
     * The record, its arrays' headers, its id and the outbox slot, beside the body and signature.
     */
    private static final int FIXED_BYTES = 224;

    /** Heap held while the batch waits: what an outbox's byte bound counts. */
    long bytes() {
        return FIXED_BYTES + body.length + 2L * signature.length();
    }
}
