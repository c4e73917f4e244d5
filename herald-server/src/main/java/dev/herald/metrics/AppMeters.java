package dev.herald.metrics;

import io.micrometer.core.instrument.Counter;

/**
 * One app's traffic meters, looked up once per connection or publication and then incremented
 * directly; hot loops add their totals once per batch rather than once per delivery.
 */
public record AppMeters(
        Counter connectionsOpened,
        Counter messagesReceived,
        Counter bytesReceived,
        Counter messagesSent,
        Counter bytesSent,
        Counter clientEvents,
        Counter clientEventsRateLimited,
        Counter slowConsumerCloses,
        Counter messageRateCloses) {

    /** Meters that count nothing, for tests and embedding. */
    public static final AppMeters NOOP = HeraldMetrics.inMemory().forApp("-");
}
