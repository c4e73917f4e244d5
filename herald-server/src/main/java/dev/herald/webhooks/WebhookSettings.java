package dev.herald.webhooks;

import java.time.Duration;

/**
 * How webhooks are batched, debounced and retried (docs/protocol.md §6.3).
 *
 * @param batchMaxEvents a batch is sent when it holds this many events
 * @param batchMaxWait ... or when its first event is this old
 * @param debounce how long {@code channel_vacated} and {@code member_removed} wait, to be cancelled
 *     by a re-occupation or the member's return
 * @param timeout an attempt with no answer in this time has failed
 * @param retryFor a batch is retried with exponential backoff for this long, then dropped
 * @param outboxLimit batches held per target, the one in flight included; past it the lowest-ranked
 *     oldest batch is dropped ({@link EventType})
 * @param outboxMaxBytes bytes of batches held per target, the same way
 * @param queueMaxEvents events waiting for the webhook thread, all apps together; past it events
 *     are shed by rank and fair share ({@link Intake})
 * @param queueMaxBytes estimated bytes of those events, the same way
 */
public record WebhookSettings(
        int batchMaxEvents,
        Duration batchMaxWait,
        Duration debounce,
        Duration timeout,
        Duration retryFor,
        int outboxLimit,
        long outboxMaxBytes,
        int queueMaxEvents,
        long queueMaxBytes) {

    public static final int DEFAULT_BATCH_MAX_EVENTS = 50;
    public static final Duration DEFAULT_BATCH_MAX_WAIT = Duration.ofMillis(250);
    public static final Duration DEFAULT_DEBOUNCE = Duration.ofSeconds(3);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(4);
    public static final Duration DEFAULT_RETRY_FOR = Duration.ofMinutes(5);
    public static final int DEFAULT_OUTBOX_LIMIT = 1_000;
    public static final long DEFAULT_OUTBOX_MAX_BYTES = 8L << 20;
    public static final int DEFAULT_QUEUE_MAX_EVENTS = 100_000;
    public static final long DEFAULT_QUEUE_MAX_BYTES = 32L << 20;

    /** Room for a batch of large client events: smaller bounds would drop them whole. */
    public static final long MIN_BYTES = 1L << 20;

    public WebhookSettings {
        if (batchMaxEvents <= 0 || outboxLimit <= 0) {
            throw new IllegalArgumentException(
                    "webhook batch size and outbox limit must be positive");
        }
        if (queueMaxEvents <= 0) {
            throw new IllegalArgumentException(
                    "--webhook-queue-max-events (HERALD_WEBHOOK_QUEUE_MAX_EVENTS) must be "
                            + "positive, got "
                            + queueMaxEvents);
        }
        if (outboxMaxBytes < MIN_BYTES) {
            throw new IllegalArgumentException(
                    "--webhook-outbox-max-bytes (HERALD_WEBHOOK_OUTBOX_MAX_BYTES) must be at "
                            + "least "
                            + MIN_BYTES
                            + ", got "
                            + outboxMaxBytes);
        }
        if (queueMaxBytes < MIN_BYTES) {
            throw new IllegalArgumentException(
                    "--webhook-queue-max-bytes (HERALD_WEBHOOK_QUEUE_MAX_BYTES) must be at "
                            + "least "
                            + MIN_BYTES
                            + ", got "
                            + queueMaxBytes);
        }
        for (Duration d : new Duration[] {batchMaxWait, debounce, timeout, retryFor}) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException("webhook durations must not be negative");
            }
        }
        if (timeout.isZero()) {
            throw new IllegalArgumentException("webhook timeout must be positive");
        }
    }

    public static WebhookSettings defaults() {
        return new WebhookSettings(
                DEFAULT_BATCH_MAX_EVENTS,
                DEFAULT_BATCH_MAX_WAIT,
                DEFAULT_DEBOUNCE,
                DEFAULT_TIMEOUT,
                DEFAULT_RETRY_FOR,
                DEFAULT_OUTBOX_LIMIT,
                DEFAULT_OUTBOX_MAX_BYTES,
                DEFAULT_QUEUE_MAX_EVENTS,
                DEFAULT_QUEUE_MAX_BYTES);
    }
}
