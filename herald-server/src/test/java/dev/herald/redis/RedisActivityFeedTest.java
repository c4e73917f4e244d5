package dev.herald.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.herald.activity.ActivityEvent;
import dev.herald.activity.ActivityFeed;
import dev.herald.activity.ClusteredActivityFeedContract;
import dev.herald.activity.Viewer;
import dev.herald.broker.RecordingListener;
import dev.herald.protocol.Json;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The activity feed contract on the real Redis, each node with connections of its own, whose
 * interest lapses 1 s after a crash.
 */
class RedisActivityFeedTest extends ClusteredActivityFeedContract {

    private static final Duration LAPSE = Duration.ofSeconds(1);

    @RegisterExtension final TestRedis redis = new TestRedis();
    private final Map<ActivityFeed, RedisConnections> connections = new IdentityHashMap<>();
    private final Map<ActivityFeed, String> nodes = new IdentityHashMap<>();
    private final List<ActivityFeed> feeds = new ArrayList<>();

    @Override
    protected RedisActivityFeed feed() {
        RedisConnections node = redis.connect();
        String id = TestRedis.nodeId();
        RedisActivityFeed feed = new RedisActivityFeed(node, id, LAPSE).start();
        connections.put(feed, node);
        nodes.put(feed, id);
        feeds.add(feed);
        return feed;
    }

    /** With its connections gone the node can neither renew nor withdraw its interest. */
    @Override
    protected void crash(ActivityFeed node) {
        connections.get(node).close();
    }

    @AfterEach
    void closeFeeds() {
        feeds.forEach(ActivityFeed::close); // a crashed node's close finds Redis gone, harmlessly
    }

    private void publishRaw(String appId, byte[] message) {
        RedisConnections raw = redis.connect();
        raw.publishing()
                .publish(
                        raw.keys().activityChannel(appId).getBytes(StandardCharsets.UTF_8), message)
                .toCompletableFuture()
                .join();
    }

    private static byte[] json(String from, ActivityEvent event) throws Exception {
        return Json.MAPPER.writeValueAsBytes(new RedisActivityFeed.Message(from, event));
    }

    private static ActivityEvent eventNamed(String appId, String name) {
        return new ActivityEvent(
                1L, "9", appId, ActivityEvent.Kind.API_MESSAGE, null, "news", name, 2, "{}", null);
    }

    @Test
    void ignoresWhatIsNotAnotherNodesEventOfTheChannelsApp() throws Exception {
        RedisActivityFeed a = feed();
        RedisActivityFeed b = feed();
        Viewer viewer = new Viewer();
        b.watch(APP, viewer);
        await().atMost(WITHIN).until(() -> a.watching(APP)); // b is subscribed

        publishRaw(APP, "not json".getBytes(StandardCharsets.UTF_8));
        publishRaw(APP, "{\"from\":\"9\"}".getBytes(StandardCharsets.UTF_8));
        publishRaw(APP, json("9", eventNamed(OTHER_APP, "another app's")));
        publishRaw(APP, json(nodes.get(b), eventNamed(APP, "b's own")));
        StringBuilder big = new StringBuilder();
        while (big.length() <= RedisActivityFeed.MAX_MESSAGE_BYTES) {
            big.append("0123456789");
        }
        publishRaw(
                APP,
                json(
                        "9",
                        new ActivityEvent(
                                1L,
                                "9",
                                APP,
                                ActivityEvent.Kind.WEBHOOK,
                                null,
                                null,
                                "too big",
                                -1,
                                null,
                                Map.of("body", big.toString()))));
        publishRaw(
                APP,
                "{\"from\":\"9\",\"event\":{\"app\":\"app-id\",\"node\":\"9\",\"kind\":\"NO_SUCH_KIND\"}}"
                        .getBytes(StandardCharsets.UTF_8));
        publishRaw(
                APP,
                "{\"from\":\"9\",\"newer\":1,\"event\":{\"app\":\"app-id\",\"node\":\"9\",\"kind\":\"CONNECTED\",\"event\":\"readable\",\"later\":{}}}"
                        .getBytes(StandardCharsets.UTF_8));

        settles(() -> assertThat(viewer.names()).containsExactly("readable"));
    }

    @Test
    void dropsAndCountsPublicationsBeyondThoseInFlight() throws Exception {
        RedisActivityFeed a = feed();
        RedisActivityFeed b = feed();
        Viewer viewer = new Viewer();
        b.watch(APP, viewer);
        await().atMost(WITHIN).until(() -> a.watching(APP));
        // Redis holds every answer back: nothing a sends is answered until the flush
        connections.get(a).publisher().setAutoFlushCommands(false);

        for (int i = 0; i < RedisActivityFeed.MAX_PENDING + 5; i++) {
            a.record(event("a", APP, "event " + i));
        }

        assertThat(a.dropped()).isEqualTo(5);
        connections.get(a).publisher().flushCommands();
        await().atMost(WITHIN).until(() -> viewer.events().size() == RedisActivityFeed.MAX_PENDING);
        assertThat(viewer.names()).startsWith("event 0").endsWith("event 999");

        connections.get(a).publisher().setAutoFlushCommands(true);
        a.record(event("a", APP, "after"));
        await().atMost(WITHIN).until(() -> viewer.names().contains("after"));
        assertThat(a.dropped()).isEqualTo(5);
    }

    @Test
    void dropsAndCountsAnEventTooLargeToPublish() throws Exception {
        RedisActivityFeed a = feed();
        RedisActivityFeed b = feed();
        Viewer viewer = new Viewer();
        b.watch(APP, viewer);
        await().atMost(WITHIN).until(() -> a.watching(APP));
        String big = "x".repeat(RedisActivityFeed.MAX_MESSAGE_BYTES);

        a.record(
                new ActivityEvent(
                        1L,
                        "a",
                        APP,
                        ActivityEvent.Kind.WEBHOOK,
                        null,
                        null,
                        "too big",
                        -1,
                        null,
                        Map.of("body", big)));
        a.record(event("a", APP, "small"));

        settles(() -> assertThat(viewer.names()).containsExactly("small"));
        assertThat(a.dropped()).isEqualTo(1);
    }

    @Test
    void sendsNothingToRedisWhileNoOtherNodeWatches() throws Exception {
        RedisActivityFeed a = feed();
        Viewer viewer = new Viewer();
        a.watch(APP, viewer);
        connections.get(a).publisher().setAutoFlushCommands(false);

        for (int i = 0; i < RedisActivityFeed.MAX_PENDING + 5; i++) {
            a.record(event("a", APP, "event " + i));
        }

        // nothing was published, so nothing waits for Redis and nothing is dropped
        assertThat(a.dropped()).isZero();
        assertThat(viewer.events()).hasSize(RedisActivityFeed.MAX_PENDING + 5);
    }

    @Test
    void leavesNoKeyBehindOnceEveryNodeClosed() throws Exception {
        RedisActivityFeed a = feed();
        RedisActivityFeed b = feed();
        a.watch(APP, new Viewer());
        b.watch(OTHER_APP, new Viewer());
        await().atMost(WITHIN).until(() -> a.watching(OTHER_APP) && b.watching(APP));
        RedisClusterCommands<String, String> sync = redis.connect().sync();
        assertThat(sync.zrange(redis.connect().keys().watching(), 0, -1)).hasSize(2);

        a.close();
        b.close();

        assertThat(redis.keys()).isEmpty();
    }

    @Test
    void expiresTheInterestKeyWithItsLastMember() throws Exception {
        RedisActivityFeed a = feed();
        a.watch(APP, new Viewer());
        RedisConnections raw = redis.connect();
        String key = raw.keys().watching();
        await().atMost(WITHIN).until(() -> raw.sync().exists(key) == 1);

        long ttl = raw.sync().pttl(key);

        assertThat(ttl).isPositive().isLessThanOrEqualTo(LAPSE.toMillis());
    }

    @Test
    void sharesTheSubscriberConnectionWithTheBroker() throws Exception {
        RedisActivityFeed a = feed();
        RedisActivityFeed b = feed();
        RecordingListener brokerListener = new RecordingListener();
        RedisBroker broker = new RedisBroker(connections.get(b), TestRedis.nodeId());
        broker.start(brokerListener);
        Viewer viewer = new Viewer();
        b.watch(APP, viewer);
        await().atMost(WITHIN).until(() -> a.watching(APP));

        a.record(event("a", APP, "to the feed"));

        settles(() -> assertThat(viewer.names()).containsExactly("to the feed"));
        assertThat(brokerListener.publications).isEmpty();
    }

    @Test
    void refusesAnAppIdOutsideTheRule() {
        RedisActivityFeed feed = feed();

        for (String bad : new String[] {"", "team|blue", "a:b", "x".repeat(256)}) {
            assertThatThrownBy(() -> feed.watch(bad, new Viewer()))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(feed.watching("team|blue")).isFalse();
    }

    @Test
    void refusesALapseOutOfBounds() {
        RedisConnections node = redis.connect();

        assertThatThrownBy(() -> new RedisActivityFeed(node, "1", Duration.ofMillis(299)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("300 ms");
        assertThatThrownBy(() -> new RedisActivityFeed(node, "1", Duration.ofSeconds(61)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RedisActivityFeed(node, "", LAPSE))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
