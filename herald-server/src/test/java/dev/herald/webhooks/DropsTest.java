package dev.herald.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.herald.apps.App;
import dev.herald.metrics.HeraldMetrics;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DropsTest {

    private final HeraldMetrics metrics = HeraldMetrics.inMemory();
    private final AtomicLong now = new AtomicLong(TimeUnit.HOURS.toNanos(1));
    private final Drops drops = new Drops(metrics, now::get, Duration.ofSeconds(10));
    private final App a = App.of("a", "key-a", "secret-a");
    private final App b = App.of("b", "key-b", "secret-b");

    @Test
    void logsAtMostOneSummaryPerAppPerInterval() {
        try (LogCapture logs = new LogCapture()) {
            for (int i = 0; i < 10_000; i++) {
                drops.dropped(a, EventType.CLIENT_EVENT, Drops.Reason.QUEUE_FULL, 1);
            }
            assertThat(logs.at(Level.WARN)).hasSize(1);

            now.addAndGet(TimeUnit.SECONDS.toNanos(5));
            for (int i = 0; i < 500; i++) {
                drops.dropped(a, EventType.CACHE_MISS, Drops.Reason.OUTBOX_FULL, 2);
            }
            drops.reportDue();
            assertThat(logs.at(Level.WARN)).hasSize(1);

            now.addAndGet(TimeUnit.SECONDS.toNanos(5));
            drops.reportDue();
            assertThat(logs.at(Level.WARN)).hasSize(2);
            // the first line came with the first drop; the second counts everything after it
            assertThat(logs.at(Level.WARN).get(0)).contains(" 1 events");
            assertThat(logs.at(Level.WARN).get(1))
                    .contains("10999 events")
                    .contains("client_event queue_full=9999")
                    .contains("cache_miss outbox_full=1000");

            now.addAndGet(TimeUnit.SECONDS.toNanos(60));
            drops.reportDue();
            assertThat(logs.at(Level.WARN)).as("nothing new, nothing logged").hasSize(2);
        }
    }

    @Test
    void eachAppHasItsOwnSummary() {
        try (LogCapture logs = new LogCapture()) {
            drops.dropped(a, EventType.CLIENT_EVENT, Drops.Reason.QUEUE_FULL, 1);
            drops.dropped(b, EventType.CLIENT_EVENT, Drops.Reason.QUEUE_FULL, 1);
            drops.dropped(a, EventType.CLIENT_EVENT, Drops.Reason.QUEUE_FULL, 1);
            assertThat(logs.at(Level.WARN)).hasSize(2);
        }
    }

    @Test
    void countsEveryDropByAppTypeAndReason() {
        drops.dropped(a, EventType.CLIENT_EVENT, Drops.Reason.QUEUE_FULL, 3);
        drops.dropped(a, EventType.CHANNEL_OCCUPIED, Drops.Reason.EXPIRED, 2, "HTTP 500");
        assertThat(
                        metrics.registry()
                                .get(HeraldMetrics.WEBHOOK_EVENTS_DROPPED)
                                .tag("app", "a")
                                .tag("type", "client_event")
                                .tag("reason", "queue_full")
                                .counter()
                                .count())
                .isEqualTo(3);
        assertThat(
                        metrics.registry()
                                .get(HeraldMetrics.WEBHOOK_EVENTS_DROPPED)
                                .tag("app", "a")
                                .tag("type", "channel_occupied")
                                .tag("reason", "expired")
                                .counter()
                                .count())
                .isEqualTo(2);
    }
}
