package dev.herald.webhooks;

import java.util.List;
import java.util.Map;

/**
 * What one node did with one app's webhooks lately, for the console: {@link
 * WebhookDispatcher#report}. A copy: it does not change as deliveries go on.
 *
 * @param app the app's id
 * @param targets each target with deliveries in the log, with its most recent deliveries
 * @param failed the batches given up, newest first: those kept for replay, and those listed in the
 *     log but not kept (shed under overload, evicted from the replay store, too large for it)
 * @param drops webhook events given up since the node started, by type and reason (as {@code
 *     herald_webhook_events_dropped_total})
 * @param kept how much the replay store holds for this app, and what it evicted
 */
public record WebhookReport(
        String app,
        List<TargetLog> targets,
        List<FailedBatch> failed,
        List<DropCount> drops,
        Kept kept) {

    public WebhookReport {
        targets = List.copyOf(targets);
        failed = List.copyOf(failed);
        drops = List.copyOf(drops);
    }

    /** What became of a batch. */
    public enum Outcome {
        /** A receiver answered 2xx. */
        DELIVERED,
        /** The last attempt failed and another is due ({@code nextRetryAt}), or in flight. */
        RETRYING,
        /** Still failing when the retry window ran out: given up. */
        FAILED,
        /** Dropped from a full outbox before it was delivered: its events were not kept. */
        SHED;

        /** The name the console shows: {@code delivered}, {@code retrying}... */
        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * One target's log, most recent delivery first (by its last attempt).
     *
     * @param target the receiver's URL, any password in it masked
     */
    public record TargetLog(String target, List<Delivery> deliveries) {
        public TargetLog {
            deliveries = List.copyOf(deliveries);
        }
    }

    /**
     * One batch and its attempts so far: the log keeps no body.
     *
     * @param id the batch's id, what {@link WebhookDispatcher#replay} takes
     * @param time when the batch was made, milliseconds since the epoch
     * @param target the receiver's URL, any password in it masked
     * @param events how many events the batch holds
     * @param eventTypes how many of each webhook event name ({@code channel_occupied}...), in a
     *     fixed order
     * @param firstEvent the first event's webhook name
     * @param bytes the body's size
     * @param status the last attempt's HTTP status, or -1 when it had none (then see {@code
     *     reason}); 0 for a batch shed before any attempt
     * @param reason why the last attempt got no status ({@code timeout}, {@code connection
     *     refused}...), or why the batch was shed; else {@code null}
     * @param attempts attempts made
     * @param latencyMs how long the last attempt took, or -1 when none was made
     * @param nextRetryAt when the next attempt is due, milliseconds since the epoch; {@code null}
     *     when none is scheduled (including while a retry is in flight)
     * @param outcome what became of it so far
     * @param replayable kept in the replay store and not being replayed now
     * @param replayOf the id of the failed batch this one replays, else {@code null}
     */
    public record Delivery(
            String id,
            long time,
            String target,
            int events,
            Map<String, Integer> eventTypes,
            String firstEvent,
            long bytes,
            int status,
            String reason,
            int attempts,
            long latencyMs,
            Long nextRetryAt,
            Outcome outcome,
            boolean replayable,
            String replayOf) {}

    /**
     * A batch given up.
     *
     * @param id the batch's id
     * @param time when the batch was made, milliseconds since the epoch
     * @param failedAt when it was given up or shed
     * @param target the receiver's URL, any password in it masked
     * @param bytes the body's size
     * @param outcome {@link Outcome#FAILED} or {@link Outcome#SHED}
     * @param status the last attempt's HTTP status, -1 when it had none, 0 when none was made
     * @param reason why the last attempt got no status, or why it was shed; else {@code null}
     * @param attempts attempts made
     * @param replayable whether {@link WebhookDispatcher#replay} can send it again now
     * @param notReplayable why not, when it cannot; else {@code null}
     */
    public record FailedBatch(
            String id,
            long time,
            long failedAt,
            String target,
            int events,
            Map<String, Integer> eventTypes,
            long bytes,
            Outcome outcome,
            int status,
            String reason,
            int attempts,
            boolean replayable,
            String notReplayable) {}

    /**
     * Webhook events given up.
     *
     * @param type the webhook event name
     * @param reason {@code queue_full}, {@code outbox_full} or {@code expired}
     */
    public record DropCount(String type, String reason, long events) {}

    /**
     * The app's share of the replay store.
     *
     * @param batches batches kept now
     * @param bytes their estimated heap
     * @param evictedByCount batches evicted since the node started because the app kept {@value
     *     WebhookHistory#KEPT_MAX_BATCHES}
     * @param evictedByBytes ... because it kept {@value WebhookHistory#KEPT_MAX_BYTES} bytes
     * @param evictedNodeWide ... because all apps together kept {@value
     *     WebhookHistory#KEPT_MAX_TOTAL_BYTES} bytes and this app held the most
     * @param tooLarge failed batches not kept at all, each larger than the app's whole share
     */
    public record Kept(
            int batches,
            long bytes,
            long evictedByCount,
            long evictedByBytes,
            long evictedNodeWide,
            long tooLarge) {}
}
