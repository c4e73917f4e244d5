package dev.herald.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import dev.herald.apps.App;
import dev.herald.apps.WebhookTarget;
import dev.herald.auth.Authenticators;
import dev.herald.metrics.HeraldMetrics;
import dev.herald.protocol.Member;
import dev.herald.testing.WebhookReceiver;
import io.micrometer.core.instrument.Counter;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * One app's flood of low-value webhook events against a receiver that accepts and never answers,
 * while another app's receiver is healthy: the dispatcher's memory stays within its bounds, the
 * junk is shed (and counted) before occupancy and membership events, and the other app's webhooks
 * keep arriving promptly.
 */
@DisplayName("issue #13 finding 5: webhooks stay bounded and fair under a flood")
class WebhookFloodTest {

    private static final long QUEUE_BYTES = 1 << 20;
    private static final long OUTBOX_BYTES = 1 << 20;
    private static final int FLOOD_THREADS = 2;
    private static final int FLOOD_EVENTS = 60_000; // per thread, two webhook events each
    private static final int IMPORTANT_EVERY = 3_000;

    private final WebhookReceiver stalled = WebhookReceiver.stalled();
    private final WebhookReceiver healthy = WebhookReceiver.start();
    private final HeraldMetrics metrics = HeraldMetrics.inMemory();
    private final App flooder =
            App.of("a", "key-a", "secret-a")
                    .withWebhooks(List.of(WebhookTarget.all(stalled.url())));
    private final App quiet =
            App.of("b", "key-b", "secret-b")
                    .withWebhooks(List.of(WebhookTarget.all(healthy.url())));
    private final WebhookSettings settings =
            new WebhookSettings(
                    50,
                    Duration.ofMillis(20),
                    Duration.ofMillis(100),
                    Duration.ofSeconds(2),
                    Duration.ofMinutes(5),
                    1_000,
                    OUTBOX_BYTES,
                    100_000,
                    QUEUE_BYTES);
    private final WebhookDispatcher dispatcher =
            new WebhookDispatcher(settings, new Authenticators(), metrics, new ClusterCounts());

    @AfterEach
    void close() {
        dispatcher.close(Duration.ZERO);
        stalled.close();
        healthy.close();
    }

    @Test
    void aFloodIsShedWithinTheBoundsWhileAnotherAppIsServedPromptly() throws Exception {
        // steady state first: JSON, signing and the HTTP client are loaded and connected
        dispatcher.channelOccupied(quiet, "warm-up");
        dispatcher.channelOccupied(flooder, "warm-up");
        await().atMost(Duration.ofSeconds(10)).until(() -> healthy.events().size() == 1);
        healthy.clear();
        long heapBefore = liveHeap();
        Map<String, Long> raised = new ConcurrentHashMap<>();
        AtomicBoolean flooding = new AtomicBoolean(true);
        List<Thread> floods = new ArrayList<>();
        try (LogCapture logs = new LogCapture()) {
            for (int t = 0; t < FLOOD_THREADS; t++) {
                floods.add(new Thread(new Flood(t), "flood-" + t));
            }
            floods.forEach(Thread::start);
            Thread other =
                    new Thread(
                            () -> {
                                for (int i = 0; flooding.get(); i++) {
                                    raised.put("b-" + i, System.nanoTime());
                                    dispatcher.channelOccupied(quiet, "b-" + i);
                                    sleep(20);
                                }
                            },
                            "quiet-app");
            other.start();
            for (Thread flood : floods) {
                flood.join();
            }
            long heapDuring = liveHeap();
            flooding.set(false);
            other.join();

            // every one of the quiet app's events arrives, and promptly
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> healthy.events().size() >= raised.size());
            long worstMillis = 0;
            for (WebhookReceiver.Delivery delivery : healthy.accepted()) {
                for (JsonNode event : delivery.events()) {
                    assertThat(event.path("name").asText()).isEqualTo("channel_occupied");
                    long delay =
                            delivery.receivedNanos() - raised.get(event.path("channel").asText());
                    worstMillis = Math.max(worstMillis, TimeUnit.NANOSECONDS.toMillis(delay));
                }
            }
            assertThat(healthy.events()).hasSize(raised.size());
            assertThat(worstMillis).as("the quiet app's slowest webhook, ms").isLessThan(3_000);

            // the dispatcher's own accounting never passed its bounds
            assertThat(dispatcher.peakQueuedBytes()).isPositive().isLessThanOrEqualTo(QUEUE_BYTES);
            assertThat(dispatcher.peakOutboxBytes()).isPositive().isLessThanOrEqualTo(OUTBOX_BYTES);

            // the junk was shed and counted; occupancy and membership were not
            assertThat(dropped("client_event")).isPositive();
            assertThat(dropped("cache_miss")).isPositive();
            assertThat(dropped("channel_occupied")).isZero();
            assertThat(dropped("member_added")).isZero();
            assertThat(droppedAnything("b")).isZero();

            // one summary line for the flooding app, not one per drop
            assertThat(logs.at(Level.WARN))
                    .hasSize(1)
                    .allSatisfy(line -> assertThat(line).contains("app a"));

            System.out.printf(
                    "flood: %d webhook events from app a; dropped %.0f client_event, %.0f cache_miss;"
                            + " intake peak %d B, outboxes peak %d B; live heap before %d MB, during %d MB;"
                            + " app b's slowest webhook %d ms%n",
                    FLOOD_THREADS * FLOOD_EVENTS * 2 + 2 * important(),
                    dropped("client_event"),
                    dropped("cache_miss"),
                    dispatcher.peakQueuedBytes(),
                    dispatcher.peakOutboxBytes(),
                    heapBefore >> 20,
                    heapDuring >> 20,
                    worstMillis);
        }
    }

    @Test
    @DisplayName(
            "issue #13 finding 3: client events with 256 KB names cost the byte bounds, not 955 MB")
    void hugeClientEventsAreHeldWithinTheDefaultByteBounds() throws Exception {
        WebhookDispatcher defaults =
                new WebhookDispatcher(
                        WebhookSettings.defaults(),
                        new Authenticators(),
                        metrics,
                        new ClusterCounts());
        try {
            long heapBefore = liveHeap();
            for (int i = 0; i < 3_600; i++) {
                // a fresh string each time, as each would arrive from the network
                String name = "client-" + i + "x".repeat(256 * 1024);
                defaults.clientEvent(flooder, "private-big", name, "{}", "1.1", null);
            }
            assertThat(defaults.peakQueuedBytes())
                    .isLessThanOrEqualTo(WebhookSettings.DEFAULT_QUEUE_MAX_BYTES);
            assertThat(dropped("client_event")).isPositive();
            await().atMost(Duration.ofSeconds(10)).until(() -> defaults.queuedBytes() == 0);
            assertThat(defaults.peakOutboxBytes())
                    .isPositive()
                    .isLessThanOrEqualTo(WebhookSettings.DEFAULT_OUTBOX_MAX_BYTES);
            long heapAfter = liveHeap();
            assertThat(heapAfter - heapBefore)
                    .as("live heap held for a stalled receiver")
                    .isLessThan(
                            WebhookSettings.DEFAULT_QUEUE_MAX_BYTES
                                    + 2 * WebhookSettings.DEFAULT_OUTBOX_MAX_BYTES);
            System.out.printf(
                    "huge events: 3600 client events with 256 KB names; intake peak %d B, outbox peak %d B;"
                            + " live heap before %d MB, after %d MB%n",
                    defaults.peakQueuedBytes(),
                    defaults.peakOutboxBytes(),
                    heapBefore >> 20,
                    heapAfter >> 20);
        } finally {
            defaults.close(Duration.ZERO);
        }
    }

    private static int important() {
        return FLOOD_THREADS * (FLOOD_EVENTS / IMPORTANT_EVERY);
    }

    /**
     * One event loop's worth of hostile traffic: client events and cache misses, a few real events
     * between.
     */
    private final class Flood implements Runnable {
        private final int thread;

        Flood(int thread) {
            this.thread = thread;
        }

        @Override
        public void run() {
            String data = "x".repeat(300);
            for (int i = 0; i < FLOOD_EVENTS; i++) {
                dispatcher.clientEvent(
                        flooder, "private-junk-" + thread, "client-spam", data, "1." + i, null);
                dispatcher.cacheMiss(flooder, "cache-" + thread + "-" + i);
                if (i % IMPORTANT_EVERY == 0) {
                    dispatcher.channelOccupied(flooder, "room-" + thread + "-" + i);
                    dispatcher.memberAdded(
                            flooder,
                            "presence-" + thread + "-" + i,
                            new Member("u" + i, null),
                            "2.1");
                }
            }
        }
    }

    private double dropped(String type) {
        return metrics
                .registry()
                .find(HeraldMetrics.WEBHOOK_EVENTS_DROPPED)
                .tag("app", "a")
                .tag("type", type)
                .counters()
                .stream()
                .mapToDouble(Counter::count)
                .sum();
    }

    private double droppedAnything(String app) {
        return metrics
                .registry()
                .find(HeraldMetrics.WEBHOOK_EVENTS_DROPPED)
                .tag("app", app)
                .counters()
                .stream()
                .mapToDouble(Counter::count)
                .sum();
    }

    private static long liveHeap() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
