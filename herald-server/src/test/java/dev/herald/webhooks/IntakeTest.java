package dev.herald.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.apps.App;
import dev.herald.metrics.HeraldMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class IntakeTest {

    private static final long MAX_BYTES = 100_000;

    private final HeraldMetrics metrics = HeraldMetrics.inMemory();
    private final Intake intake =
            new Intake(
                    MAX_BYTES,
                    10_000,
                    new Drops(metrics, System::nanoTime, Duration.ofSeconds(10)));
    private final App a = App.of("a", "key-a", "secret-a");
    private final App b = App.of("b", "key-b", "secret-b");

    private static WebhookEvent junk(App app, int i) {
        return WebhookEvent.client(
                app, "private-chat", "client-typing", "x".repeat(500) + i, "1.2", null);
    }

    private List<WebhookEvent> drainAll() {
        List<WebhookEvent> out = new ArrayList<>();
        while (intake.drainTo(out, 100) > 0) {
            // keep going
        }
        return out;
    }

    private double dropped(String app, EventType type) {
        var counter =
                metrics.registry()
                        .find(HeraldMetrics.WEBHOOK_EVENTS_DROPPED)
                        .tag("app", app)
                        .tag("type", type.wireName())
                        .counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void staysWithinItsByteBoundAndCountsWhatItSheds() {
        for (int i = 0; i < 10_000; i++) {
            intake.offer(junk(a, i));
        }
        assertThat(intake.peakBytes()).isLessThanOrEqualTo(MAX_BYTES);
        assertThat(intake.bytes()).isGreaterThan(MAX_BYTES / 2);
        assertThat(dropped("a", EventType.CLIENT_EVENT)).isEqualTo(10_000 - intake.size());
        // the oldest went: what is left is the newest
        List<WebhookEvent> left = drainAll();
        assertThat(left.get(left.size() - 1).data()).endsWith("9999");
    }

    @Test
    void staysWithinItsEventBound() {
        Intake small =
                new Intake(
                        MAX_BYTES,
                        10,
                        new Drops(metrics, System::nanoTime, Duration.ofSeconds(10)));
        for (int i = 0; i < 100; i++) {
            small.offer(WebhookEvent.of(a, EventType.CACHE_MISS, "cache-" + i));
        }
        assertThat(small.size()).isEqualTo(10);
    }

    @Test
    void shedsLowRankedEventsBeforeOccupancyAndMembership() {
        List<WebhookEvent> important = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            intake.offer(junk(a, i));
            intake.offer(WebhookEvent.of(a, EventType.CACHE_MISS, "cache-" + i));
            if (i % 500 == 0) {
                WebhookEvent occupied = WebhookEvent.of(a, EventType.CHANNEL_OCCUPIED, "room-" + i);
                WebhookEvent joined =
                        WebhookEvent.member(a, EventType.MEMBER_ADDED, "presence-" + i, "u" + i);
                WebhookEvent count = WebhookEvent.count(a, "room-" + i, 3);
                intake.offer(occupied);
                intake.offer(joined);
                intake.offer(count);
                important.add(occupied);
                important.add(joined);
            }
        }
        assertThat(dropped("a", EventType.CLIENT_EVENT)).isPositive();
        assertThat(dropped("a", EventType.CACHE_MISS)).isPositive();
        assertThat(dropped("a", EventType.SUBSCRIPTION_COUNT)).isZero();
        assertThat(dropped("a", EventType.CHANNEL_OCCUPIED)).isZero();
        assertThat(dropped("a", EventType.MEMBER_ADDED)).isZero();
        List<WebhookEvent> left = drainAll();
        assertThat(left).containsAll(important);
        // arrival order survives across ranks
        assertThat(left.indexOf(important.get(0))).isLessThan(left.indexOf(important.get(2)));
    }

    @Test
    void dropsTheArrivingEventWhenEverythingQueuedOutranksIt() {
        int occupied = 0;
        while (intake.bytes()
                        + WebhookEvent.of(a, EventType.CHANNEL_OCCUPIED, "room-" + occupied).bytes()
                <= MAX_BYTES) {
            intake.offer(WebhookEvent.of(a, EventType.CHANNEL_OCCUPIED, "room-" + occupied++));
        }
        intake.offer(junk(a, 1));
        assertThat(dropped("a", EventType.CLIENT_EVENT)).isEqualTo(1);
        assertThat(dropped("a", EventType.CHANNEL_OCCUPIED)).isZero();
        assertThat(intake.size()).isEqualTo(occupied);
    }

    @Test
    void anotherAppsFloodNeverKeepsAQuietAppOut() {
        for (int i = 0; i < 10_000; i++) {
            intake.offer(junk(a, i));
        }
        WebhookEvent quiet = junk(b, 0);
        intake.offer(quiet);
        assertThat(dropped("b", EventType.CLIENT_EVENT)).isZero();
        assertThat(intake.peakBytes()).isLessThanOrEqualTo(MAX_BYTES);
        // round-robin: b's one event comes out second, not after a's backlog
        List<WebhookEvent> first = new ArrayList<>();
        intake.drainTo(first, 2);
        assertThat(first).contains(quiet);
    }

    @Test
    void aFloodingAppIsHeldToItsShareWhileAnotherUsesTheQueue() {
        for (int i = 0; i < 10_000; i++) {
            intake.offer(junk(b, i));
            intake.offer(junk(a, i));
            intake.offer(junk(a, -i));
        }
        List<WebhookEvent> left = drainAll();
        long bBytes =
                left.stream().filter(e -> e.app().equals(b)).mapToLong(WebhookEvent::bytes).sum();
        assertThat(bBytes).as("b keeps about half the queue").isGreaterThan(MAX_BYTES * 4 / 10);
    }
}
