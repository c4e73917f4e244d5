package dev.herald.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.awaitility.Awaitility.await;

import dev.herald.activity.ActivityEvent;
import dev.herald.apps.App;
import dev.herald.apps.WebhookTarget;
import dev.herald.auth.Authenticators;
import dev.herald.metrics.HeraldMetrics;
import dev.herald.protocol.Json;
import dev.herald.protocol.Member;
import dev.herald.webhooks.WebhookReport.Delivery;
import dev.herald.webhooks.WebhookReport.FailedBatch;
import dev.herald.webhooks.WebhookReport.Outcome;
import io.micrometer.core.instrument.Counter;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * What {@link WebhookDispatcher#report} and {@link WebhookDispatcher#replay} give the console, and
 * what each attempt tells the debug stream: the dispatcher runs on the test's thread ({@link
 * ManualWebhookThread}) and its receivers are answered by the test ({@link RecordingSender}), at
 * the production bounds of the log and the replay store.
 */
class WebhookReportTest {

    private static final URI ALL = URI.create("http://127.0.0.1:9/all");
    private static final App APP =
            App.of("app-1", "key-1", "secret-1").withWebhooks(List.of(WebhookTarget.all(ALL)));
    private static final WebhookSettings DEFAULTS = WebhookSettings.defaults();
    private static final Duration BATCH_WAIT = DEFAULTS.batchMaxWait();
    private static final long START = ManualWebhookThread.START_MILLIS;

    private final ManualWebhookThread thread = new ManualWebhookThread();
    private final RecordingSender sender = new RecordingSender(thread::nanoTime);
    private final HeraldMetrics metrics = HeraldMetrics.inMemory();
    private final List<WebhookDispatcher> dispatchers = new ArrayList<>();

    @AfterEach
    void close() {
        dispatchers.forEach(d -> d.close(Duration.ZERO));
    }

    private WebhookDispatcher dispatcher(WebhookSettings settings) {
        WebhookDispatcher dispatcher =
                new WebhookDispatcher(
                        settings,
                        new Authenticators(),
                        metrics,
                        new ClusterCounts(),
                        RemovalMarks.LOCAL,
                        thread,
                        sender);
        dispatchers.add(dispatcher);
        return dispatcher;
    }

    /** Batches of {@code batchMaxEvents}, given up after {@code retryFor}. */
    private static WebhookSettings settings(
            int batchMaxEvents, Duration retryFor, int outboxLimit, long outboxMaxBytes) {
        return new WebhookSettings(
                batchMaxEvents,
                DEFAULTS.batchMaxWait(),
                DEFAULTS.debounce(),
                DEFAULTS.timeout(),
                retryFor,
                outboxLimit,
                outboxMaxBytes,
                DEFAULTS.queueMaxEvents(),
                DEFAULTS.queueMaxBytes());
    }

    /** One event a batch, given up at its first failure. */
    private static WebhookSettings failAtOnce() {
        return settings(1, Duration.ZERO, DEFAULTS.outboxLimit(), DEFAULTS.outboxMaxBytes());
    }

    /** The one delivery of the one target the app has sent to. */
    private static Delivery only(WebhookDispatcher hooks, String appId) {
        WebhookReport report = hooks.report(appId);
        assertThat(report.targets()).hasSize(1);
        assertThat(report.targets().get(0).deliveries()).hasSize(1);
        return report.targets().get(0).deliveries().get(0);
    }

    /** The most recent delivery to the app's first target. */
    private static Delivery newest(WebhookDispatcher hooks, String appId) {
        return hooks.report(appId).targets().get(0).deliveries().get(0);
    }

    @Nested
    class DeliveryLog {

        @Test
        void aDeliveredBatchIsLoggedWithItsEventsStatusAndLatencyButNotReplayable() {
            sender.answering(post -> RecordingSender.UNANSWERED);
            WebhookDispatcher hooks = dispatcher(DEFAULTS);
            hooks.channelOccupied(APP, "presence-room");
            hooks.memberAdded(APP, "presence-room", new Member("u1", null), "1.1");
            thread.advance(BATCH_WAIT);
            assertThat(hooks.report("app-1").targets()).as("nothing answered yet").isEmpty();

            thread.advance(Duration.ofMillis(120));
            sender.last().answer(200);
            thread.runReady();

            Delivery d = only(hooks, "app-1");
            assertThat(d.id()).isNotBlank();
            assertThat(d.time()).isEqualTo(START + BATCH_WAIT.toMillis());
            assertThat(d.target()).isEqualTo(ALL.toString());
            assertThat(d.events()).isEqualTo(2);
            assertThat(d.eventTypes())
                    .containsExactly(entry("channel_occupied", 1), entry("member_added", 1));
            assertThat(d.firstEvent()).isEqualTo("channel_occupied");
            assertThat(d.bytes()).isEqualTo(sender.last().bytes().length);
            assertThat(d.status()).isEqualTo(200);
            assertThat(d.reason()).isNull();
            assertThat(d.attempts()).isEqualTo(1);
            assertThat(d.latencyMs()).isEqualTo(120);
            assertThat(d.nextRetryAt()).isNull();
            assertThat(d.outcome()).isEqualTo(Outcome.DELIVERED);
            assertThat(d.replayable()).isFalse();
            assertThat(d.replayOf()).isNull();
            WebhookReport report = hooks.report("app-1");
            assertThat(report.failed()).isEmpty();
            assertThat(report.drops()).isEmpty();
            assertThat(report.kept().batches()).isZero();
            assertThat(hooks.replay("app-1", d.id()))
                    .satisfies(
                            r -> {
                                assertThat(r.status())
                                        .isEqualTo(ReplayResult.Status.NOT_REPLAYABLE);
                                assertThat(r.message()).contains("already delivered");
                            });
        }

        @Test
        void aRetriedBatchIsOneEntryThatFollowsEachAttemptAndItsNextRetry() {
            sender.answering(post -> RecordingSender.UNANSWERED);
            WebhookDispatcher hooks = dispatcher(DEFAULTS);
            hooks.channelOccupied(APP, "flaky");
            thread.advance(BATCH_WAIT);

            long failedAt = thread.currentTimeMillis();
            sender.last().answer(500);
            thread.runReady();
            Delivery first = only(hooks, "app-1");
            assertThat(first.status()).isEqualTo(500);
            assertThat(first.reason()).isNull();
            assertThat(first.attempts()).isEqualTo(1);
            assertThat(first.outcome()).isEqualTo(Outcome.RETRYING);
            assertThat(first.nextRetryAt()).isBetween(failedAt + 250, failedAt + 500);

            thread.advance(Duration.ofMillis(first.nextRetryAt() - failedAt));
            assertThat(sender.posts()).hasSize(2);
            assertThat(only(hooks, "app-1"))
                    .as("while the retry is in flight none is scheduled")
                    .satisfies(
                            d -> {
                                assertThat(d.nextRetryAt()).isNull();
                                assertThat(d.outcome()).isEqualTo(Outcome.RETRYING);
                                assertThat(d.attempts()).isEqualTo(1);
                            });

            thread.advance(Duration.ofMillis(40));
            sender.last().fail(new HttpTimeoutException("request timed out"));
            thread.runReady();
            Delivery second = only(hooks, "app-1");
            assertThat(second.status()).isEqualTo(-1);
            assertThat(second.reason()).isEqualTo("timeout");
            assertThat(second.attempts()).isEqualTo(2);
            assertThat(second.latencyMs()).isEqualTo(40);
            assertThat(second.nextRetryAt()).isNotNull();

            thread.advance(Duration.ofMillis(1_000));
            sender.last().fail(new ConnectException());
            thread.runReady();
            assertThat(only(hooks, "app-1").reason()).isEqualTo("connection refused");

            thread.advance(Duration.ofMillis(2_000));
            assertThat(sender.posts()).hasSize(4);
            sender.last().answer(204);
            thread.runReady();
            Delivery done = only(hooks, "app-1");
            assertThat(done.id()).isEqualTo(first.id());
            assertThat(done.status()).isEqualTo(204);
            assertThat(done.reason()).isNull();
            assertThat(done.attempts()).isEqualTo(4);
            assertThat(done.nextRetryAt()).isNull();
            assertThat(done.outcome()).isEqualTo(Outcome.DELIVERED);
            assertThat(hooks.report("app-1").failed()).isEmpty();
        }

        @Test
        void aBatchStillFailingAfterTheRetryWindowIsFailedAndKeptForReplay() {
            sender.answering(post -> 500);
            WebhookDispatcher hooks =
                    dispatcher(
                            settings(
                                    50,
                                    Duration.ofSeconds(2),
                                    DEFAULTS.outboxLimit(),
                                    DEFAULTS.outboxMaxBytes()));
            hooks.channelOccupied(APP, "doomed");
            thread.advance(BATCH_WAIT);
            thread.advance(Duration.ofMinutes(1));

            Delivery d = only(hooks, "app-1");
            int attempts = sender.posts().size();
            assertThat(attempts).isGreaterThan(2);
            assertThat(d.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(d.attempts()).isEqualTo(attempts);
            assertThat(d.status()).isEqualTo(500);
            assertThat(d.nextRetryAt()).isNull();
            assertThat(d.replayable()).isTrue();
            WebhookReport report = hooks.report("app-1");
            assertThat(report.failed())
                    .singleElement()
                    .satisfies(
                            f -> {
                                assertThat(f.id()).isEqualTo(d.id());
                                assertThat(f.time()).isEqualTo(d.time());
                                assertThat(f.failedAt())
                                        .isEqualTo(
                                                START
                                                        + Duration.ofNanos(sender.last().atNanos())
                                                                .toMillis());
                                assertThat(f.target()).isEqualTo(ALL.toString());
                                assertThat(f.events()).isEqualTo(1);
                                assertThat(f.bytes()).isEqualTo(sender.last().bytes().length);
                                assertThat(f.outcome()).isEqualTo(Outcome.FAILED);
                                assertThat(f.attempts()).isEqualTo(attempts);
                                assertThat(f.replayable()).isTrue();
                                assertThat(f.notReplayable()).isNull();
                            });
            assertThat(report.kept().batches()).isEqualTo(1);
            assertThat(report.kept().bytes()).isGreaterThan(sender.last().bytes().length);
            assertThat(report.drops())
                    .containsExactly(new WebhookReport.DropCount("channel_occupied", "expired", 1));
        }

        @Test
        void eachTargetKeepsItsLastFiftyBatchesMostRecentFirst() {
            WebhookDispatcher hooks =
                    dispatcher(
                            settings(
                                    1,
                                    DEFAULTS.retryFor(),
                                    DEFAULTS.outboxLimit(),
                                    DEFAULTS.outboxMaxBytes()));
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < WebhookHistory.LOG_PER_TARGET + 10; i++) {
                hooks.channelOccupied(APP, "room-" + i);
                thread.runReady();
                ids.add(newest(hooks, "app-1").id());
            }

            List<String> logged =
                    hooks.report("app-1").targets().get(0).deliveries().stream()
                            .map(Delivery::id)
                            .toList();
            List<String> expected = new ArrayList<>(ids.subList(10, ids.size()));
            java.util.Collections.reverse(expected);
            assertThat(logged).hasSize(WebhookHistory.LOG_PER_TARGET).isEqualTo(expected);
            assertThat(ids).doesNotHaveDuplicates();
        }

        @Test
        void hugeEventNamesDataAndFailuresDoNotMakeTheLogHoldMoreThanItsBound() {
            WebhookDispatcher tiny = dispatcher(failAtOnce());
            sender.answering(
                    post -> {
                        post.fail(new IOException("x".repeat(100_000)));
                        return RecordingSender.UNANSWERED;
                    });
            tiny.clientEvent(APP, "private-a", "client-a", "{}", "1.1", null);
            thread.runReady();
            long tinyEntry = tiny.history().logBytes("app-1", APP.webhooks().get(0));

            WebhookDispatcher hooks = dispatcher(failAtOnce());
            String huge = "h".repeat(20_000);
            for (int i = 0; i < WebhookHistory.LOG_PER_TARGET + 10; i++) {
                hooks.clientEvent(
                        APP,
                        "private-" + huge + i,
                        "client-" + huge,
                        "d".repeat(200_000),
                        "1.1",
                        huge);
                thread.runReady();
                if (i == 0) {
                    assertThat(hooks.history().logBytes("app-1", APP.webhooks().get(0)))
                            .as("an entry costs the same whatever its events hold")
                            .isEqualTo(tinyEntry);
                }
            }

            assertThat(sender.posts()).hasSize(1 + WebhookHistory.LOG_PER_TARGET + 10);
            assertThat(sender.last().bytes().length).isGreaterThan(250_000);
            assertThat(hooks.history().logBytes("app-1", APP.webhooks().get(0)))
                    .isLessThanOrEqualTo(WebhookHistory.LOG_MAX_BYTES_PER_TARGET)
                    // ids grow by a character from the 36th batch on
                    .isLessThanOrEqualTo(WebhookHistory.LOG_PER_TARGET * (tinyEntry + 2));
            WebhookReport report = hooks.report("app-1");
            assertThat(report.targets().get(0).deliveries())
                    .hasSize(WebhookHistory.LOG_PER_TARGET)
                    .allSatisfy(
                            d -> {
                                assertThat(d.reason())
                                        .startsWith("IOException: xxx")
                                        .hasSize(WebhookHistory.MAX_REASON_CHARS);
                                assertThat(d.firstEvent()).isEqualTo("client_event");
                                assertThat(d.eventTypes())
                                        .containsExactly(entry("client_event", 1));
                            });
            assertThat(report.kept().bytes()).isLessThanOrEqualTo(WebhookHistory.KEPT_MAX_BYTES);
        }

        @Test
        void aPasswordInTheTargetUrlIsMasked() {
            URI secret = URI.create("http://hooks:hunter2@127.0.0.1:9/in");
            App app =
                    App.of("app-pw", "key-pw", "secret-pw")
                            .withWebhooks(List.of(WebhookTarget.all(secret)));
            WebhookDispatcher hooks = dispatcher(DEFAULTS);
            hooks.channelOccupied(app, "room");
            thread.advance(BATCH_WAIT);

            assertThat(sender.last().url()).isEqualTo(secret);
            assertThat(hooks.report("app-pw").targets().get(0).target())
                    .isEqualTo("http://hooks:****@127.0.0.1:9/in");
            assertThat(only(hooks, "app-pw").target()).doesNotContain("hunter2");
        }
    }

    @Nested
    class ReplayStore {

        @Test
        void theHundredAndFirstFailedBatchEvictsTheOldest() {
            sender.answering(post -> 500);
            WebhookDispatcher hooks = dispatcher(failAtOnce());
            List<String> ids = new ArrayList<>();
            for (int i = 0; i <= WebhookHistory.KEPT_MAX_BATCHES; i++) {
                hooks.channelOccupied(APP, "lost-" + i);
                thread.runReady();
                ids.add(newest(hooks, "app-1").id());
            }

            WebhookReport report = hooks.report("app-1");
            assertThat(report.kept().batches()).isEqualTo(WebhookHistory.KEPT_MAX_BATCHES);
            assertThat(report.kept().evictedByCount()).isEqualTo(1);
            assertThat(report.kept().evictedByBytes()).isZero();
            List<String> newestFirst = new ArrayList<>(ids.subList(1, ids.size()));
            java.util.Collections.reverse(newestFirst);
            assertThat(report.failed()).extracting(FailedBatch::id).isEqualTo(newestFirst);
            assertThat(report.failed()).allSatisfy(f -> assertThat(f.replayable()).isTrue());
            assertThat(hooks.replay("app-1", ids.get(0)).status())
                    .as("evicted, and out of the log by now")
                    .isEqualTo(ReplayResult.Status.NOT_FOUND);
            assertThat(hooks.replay("app-1", ids.get(1)).status())
                    .isEqualTo(ReplayResult.Status.REPLAYED);
        }

        @Test
        void failedBatchesPastTenMegabytesEvictTheOldestByBytes() {
            sender.answering(post -> 500);
            WebhookDispatcher hooks = dispatcher(failAtOnce());
            String data = "d".repeat(600_000);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 18; i++) { // 18 bodies of 600 KB: 10.8 MB
                hooks.clientEvent(APP, "private-big-" + i, "client-big", data, "1.1", null);
                thread.runReady();
                ids.add(newest(hooks, "app-1").id());
            }

            WebhookReport report = hooks.report("app-1");
            long evicted = report.kept().evictedByBytes();
            assertThat(evicted).isPositive();
            assertThat(report.kept().evictedByCount()).isZero();
            assertThat(report.kept().batches()).isEqualTo(18 - (int) evicted);
            assertThat(report.kept().bytes())
                    .isLessThanOrEqualTo(WebhookHistory.KEPT_MAX_BYTES)
                    .as("no more evicted than needed")
                    .isGreaterThan(
                            WebhookHistory.KEPT_MAX_BYTES
                                    - report.kept().bytes() / report.kept().batches());
            List<String> keptIds =
                    report.failed().stream()
                            .filter(FailedBatch::replayable)
                            .map(FailedBatch::id)
                            .toList();
            List<String> newestFirst = new ArrayList<>(ids.subList((int) evicted, ids.size()));
            java.util.Collections.reverse(newestFirst);
            assertThat(keptIds).as("the newest are kept").isEqualTo(newestFirst);
            assertThat(report.failed())
                    .filteredOn(f -> f.id().equals(ids.get(0)))
                    .singleElement()
                    .satisfies(
                            f -> {
                                assertThat(f.replayable()).isFalse();
                                assertThat(f.notReplayable()).isEqualTo(WebhookHistory.EVICTED);
                            });
            assertThat(hooks.replay("app-1", ids.get(0)))
                    .satisfies(
                            r -> {
                                assertThat(r.status())
                                        .isEqualTo(ReplayResult.Status.NOT_REPLAYABLE);
                                assertThat(r.message()).contains("evicted");
                            });
        }

        @Test
        void aFailedBatchLargerThanAnAppsShareIsListedButNotKept() {
            sender.answering(post -> 500);
            WebhookDispatcher hooks =
                    dispatcher(settings(1, Duration.ZERO, DEFAULTS.outboxLimit(), 64L << 20));
            hooks.clientEvent(
                    APP, "private-huge", "client-huge", "d".repeat(11 << 20), "1.1", null);
            thread.runReady();

            assertThat(sender.last().bytes().length).isGreaterThan(11 << 20);
            WebhookReport report = hooks.report("app-1");
            assertThat(report.kept().batches()).isZero();
            assertThat(report.kept().bytes()).isZero();
            assertThat(report.kept().tooLarge()).isEqualTo(1);
            FailedBatch f = report.failed().get(0);
            assertThat(f.replayable()).isFalse();
            assertThat(f.notReplayable()).isEqualTo(WebhookHistory.TOO_LARGE);
            assertThat(hooks.replay("app-1", f.id()).status())
                    .isEqualTo(ReplayResult.Status.NOT_REPLAYABLE);
        }

        @Test
        void aBatchShedFromAFullOutboxIsListedButCannotBeReplayed() {
            sender.answering(post -> RecordingSender.UNANSWERED);
            WebhookDispatcher hooks =
                    dispatcher(settings(1, DEFAULTS.retryFor(), 1, DEFAULTS.outboxMaxBytes()));
            hooks.channelOccupied(APP, "in-flight");
            thread.runReady();
            hooks.channelOccupied(APP, "shed");
            thread.runReady();

            Delivery shed = only(hooks, "app-1");
            assertThat(shed.outcome()).isEqualTo(Outcome.SHED);
            assertThat(shed.status()).isZero();
            assertThat(shed.reason()).isEqualTo("outbox full");
            assertThat(shed.attempts()).isZero();
            assertThat(shed.latencyMs()).isEqualTo(-1);
            assertThat(shed.nextRetryAt()).isNull();
            assertThat(shed.replayable()).isFalse();
            WebhookReport report = hooks.report("app-1");
            assertThat(report.failed())
                    .singleElement()
                    .satisfies(
                            f -> {
                                assertThat(f.id()).isEqualTo(shed.id());
                                assertThat(f.outcome()).isEqualTo(Outcome.SHED);
                                assertThat(f.replayable()).isFalse();
                                assertThat(f.notReplayable())
                                        .isEqualTo(WebhookHistory.SHED_NOT_KEPT);
                            });
            assertThat(report.kept().batches()).isZero();
            assertThat(report.drops())
                    .containsExactly(
                            new WebhookReport.DropCount("channel_occupied", "outbox_full", 1));
            ReplayResult refused = hooks.replay("app-1", shed.id());
            assertThat(refused.status()).isEqualTo(ReplayResult.Status.NOT_REPLAYABLE);
            assertThat(refused.message()).contains("not kept");
            assertThat(refused.deliveryId()).isNull();
            assertThat(sender.posts()).hasSize(1);
        }
    }

    @Nested
    class Replay {

        private final URI down = URI.create("http://127.0.0.1:9/down");
        private final URI up = URI.create("http://127.0.0.1:9/up");
        private final App app =
                App.of("app-r", "key-r", "secret-r")
                        .withWebhooks(List.of(WebhookTarget.all(down), WebhookTarget.all(up)));
        private final AtomicBoolean isDown = new AtomicBoolean(true);

        Replay() {
            sender.answering(post -> post.url().equals(down) && isDown.get() ? 500 : 200);
        }

        private String failOne(WebhookDispatcher hooks) {
            hooks.channelOccupied(app, "lost");
            thread.runReady();
            return hooks.report("app-r").failed().get(0).id();
        }

        @Test
        void aReplayGoesToTheSameTargetSignedAfreshAndItsDeliveryRemovesTheBatch()
                throws Exception {
            WebhookDispatcher hooks = dispatcher(failAtOnce());
            String id = failOne(hooks);
            RecordingSender.Post original = sender.to(down).get(0);
            assertThat(sender.to(up)).hasSize(1);

            // later, the receiver is back and the app's secret has changed
            thread.advance(Duration.ofSeconds(10));
            isDown.set(false);
            App rotated =
                    App.of("app-r", "key-r", "secret-new")
                            .withWebhooks(List.of(WebhookTarget.all(down), WebhookTarget.all(up)));
            hooks.channelOccupied(rotated, "after");
            thread.runReady();
            assertThat(sender.posts()).hasSize(4);

            ReplayResult result = hooks.replay("app-r", id);
            assertThat(result.status()).isEqualTo(ReplayResult.Status.REPLAYED);
            assertThat(result.deliveryId()).isNotBlank().isNotEqualTo(id);
            assertThat(result.message()).contains(id).contains(down.toString());
            assertThat(hooks.report("app-r").failed())
                    .singleElement()
                    .satisfies(
                            f -> {
                                assertThat(f.replayable()).isFalse();
                                assertThat(f.notReplayable())
                                        .isEqualTo(WebhookHistory.BEING_REPLAYED);
                            });
            assertThat(hooks.replay("app-r", id).status())
                    .as("a second click while it is on its way")
                    .isEqualTo(ReplayResult.Status.NOT_REPLAYABLE);

            thread.runReady();
            assertThat(sender.posts()).hasSize(5);
            RecordingSender.Post replayed = sender.last();
            assertThat(replayed.url()).isEqualTo(down);
            assertThat(replayed.summary()).isEqualTo(original.summary());
            assertThat(Json.MAPPER.readTree(replayed.bytes()).path("time_ms").asLong())
                    .isEqualTo(thread.currentTimeMillis())
                    .isGreaterThan(Json.MAPPER.readTree(original.bytes()).path("time_ms").asLong());
            assertThat(replayed.key()).isEqualTo("key-r");
            assertThat(replayed.signature())
                    .isEqualTo(hmac("secret-new", replayed.bytes()))
                    .isNotEqualTo(original.signature());

            WebhookReport report = hooks.report("app-r");
            assertThat(report.failed()).isEmpty();
            assertThat(report.kept().batches()).isZero();
            assertThat(report.kept().bytes()).isZero();
            assertThat(hooks.history().keptBytes()).isZero();
            assertThat(report.targets())
                    .filteredOn(t -> t.target().equals(down.toString()))
                    .singleElement()
                    .satisfies(
                            t ->
                                    assertThat(t.deliveries().get(0))
                                            .satisfies(
                                                    d -> {
                                                        assertThat(d.id())
                                                                .isEqualTo(result.deliveryId());
                                                        assertThat(d.replayOf()).isEqualTo(id);
                                                        assertThat(d.outcome())
                                                                .isEqualTo(Outcome.DELIVERED);
                                                    }));
            assertThat(count(HeraldMetrics.WEBHOOKS_SENT)).as("counted like any").isEqualTo(4);
            assertThat(hooks.replay("app-r", id))
                    .satisfies(
                            r -> {
                                assertThat(r.status())
                                        .isEqualTo(ReplayResult.Status.NOT_REPLAYABLE);
                                assertThat(r.message())
                                        .contains("delivered as " + result.deliveryId());
                            });
        }

        @Test
        void aReplayThatFailsAgainLeavesTheBatchReplayableAndListedOnce() {
            WebhookDispatcher hooks = dispatcher(failAtOnce());
            String id = failOne(hooks);

            assertThat(hooks.replay("app-r", id).status()).isEqualTo(ReplayResult.Status.REPLAYED);
            thread.runReady();

            WebhookReport report = hooks.report("app-r");
            assertThat(sender.to(down)).hasSize(2);
            assertThat(report.failed())
                    .singleElement()
                    .satisfies(
                            f -> {
                                assertThat(f.id()).isEqualTo(id);
                                assertThat(f.replayable()).isTrue();
                            });
            assertThat(report.kept().batches()).isEqualTo(1);
            assertThat(hooks.replay("app-r", id).status()).isEqualTo(ReplayResult.Status.REPLAYED);
        }

        @Test
        void aReplayShedFromAFullOutboxLeavesTheBatchReplayable() {
            sender.answering(
                    post ->
                            post.url().equals(down)
                                            && post.summary().contains("channel_occupied lost")
                                    ? 500
                                    : RecordingSender.UNANSWERED);
            WebhookDispatcher hooks =
                    dispatcher(settings(1, Duration.ZERO, 1, DEFAULTS.outboxMaxBytes()));
            String id = failOne(hooks);
            sender.to(up).get(0).answer(200);
            hooks.channelOccupied(app, "stuck"); // in flight to both, never answered
            thread.runReady();

            assertThat(hooks.replay("app-r", id).status()).isEqualTo(ReplayResult.Status.REPLAYED);
            thread.runReady();

            WebhookReport report = hooks.report("app-r");
            assertThat(report.failed())
                    .singleElement()
                    .satisfies(
                            f -> {
                                assertThat(f.id()).isEqualTo(id);
                                assertThat(f.replayable()).isTrue();
                            });
            assertThat(report.targets().stream().flatMap(t -> t.deliveries().stream()))
                    .filteredOn(d -> id.equals(d.replayOf()))
                    .singleElement()
                    .satisfies(d -> assertThat(d.outcome()).isEqualTo(Outcome.SHED));
        }

        @Test
        void anUnknownIdIsNotFoundWhateverItsLengthOrApp() {
            WebhookDispatcher hooks = dispatcher(failAtOnce());
            String id = failOne(hooks);

            assertThat(hooks.replay("app-r", "no-such-batch"))
                    .satisfies(
                            r -> {
                                assertThat(r.status()).isEqualTo(ReplayResult.Status.NOT_FOUND);
                                assertThat(r.message()).contains("not found");
                                assertThat(r.deliveryId()).isNull();
                            });
            assertThat(hooks.replay("app-1", id).status())
                    .as("another app's batch")
                    .isEqualTo(ReplayResult.Status.NOT_FOUND);
            ReplayResult longId = hooks.replay("app-r", "x".repeat(1_000_000));
            assertThat(longId.status()).isEqualTo(ReplayResult.Status.NOT_FOUND);
            assertThat(longId.message()).hasSizeLessThan(400);
            assertThat(hooks.report("no-such-app"))
                    .satisfies(
                            r -> {
                                assertThat(r.targets()).isEmpty();
                                assertThat(r.failed()).isEmpty();
                                assertThat(r.kept().batches()).isZero();
                            });
            assertThat(sender.posts()).hasSize(2);
        }

        @Test
        void aClosedDispatcherReplaysNothingAndKeepsTheBatchReplayable() {
            WebhookDispatcher hooks = dispatcher(failAtOnce());
            String id = failOne(hooks);
            hooks.close(Duration.ZERO);

            assertThat(hooks.replay("app-r", id).status())
                    .isEqualTo(ReplayResult.Status.UNAVAILABLE);
            assertThat(hooks.report("app-r").failed())
                    .singleElement()
                    .satisfies(f -> assertThat(f.replayable()).isTrue());
        }
    }

    @Nested
    class DebugStream {

        @Test
        void eachAttemptIsRecordedOnlyForTheAppsBeingWatched() {
            App other =
                    App.of("app-2", "key-2", "secret-2")
                            .withWebhooks(List.of(WebhookTarget.all(ALL)));
            RecordingTap tap = new RecordingTap(Set.of("app-1"));
            WebhookDispatcher hooks =
                    new WebhookDispatcher(
                            DEFAULTS,
                            new Authenticators(),
                            metrics,
                            new ClusterCounts(),
                            RemovalMarks.LOCAL,
                            thread,
                            sender,
                            tap,
                            "node-a");
            dispatchers.add(hooks);
            AtomicReference<Integer> answer = new AtomicReference<>(503);
            sender.answering(post -> answer.get());
            hooks.channelOccupied(APP, "watched");
            hooks.memberAdded(APP, "watched", new Member("u1", null), "1.1");
            hooks.channelOccupied(other, "unwatched");
            thread.advance(BATCH_WAIT);
            answer.set(200);
            thread.advance(Duration.ofSeconds(1));

            assertThat(sender.posts()).hasSize(4);
            assertThat(tap.asked()).contains("app-1", "app-2");
            List<ActivityEvent> events = tap.events();
            assertThat(events)
                    .hasSize(2)
                    .allSatisfy(
                            e -> {
                                assertThat(e.node()).isEqualTo("node-a");
                                assertThat(e.app()).isEqualTo("app-1");
                                assertThat(e.kind()).isEqualTo(ActivityEvent.Kind.WEBHOOK);
                                assertThat(e.event()).isEqualTo("channel_occupied");
                                assertThat(e.socketId()).isNull();
                                assertThat(e.data()).isNull();
                                assertThat(e.dataBytes()).isEqualTo(-1);
                                assertThat(e.details())
                                        .containsEntry("target", ALL.toString())
                                        .containsEntry("events", 2)
                                        .containsEntry("latency_ms", 0L)
                                        .containsEntry("batch", newest(hooks, "app-1").id());
                            });
            ActivityEvent failed = events.get(0);
            assertThat(failed.time()).isEqualTo(START + BATCH_WAIT.toMillis());
            assertThat(failed.details())
                    .containsEntry("status", 503)
                    .containsEntry("attempt", 1)
                    .containsEntry("outcome", "retrying")
                    .containsKey("next_retry_at")
                    .doesNotContainKey("reason");
            ActivityEvent delivered = events.get(1);
            assertThat(delivered.time()).isGreaterThan(failed.time());
            assertThat(delivered.details())
                    .containsEntry("status", 200)
                    .containsEntry("attempt", 2)
                    .containsEntry("outcome", "delivered")
                    .doesNotContainKey("next_retry_at");
        }

        @Test
        void aDebugStreamThatThrowsDoesNotStopDeliveries() {
            dev.herald.activity.ActivityTap broken =
                    new dev.herald.activity.ActivityTap() {
                        @Override
                        public boolean watching(String appId) {
                            return true;
                        }

                        @Override
                        public void record(ActivityEvent event) {
                            throw new IllegalStateException("feed closed");
                        }
                    };
            WebhookDispatcher hooks =
                    new WebhookDispatcher(
                            settings(
                                    1,
                                    DEFAULTS.retryFor(),
                                    DEFAULTS.outboxLimit(),
                                    DEFAULTS.outboxMaxBytes()),
                            new Authenticators(),
                            metrics,
                            new ClusterCounts(),
                            RemovalMarks.LOCAL,
                            thread,
                            sender,
                            broken,
                            "node-a");
            dispatchers.add(hooks);
            hooks.channelOccupied(APP, "one");
            hooks.channelOccupied(APP, "two");
            thread.runReady();

            assertThat(sender.summary(ALL))
                    .containsExactly("channel_occupied one", "channel_occupied two");
            assertThat(hooks.report("app-1").targets().get(0).deliveries())
                    .hasSize(2)
                    .allSatisfy(d -> assertThat(d.outcome()).isEqualTo(Outcome.DELIVERED));
        }

        @Test
        void aFailureWithoutAnAnswerCarriesItsReason() {
            RecordingTap tap = new RecordingTap(Set.of("app-1"));
            WebhookDispatcher hooks =
                    new WebhookDispatcher(
                            failAtOnce(),
                            new Authenticators(),
                            metrics,
                            new ClusterCounts(),
                            RemovalMarks.LOCAL,
                            thread,
                            sender,
                            tap,
                            "node-a");
            dispatchers.add(hooks);
            sender.answering(
                    post -> {
                        post.fail(new ConnectException("Connection refused"));
                        return RecordingSender.UNANSWERED;
                    });
            hooks.channelOccupied(APP, "room");
            thread.runReady();

            assertThat(tap.events())
                    .singleElement()
                    .satisfies(
                            e ->
                                    assertThat(e.details())
                                            .containsEntry("status", -1)
                                            .containsEntry("reason", "connection refused")
                                            .containsEntry("outcome", "failed"));
        }
    }

    @Nested
    class FailureReasons {

        @Test
        void theKindsAnOperatorActsOnAreNamedTheRestQuotedShortWithoutPasswords() {
            assertThat(
                            TargetOutbox.reason(
                                    new java.util.concurrent.CompletionException(
                                            new java.net.http.HttpConnectTimeoutException(
                                                    "HTTP connect timed out"))))
                    .isEqualTo("timeout");
            assertThat(TargetOutbox.reason(new ConnectException())).isEqualTo("connection refused");
            assertThat(TargetOutbox.reason(new ConnectException("No route to host")))
                    .isEqualTo("cannot connect: No route to host");
            assertThat(
                            TargetOutbox.reason(
                                    new IOException(
                                            "wrapped",
                                            new java.net.UnknownHostException("nowhere"))))
                    .isEqualTo("unknown host");
            assertThat(
                            TargetOutbox.reason(
                                    new IOException("closed by http://hooks:hunter2@example.com/")))
                    .isEqualTo("IOException: closed by http://hooks:****@example.com/");
            assertThat(TargetOutbox.reason(new IOException("y".repeat(100_000))))
                    .hasSize(WebhookHistory.MAX_REASON_CHARS);
        }
    }

    @Nested
    class FromAnotherThread {

        @Test
        void theConsoleReadsAndReplaysWhileTheWebhookThreadDelivers() throws Exception {
            RecordingSender answering = new RecordingSender(System::nanoTime).answering(p -> 500);
            WebhookDispatcher hooks =
                    new WebhookDispatcher(
                            failAtOnce(),
                            new Authenticators(),
                            metrics,
                            new ClusterCounts(),
                            RemovalMarks.LOCAL,
                            WebhookThread.guarded("test-webhooks"),
                            answering);
            dispatchers.add(hooks);
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicInteger replays = new AtomicInteger();
            Thread console =
                    new Thread(
                            () -> {
                                try {
                                    while (running.get()) {
                                        for (FailedBatch f : hooks.report("app-1").failed()) {
                                            if (f.replayable()
                                                    && hooks.replay("app-1", f.id()).status()
                                                            == ReplayResult.Status.REPLAYED) {
                                                replays.incrementAndGet();
                                            }
                                        }
                                    }
                                } catch (Throwable t) {
                                    failure.set(t);
                                }
                            },
                            "console");
            console.start();
            int events = 1_000;
            for (int i = 0; i < events; i++) {
                hooks.channelOccupied(APP, "busy-" + i);
            }
            await().atMost(Duration.ofSeconds(30))
                    .until(
                            () ->
                                    answering.posts().size() >= events && replays.get() > 0
                                            || failure.get() != null);
            running.set(false);
            console.join();

            assertThat(failure.get()).isNull();
            assertThat(replays.get()).isPositive();
            WebhookReport report = hooks.report("app-1");
            assertThat(report.kept().batches())
                    .isLessThanOrEqualTo(WebhookHistory.KEPT_MAX_BATCHES);
            assertThat(report.failed()).extracting(FailedBatch::id).doesNotHaveDuplicates();
        }
    }

    // --- helpers ---

    private double count(String name) {
        return metrics.registry().find(name).counters().stream().mapToDouble(Counter::count).sum();
    }

    private static String hmac(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
