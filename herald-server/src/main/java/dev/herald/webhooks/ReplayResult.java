package dev.herald.webhooks;

/**
 * The answer to {@link WebhookDispatcher#replay}.
 *
 * @param status what happened
 * @param message one sentence for the console, never longer than a few hundred characters
 * @param deliveryId the id the replay has in the delivery log, when {@link Status#REPLAYED}; else
 *     {@code null}
 */
public record ReplayResult(Status status, String message, String deliveryId) {

    public enum Status {
        /**
         * Queued again in its target's outbox, signed afresh; it stays in the replay store (not
         * replayable meanwhile) until delivered.
         */
        REPLAYED,
        /** No batch of that app has that id: never, or no longer, in the store or the log. */
        NOT_FOUND,
        /** Known, but its events were not kept (shed, evicted, too large), or it is being sent. */
        NOT_REPLAYABLE,
        /** The dispatcher is closed. */
        UNAVAILABLE
    }

    static ReplayResult replayed(String message, String deliveryId) {
        return new ReplayResult(Status.REPLAYED, message, deliveryId);
    }

    static ReplayResult refused(Status status, String message) {
        return new ReplayResult(status, message, null);
    }
}
