package dev.herald.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.apps.App;
import dev.herald.apps.AppFeatures;
import dev.herald.apps.WebhookTarget;
import dev.herald.auth.Authenticators;
import dev.herald.metrics.HeraldMetrics;
import dev.herald.protocol.Member;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * {@link WebhookDispatcher} in the test's thread, its time moved by the test ({@link
 * ManualWebhookThread}) and its receivers answered by the test ({@link RecordingSender}): the
 * debounce, batching, per-target filters, signing, retries and the outbox bound, at the production
 * settings where the rule allows, with no waiting. The HTTP request itself is {@link
 * WebhookSenderTest}; the official libraries validate the signed bodies end to end in {@code
 * WebhooksIT} (pusher-http-java) and {@code webhooks.test.js} (the node SDK).
 */
class WebhookDispatcherTest {

    private static final URI ALL = URI.create("http://127.0.0.1:9/all");
    private static final App APP =
            App.of("app-1", "key-1", "secret-1").withWebhooks(List.of(WebhookTarget.all(ALL)));
    private static final WebhookSettings DEFAULTS = WebhookSettings.defaults();
    private static final Duration BATCH_WAIT = DEFAULTS.batchMaxWait();
    private static final Duration DEBOUNCE = DEFAULTS.debounce();
    private static final Duration MS = Duration.ofMillis(1);

    private final ManualWebhookThread thread = new ManualWebhookThread();
    private final RecordingSender sender = new RecordingSender(thread::nanoTime);
    private final HeraldMetrics metrics = HeraldMetrics.inMemory();
    private final ClusterCounts view = new ClusterCounts();
    private final List<WebhookDispatcher> dispatchers = new ArrayList<>();

    @AfterEach
    void close() {
        dispatchers.forEach(d -> d.close(Duration.ZERO));
    }

    private WebhookDispatcher dispatcher(WebhookSettings settings, RemovalMarks marks) {
        WebhookDispatcher dispatcher =
                new WebhookDispatcher(
                        settings, new Authenticators(), metrics, view, marks, thread, sender);
        dispatchers.add(dispatcher);
        return dispatcher;
    }

    private WebhookDispatcher dispatcher(WebhookSettings settings) {
        return dispatcher(settings, RemovalMarks.LOCAL);
    }

    private WebhookDispatcher dispatcher() {
        return dispatcher(DEFAULTS);
    }

    private static WebhookSettings settings(
            int batchMaxEvents, Duration retryFor, int outboxLimit) {
        return new WebhookSettings(
                batchMaxEvents,
                DEFAULTS.batchMaxWait(),
                DEFAULTS.debounce(),
                DEFAULTS.timeout(),
                retryFor,
                outboxLimit,
                DEFAULTS.outboxMaxBytes(),
                DEFAULTS.queueMaxEvents(),
                DEFAULTS.queueMaxBytes());
    }

    private static Member member(String userId) {
        return new Member(userId, null);
    }

    @Nested
    class Debounce {

        @Test
        void aReturnWithinTheDebounceCancelsBothTheRemovalAndTheReturn() {
            WebhookDispatcher hooks = dispatcher();
            hooks.channelOccupied(APP, "presence-reload");
            hooks.memberAdded(APP, "presence-reload", member("reloader"), "1.1");
            thread.advance(BATCH_WAIT);
            assertThat(sender.summary(ALL))
                    .containsExactly(
                            "channel_occupied presence-reload",
                            "member_added:reloader presence-reload");

            // the page reloads: the last socket leaves, and a new one joins just within the
            // debounce
            hooks.memberRemoved(APP, "presence-reload", "reloader");
            hooks.channelVacated(APP, "presence-reload");
            thread.advance(DEBOUNCE.minus(MS));
            hooks.channelOccupied(APP, "presence-reload");
            hooks.memberAdded(APP, "presence-reload", member("reloader"), "1.2");
            thread.advance(Duration.ofMinutes(1));
            assertThat(sender.posts()).as("nothing but the first arrival").hasSize(1);

            // the page closes: both removals go once the debounce is over, not before
            hooks.memberRemoved(APP, "presence-reload", "reloader");
            hooks.channelVacated(APP, "presence-reload");
            thread.advance(DEBOUNCE.minus(MS));
            assertThat(sender.posts()).hasSize(1);
            thread.advance(MS.plus(BATCH_WAIT).minus(MS));
            assertThat(sender.posts()).as("the removals wait for their batch too").hasSize(1);
            thread.advance(MS);
            assertThat(sender.summary(ALL))
                    .containsExactly(
                            "channel_occupied presence-reload",
                            "member_added:reloader presence-reload",
                            "member_removed:reloader presence-reload",
                            "channel_vacated presence-reload");
            assertThat(sender.last().events())
                    .allSatisfy(
                            e ->
                                    assertThat(e.has("user_id"))
                                            .isEqualTo(
                                                    e.path("name").asText().startsWith("member_")));
        }

        @Test
        void aReturnCancelsOnlyItsOwnRemoval() {
            WebhookDispatcher hooks = dispatcher();
            hooks.memberRemoved(APP, "presence-room", "gone");
            hooks.memberRemoved(APP, "presence-room", "back");
            hooks.channelVacated(APP, "quiet");
            hooks.memberAdded(APP, "presence-room", member("back"), "1.1");
            thread.advance(DEBOUNCE.plus(BATCH_WAIT));

            assertThat(sender.summary(ALL))
                    .containsExactly("member_removed:gone presence-room", "channel_vacated quiet");
        }

        @Test
        void aReturnOnAnotherNodeCancelsTheRemovalOnBoth() {
            SharedMarks marks = new SharedMarks();
            WebhookDispatcher nodeA = dispatcher(DEFAULTS, marks);
            WebhookDispatcher nodeB = dispatcher(DEFAULTS, marks);

            nodeA.memberRemoved(APP, "presence-move", "erin");
            thread.advance(DEBOUNCE.dividedBy(2));
            nodeB.memberAdded(APP, "presence-move", member("erin"), "2.1");
            thread.advance(DEBOUNCE.plus(BATCH_WAIT));

            assertThat(sender.posts()).as("neither the removal on A nor the return on B").isEmpty();
        }

        @Test
        void closingSendsTheRemovalsStillWaiting() {
            WebhookDispatcher hooks = dispatcher();
            hooks.channelVacated(APP, "leaving");
            thread.runReady();
            assertThat(sender.posts()).isEmpty();

            hooks.close(Duration.ZERO);

            assertThat(sender.summary(ALL)).containsExactly("channel_vacated leaving");
        }
    }

    @Nested
    class Batching {

        @Test
        void aBatchGoesWhenItHoldsTheMostEventsOrWhenItsFirstEventIsOld() {
            WebhookDispatcher hooks = dispatcher();
            int max = DEFAULTS.batchMaxEvents();
            for (int i = 0; i < max - 1; i++) {
                hooks.channelOccupied(APP, "wait-" + i);
            }
            thread.advance(BATCH_WAIT.minus(MS));
            assertThat(sender.posts()).isEmpty();
            thread.advance(MS);
            assertThat(sender.posts())
                    .singleElement()
                    .satisfies(p -> assertThat(p.events()).hasSize(max - 1));

            for (int i = 0; i < max + 1; i++) {
                hooks.channelOccupied(APP, "full-" + i);
            }
            thread.runReady();
            assertThat(sender.posts()).as("a full batch goes at once").hasSize(2);
            assertThat(sender.last().summary())
                    .hasSize(max)
                    .first()
                    .isEqualTo("channel_occupied full-0");
            thread.advance(BATCH_WAIT);
            assertThat(sender.last().summary()).containsExactly("channel_occupied full-" + max);
        }

        @Test
        void theBodyIsTheEventsInOrderWithTheTimeTheBatchWasMade() {
            WebhookDispatcher hooks = dispatcher();
            thread.advance(Duration.ofSeconds(7));
            hooks.channelOccupied(APP, "presence-room");
            hooks.memberAdded(APP, "presence-room", member("u1"), "1.1");
            hooks.channelOccupied(APP, "cache-room");
            thread.advance(BATCH_WAIT);

            assertThat(sender.last().body())
                    .isEqualTo(
                            "{\"time_ms\":"
                                    + (ManualWebhookThread.START_MILLIS + 7_250)
                                    + ",\"events\":[{\"name\":\"channel_occupied\",\"channel\":\"presence-room\"},"
                                    + "{\"name\":\"member_added\",\"channel\":\"presence-room\",\"user_id\":\"u1\"},"
                                    + "{\"name\":\"channel_occupied\",\"channel\":\"cache-room\"}]}");
        }

        @Test
        void eachEventTypeHasItsFieldsAndABatchHoldsOneRank() {
            App counted =
                    APP.withFeatures(
                            new AppFeatures(true, true, true, true, false, Duration.ofSeconds(30)));
            WebhookDispatcher hooks = dispatcher();
            view.counts.put("counted", 5);
            hooks.clientEvent(counted, "presence-room", "client-ping", "{\"p\":1}", "1.1", "u1");
            hooks.clientEvent(counted, "private-room", "client-note", "{\"n\":2}", "1.2", null);
            hooks.cacheMiss(counted, "cache-room");
            hooks.subscriptionCountChanged(counted, "counted", 1);
            hooks.subscriptionCountChanged(counted, "presence-room", 2);
            hooks.subscriptionCountChanged(APP, "not-counted", 2);
            hooks.channelOccupied(counted, "room");
            thread.advance(BATCH_WAIT);

            List<String> bodies = sender.posts().stream().map(p -> p.events().toString()).toList();
            assertThat(bodies)
                    .containsExactlyInAnyOrder(
                            "[{\"name\":\"client_event\",\"channel\":\"presence-room\",\"event\":\"client-ping\","
                                    + "\"data\":\"{\\\"p\\\":1}\",\"socket_id\":\"1.1\",\"user_id\":\"u1\"}, "
                                    + "{\"name\":\"client_event\",\"channel\":\"private-room\",\"event\":\"client-note\","
                                    + "\"data\":\"{\\\"n\\\":2}\",\"socket_id\":\"1.2\"}, "
                                    + "{\"name\":\"cache_miss\",\"channel\":\"cache-room\"}]",
                            // the cluster's count, not the node's; none for presence, none for an
                            // app without counts
                            "[{\"name\":\"subscription_count\",\"channel\":\"counted\",\"subscription_count\":5}]",
                            "[{\"name\":\"channel_occupied\",\"channel\":\"room\"}]");
        }

        @Test
        void aSubscriptionCountFallsBackToTheNodesOwnWhenTheClusterCannotAnswer() {
            App counted =
                    APP.withFeatures(
                            new AppFeatures(
                                    false, true, false, true, false, Duration.ofSeconds(30)));
            WebhookDispatcher hooks = dispatcher();
            view.failing = true;
            hooks.subscriptionCountChanged(counted, "counted", 3);
            thread.advance(BATCH_WAIT);

            assertThat(sender.last().events())
                    .singleElement()
                    .satisfies(e -> assertThat(e.path("subscription_count").asInt()).isEqualTo(3));
        }

        @Test
        void aBatchGoesAtOnceWhenItsBytesReachAnEighthOfTheOutbox() {
            WebhookDispatcher hooks = dispatcher();
            String data = "x".repeat((int) (DEFAULTS.outboxMaxBytes() / 8 / 2));
            hooks.clientEvent(APP, "private-big", "client-big", data, "1.1", null);
            thread.runReady();

            assertThat(sender.posts())
                    .singleElement()
                    .satisfies(
                            p ->
                                    assertThat(p.events().get(0).path("data").asText())
                                            .isEqualTo(data));
        }
    }

    @Nested
    class Filters {

        private final URI occupancy = URI.create("http://127.0.0.1:9/occupancy");
        private final URI presence = URI.create("http://127.0.0.1:9/presence");
        private final URI both = URI.create("http://127.0.0.1:9/both");
        private final App filtered =
                App.of("filtered", "filtered-key", "filtered-secret")
                        .withWebhooks(
                                List.of(
                                        WebhookTarget.all(ALL),
                                        new WebhookTarget(
                                                occupancy,
                                                Set.of("channel_occupied", "channel_vacated"),
                                                null),
                                        new WebhookTarget(presence, Set.of(), "presence-"),
                                        new WebhookTarget(
                                                both,
                                                Set.of("channel_occupied", "channel_vacated"),
                                                "presence-")));

        @Test
        void eachTargetGetsOnlyWhatItsTypesAndPrefixSelectInABodySignedOnItsOwn() {
            WebhookDispatcher hooks = dispatcher();
            // one at a time: arrivals wait for the cluster's word on removals, so a client event
            // handed over with them could overtake them
            List<Runnable> changes =
                    List.of(
                            () -> hooks.channelOccupied(filtered, "public-f"),
                            () -> hooks.channelOccupied(filtered, "presence-f"),
                            () -> hooks.memberAdded(filtered, "presence-f", member("fu"), "1.1"),
                            () ->
                                    hooks.clientEvent(
                                            filtered, "presence-f", "client-x", "{}", "1.1", "fu"),
                            () -> hooks.memberRemoved(filtered, "presence-f", "fu"),
                            () -> hooks.channelVacated(filtered, "presence-f"),
                            () -> hooks.channelVacated(filtered, "public-f"));
            for (Runnable change : changes) {
                change.run();
                thread.runReady();
            }
            thread.advance(DEBOUNCE.plus(BATCH_WAIT));

            assertThat(sender.summary(occupancy))
                    .containsExactly(
                            "channel_occupied public-f",
                            "channel_occupied presence-f",
                            "channel_vacated presence-f",
                            "channel_vacated public-f");
            assertThat(sender.summary(presence))
                    .containsExactly(
                            "channel_occupied presence-f",
                            "member_added:fu presence-f",
                            "client_event presence-f",
                            "member_removed:fu presence-f",
                            "channel_vacated presence-f");
            assertThat(sender.summary(both))
                    .containsExactly("channel_occupied presence-f", "channel_vacated presence-f");
            assertThat(sender.summary(ALL))
                    .containsExactlyInAnyOrder(
                            "channel_occupied public-f",
                            "channel_occupied presence-f",
                            "member_added:fu presence-f",
                            "client_event presence-f",
                            "member_removed:fu presence-f",
                            "channel_vacated presence-f",
                            "channel_vacated public-f");
            assertThat(sender.posts()).allSatisfy(p -> assertSigned(p, filtered));
        }

        @Test
        void anEventNoTargetWantsIsNotEvenQueued() {
            App occupancyOnly =
                    App.of("occ", "occ-key", "occ-secret")
                            .withWebhooks(
                                    List.of(
                                            new WebhookTarget(
                                                    occupancy, Set.of("channel_occupied"), null)));
            WebhookDispatcher hooks = dispatcher();
            hooks.clientEvent(occupancyOnly, "private-x", "client-x", "{}", "1.1", null);
            hooks.cacheMiss(occupancyOnly, "cache-x");

            assertThat(hooks.queuedBytes()).isZero();
            thread.advance(BATCH_WAIT);
            assertThat(sender.posts()).isEmpty();
        }
    }

    @Nested
    class Signing {

        @Test
        void eachRequestCarriesTheAppKeyAndTheHmacSha256OfItsExactBody() {
            App other =
                    App.of("app-2", "key-2", "secret-2")
                            .withWebhooks(List.of(WebhookTarget.all(ALL)));
            WebhookDispatcher hooks = dispatcher();
            hooks.channelOccupied(APP, "room-é");
            hooks.channelOccupied(other, "room-2");
            thread.advance(BATCH_WAIT);

            assertThat(sender.posts()).hasSize(2);
            RecordingSender.Post first =
                    sender.to(ALL).stream()
                            .filter(p -> p.key().equals("key-1"))
                            .findFirst()
                            .orElseThrow();
            RecordingSender.Post second =
                    sender.to(ALL).stream()
                            .filter(p -> p.key().equals("key-2"))
                            .findFirst()
                            .orElseThrow();
            assertSigned(first, APP);
            assertSigned(second, other);
            assertThat(first.signature())
                    .matches("[0-9a-f]{64}")
                    .isNotEqualTo(hmac("secret-2", first.bytes()));
            assertThat(first.body()).contains("room-é");
        }
    }

    @Nested
    class Retries {

        @Test
        void aFailedBatchIsSentAgainUnchangedAfterAnExponentialJitteredBackoffThenTheNextOne() {
            sender.answering(post -> RecordingSender.UNANSWERED);
            WebhookDispatcher hooks = dispatcher();
            hooks.channelOccupied(APP, "flaky-1");
            hooks.channelOccupied(APP, "flaky-2");
            thread.advance(BATCH_WAIT);
            hooks.channelOccupied(APP, "flaky-3"); // a second batch, behind the failing one
            thread.advance(BATCH_WAIT);
            assertThat(sender.posts()).hasSize(1);

            List<Runnable> failures =
                    List.of(
                            () -> sender.last().answer(500),
                            () -> sender.last().fail(new HttpTimeoutException("request timed out")),
                            () -> sender.last().answer(503));
            long backoff = 500;
            for (Runnable failure : failures) {
                int attempts = sender.posts().size();
                long failedAt = thread.nanoTime();
                failure.run();
                thread.advance(Duration.ofMillis(backoff / 2).minus(MS));
                assertThat(sender.posts()).as("not before half the backoff").hasSize(attempts);
                thread.advance(Duration.ofMillis(backoff / 2).plus(MS));
                assertThat(sender.posts())
                        .as("within the backoff of %d ms", backoff)
                        .hasSize(attempts + 1);
                assertThat(Duration.ofNanos(sender.last().atNanos() - failedAt))
                        .isBetween(Duration.ofMillis(backoff / 2), Duration.ofMillis(backoff));
                backoff *= 2;
            }
            sender.last().answer(200);
            thread.runReady();
            sender.last().answer(200);
            thread.runReady();

            List<RecordingSender.Post> posts = sender.posts();
            assertThat(posts).hasSize(5);
            assertThat(posts.subList(0, 4))
                    .as("a retry sends the same signed batch")
                    .allSatisfy(p -> assertThat(p.body()).isEqualTo(posts.get(0).body()))
                    .allSatisfy(p -> assertThat(p.signature()).isEqualTo(posts.get(0).signature()));
            assertThat(sender.summary(ALL).subList(6, 9))
                    .containsExactly(
                            "channel_occupied flaky-1",
                            "channel_occupied flaky-2",
                            "channel_occupied flaky-3");
            assertThat(posts).allSatisfy(p -> assertSigned(p, APP));
            assertThat(count(HeraldMetrics.WEBHOOK_ATTEMPTS_FAILED)).isEqualTo(3);
            assertThat(count(HeraldMetrics.WEBHOOKS_RETRIED)).isEqualTo(3);
            assertThat(count(HeraldMetrics.WEBHOOKS_SENT)).isEqualTo(2);
            assertThat(count(HeraldMetrics.WEBHOOKS_DROPPED)).isZero();
            assertThat(count(HeraldMetrics.WEBHOOK_EVENTS_DROPPED)).isZero();
        }

        @Test
        void aBatchStillFailingAfterTheRetryWindowIsDroppedAndCountedAndTheNextOneGoes() {
            sender.answering(
                    post -> post.summary().contains("channel_occupied doomed") ? 500 : 200);
            WebhookDispatcher hooks = dispatcher();
            hooks.channelOccupied(APP, "doomed");
            thread.advance(BATCH_WAIT);
            long made = thread.nanoTime();
            hooks.memberAdded(APP, "presence-next", member("u1"), "1.1");
            thread.advance(BATCH_WAIT);

            thread.advance(DEFAULTS.retryFor().plus(Duration.ofMinutes(1)));

            List<RecordingSender.Post> attempts =
                    sender.posts().subList(0, sender.posts().size() - 1);
            assertThat(attempts)
                    .allSatisfy(
                            p ->
                                    assertThat(p.summary())
                                            .containsExactly("channel_occupied doomed"));
            for (int i = 1; i < attempts.size(); i++) {
                long backoff = Math.min(30_000, 500L << (i - 1));
                assertThat(
                                Duration.ofNanos(
                                        attempts.get(i).atNanos() - attempts.get(i - 1).atNanos()))
                        .as("attempt %d", i + 1)
                        .isBetween(Duration.ofMillis(backoff / 2), Duration.ofMillis(backoff));
            }
            Duration lastAge = Duration.ofNanos(attempts.get(attempts.size() - 1).atNanos() - made);
            Duration ageBefore =
                    Duration.ofNanos(attempts.get(attempts.size() - 2).atNanos() - made);
            assertThat(ageBefore).isLessThan(DEFAULTS.retryFor());
            assertThat(lastAge)
                    .as("the attempt after which it was given up")
                    .isGreaterThanOrEqualTo(DEFAULTS.retryFor());
            assertThat(sender.last().summary()).containsExactly("member_added:u1 presence-next");
            assertThat(count(HeraldMetrics.WEBHOOKS_DROPPED, "reason", "expired")).isEqualTo(1);
            assertThat(count(HeraldMetrics.WEBHOOK_EVENTS_DROPPED, "type", "channel_occupied"))
                    .isEqualTo(1);
            assertThat(count(HeraldMetrics.WEBHOOK_ATTEMPTS_FAILED)).isEqualTo(attempts.size());
            assertThat(count(HeraldMetrics.WEBHOOKS_RETRIED)).isEqualTo(attempts.size() - 1);
            assertThat(count(HeraldMetrics.WEBHOOKS_SENT)).isEqualTo(1);
        }
    }

    @Nested
    class Outbox {

        @Test
        void aReceiverThatNeverAnswersCostsABoundedOutboxAndTheDropsAreCounted() {
            int limit = 5;
            sender.answering(post -> RecordingSender.UNANSWERED);
            WebhookDispatcher hooks = dispatcher(settings(1, DEFAULTS.retryFor(), limit));
            for (int i = 0; i < 30; i++) {
                hooks.channelOccupied(APP, "outbox-" + i); // a batch each
            }
            thread.runReady();

            assertThat(sender.posts())
                    .singleElement()
                    .satisfies(
                            p ->
                                    assertThat(p.summary())
                                            .containsExactly("channel_occupied outbox-0"));
            assertThat(count(HeraldMetrics.WEBHOOKS_DROPPED, "reason", "outbox_full"))
                    .isEqualTo(30 - limit);
            assertThat(count(HeraldMetrics.WEBHOOK_EVENTS_DROPPED, "reason", "outbox_full"))
                    .isEqualTo(30 - limit);
            assertThat(gauge(HeraldMetrics.WEBHOOK_QUEUE_DEPTH)).isEqualTo(limit);
            assertThat(count(HeraldMetrics.WEBHOOKS_SENT)).isZero();

            // the oldest waiting went first: what is left is the one in flight and the newest
            sender.answering(post -> 200);
            sender.last().answer(200);
            thread.runReady();
            assertThat(sender.summary(ALL))
                    .containsExactly(
                            "channel_occupied outbox-0",
                            "channel_occupied outbox-26",
                            "channel_occupied outbox-27",
                            "channel_occupied outbox-28",
                            "channel_occupied outbox-29");
        }

        @Test
        void aFullOutboxShedsLowerRankedBatchesFirstAndNeverForOne() {
            sender.answering(post -> RecordingSender.UNANSWERED);
            WebhookDispatcher hooks = dispatcher(settings(1, DEFAULTS.retryFor(), 3));
            hooks.channelOccupied(APP, "a"); // in flight
            thread.runReady();
            hooks.clientEvent(APP, "private-x", "client-1", "{}", "1.1", null);
            hooks.clientEvent(APP, "private-x", "client-2", "{}", "1.1", null);
            thread.runReady();
            hooks.channelOccupied(APP, "b"); // sheds client-1
            hooks.channelOccupied(APP, "c"); // sheds client-2
            thread.runReady();
            hooks.clientEvent(
                    APP, "private-x", "client-3", "{}", "1.1", null); // outranked: dropped itself
            thread.runReady();
            assertThat(sender.posts())
                    .singleElement()
                    .satisfies(p -> assertThat(p.summary()).containsExactly("channel_occupied a"));

            sender.answering(post -> 200);
            sender.last().answer(200);
            thread.runReady();
            assertThat(sender.summary(ALL))
                    .containsExactly(
                            "channel_occupied a", "channel_occupied b", "channel_occupied c");
            assertThat(count(HeraldMetrics.WEBHOOK_EVENTS_DROPPED, "type", "client_event"))
                    .isEqualTo(3);
            assertThat(count(HeraldMetrics.WEBHOOK_EVENTS_DROPPED, "type", "channel_occupied"))
                    .isZero();
        }
    }

    // --- helpers ---

    private static void assertSigned(RecordingSender.Post post, App app) {
        assertThat(post.key()).as("X-Pusher-Key").isEqualTo(app.key());
        assertThat(post.signature())
                .as("X-Pusher-Signature of %s", post.body())
                .isEqualTo(hmac(app.secret(), post.bytes()));
        assertThat(post.events()).as("events of %s", post.body()).isNotEmpty();
    }

    /**
     * The signature written out: HMAC-SHA256 of the body's bytes with the app's secret, in
     * lower-case hex.
     */
    private static String hmac(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private double count(String name, String... tags) {
        return metrics.registry().find(name).tags(tags).counters().stream()
                .mapToDouble(Counter::count)
                .sum();
    }

    private double gauge(String name) {
        return metrics.registry().find(name).gauges().stream().mapToDouble(Gauge::value).sum();
    }

    /** Removal marks two in-process nodes share, as Redis shares them between real ones. */
    private static final class SharedMarks implements RemovalMarks {
        private final Set<String> marks = ConcurrentHashMap.newKeySet();

        @Override
        public void mark(String key) {
            marks.add(key);
        }

        @Override
        public CompletionStage<Boolean> clear(String key) {
            return CompletableFuture.completedFuture(marks.remove(key));
        }

        @Override
        public CompletionStage<Boolean> confirm(String key) {
            return CompletableFuture.completedFuture(marks.remove(key));
        }
    }
}
