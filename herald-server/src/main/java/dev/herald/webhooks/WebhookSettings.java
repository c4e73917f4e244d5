package dev.herald.webhooks;

import java.time.Duration;

/**
 * How webhooks are batched, debounced and retried (spec §6.3).
 *
 * @param batchMaxEvents a batch is sent when it holds this many events
 * @param batchMaxWait   ... or when its first event is this old
 * @param debounce       how long {@code channel_vacated} and {@code member_removed} wait, to be
 *                       cancelled by a re-occupation or the member's return
 * @param timeout        an attempt with no answer in this time has failed
 * @param retryFor       a batch is retried with exponential backoff for this long, then dropped
 * @param outboxLimit    batches waiting per target; past it the oldest are dropped
 */
public record WebhookSettings(int batchMaxEvents, Duration batchMaxWait, Duration debounce, Duration timeout,
        Duration retryFor, int outboxLimit) {

    public static final int DEFAULT_BATCH_MAX_EVENTS = 50;
    public static final Duration DEFAULT_BATCH_MAX_WAIT = Duration.ofMillis(250);
    public static final Duration DEFAULT_DEBOUNCE = Duration.ofSeconds(3);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(4);
    public static final Duration DEFAULT_RETRY_FOR = Duration.ofMinutes(5);
    public static final int DEFAULT_OUTBOX_LIMIT = 1_000;

    public WebhookSettings {
        if (batchMaxEvents <= 0 || outboxLimit <= 0) {
            throw new IllegalArgumentException("webhook batch size and outbox limit must be positive");
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
        return new WebhookSettings(DEFAULT_BATCH_MAX_EVENTS, DEFAULT_BATCH_MAX_WAIT, DEFAULT_DEBOUNCE,
                DEFAULT_TIMEOUT, DEFAULT_RETRY_FOR, DEFAULT_OUTBOX_LIMIT);
    }
}
