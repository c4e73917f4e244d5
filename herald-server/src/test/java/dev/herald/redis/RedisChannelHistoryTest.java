package dev.herald.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.herald.apps.HistoryRule;
import dev.herald.broker.RecordingListener;
import dev.herald.history.ClusteredHistoryContract;
import dev.herald.history.HistoryPage;
import dev.herald.protocol.EncodedEvent;
import dev.herald.protocol.StreamPosition;
import io.lettuce.core.Range;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The history contract on the real Redis: each node a {@link RedisBroker} and a {@link
 * RedisChannelHistory} on connections of its own, each test under a namespace of its own.
 */
class RedisChannelHistoryTest extends ClusteredHistoryContract {

    @RegisterExtension final TestRedis redis = new TestRedis();
    private final Map<Node, RedisConnections> connections = new IdentityHashMap<>();
    private final Map<Node, String> nodeIds = new IdentityHashMap<>();

    @Override
    protected Node node() throws Exception {
        RedisConnections own = redis.connect();
        String id = TestRedis.nodeId();
        RedisBroker broker = new RedisBroker(own, id);
        RecordingListener listener = new RecordingListener();
        broker.start(listener);
        // start() does not wait for Redis to confirm its first subscription; one more confirmed
        // on the same connection means that one is in place too
        own.subscriber()
                .async()
                .subscribe((redis.namespace + ":started").getBytes(StandardCharsets.UTF_8))
                .get(WITHIN.toMillis(), TimeUnit.MILLISECONDS);
        Node node = new Node(broker, new RedisChannelHistory(own), listener);
        connections.put(node, own);
        nodeIds.put(node, id);
        return node;
    }

    /** Redis's clock is the real one. */
    @Override
    protected void pass(Duration time) throws InterruptedException {
        Thread.sleep(time.toMillis());
    }

    @Override
    protected void loseHistory(String appId, String channel) {
        sync().del(keys().historyMeta(appId, channel));
    }

    private RedisClusterCommands<String, String> sync() {
        return redis.connect().sync();
    }

    private RedisKeys keys() {
        return redis.connect().keys();
    }

    @Test
    void keepsAChannelInTwoKeysThatExpire() throws Exception {
        Node node = node();

        StreamPosition position = record(node, APP, CHANNEL, "F!", "1.2", RULE);

        String meta = keys().historyMeta(APP, CHANNEL);
        String stream = keys().historyStream(APP, CHANNEL);
        assertThat(redis.keys()).containsExactlyInAnyOrder(meta, stream);
        assertThat(sync().hgetall(meta)).isEqualTo(Map.of("e", position.epoch(), "n", "1"));
        List<StreamMessage<String, String>> entries = sync().xrange(stream, Range.create("-", "+"));
        assertThat(entries).hasSize(1);
        assertThat(entries.get(0).getId()).isEqualTo("1-0");
        assertThat(entries.get(0).getBody()).containsOnlyKeys("f", "t", "x");
        assertThat(entries.get(0).getBody()).containsEntry("f", "F!").containsEntry("x", "1.2");
        long ttl = RULE.ttlSeconds() * 1000L;
        long day = Duration.ofDays(1).toMillis();
        assertThat(sync().pttl(stream)).isGreaterThan(ttl - 10_000).isLessThanOrEqualTo(ttl);
        assertThat(sync().pttl(meta))
                .isGreaterThan(ttl + day - 10_000)
                .isLessThanOrEqualTo(ttl + day);
    }

    @Test
    void anEpochAReaderStartedLivesOnlyTheRulesTtlUntilAnEventIsRecorded() throws Exception {
        Node node = node();

        read(node, null);

        // a client subscribing to made-up channel names must not fill Redis for a day
        String meta = keys().historyMeta(APP, CHANNEL);
        assertThat(redis.keys()).containsExactly(meta);
        long ttl = RULE.ttlSeconds() * 1000L;
        assertThat(sync().pttl(meta)).isGreaterThan(ttl - 10_000).isLessThanOrEqualTo(ttl);
    }

    @Test
    void publishesTheRecordedEnvelopeTheRelayDocuments() throws Exception {
        Node node = node();
        List<byte[]> messages = new CopyOnWriteArrayList<>();
        StatefulRedisPubSubConnection<byte[], byte[]> spy = redis.connect().subscriber();
        spy.addListener(
                new RedisPubSubAdapter<>() {
                    @Override
                    public void message(byte[] channel, byte[] message) {
                        messages.add(message);
                    }
                });
        spy.sync().subscribe(keys().relayChannel(APP, CHANNEL).getBytes(StandardCharsets.UTF_8));

        StreamPosition position = record(node, APP, CHANNEL, "F!", "1.2", RULE);

        await().atMost(WITHIN).until(() -> messages.size() == 1);
        byte[] id = nodeIds.get(node).getBytes(StandardCharsets.UTF_8);
        byte[] text = position.toString().getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write('R');
        expected.write(id.length);
        expected.write(id);
        expected.writeBytes(new byte[] {3, '1', '.', '2'});
        expected.write(text.length);
        expected.write(text);
        expected.writeBytes(new byte[] {'F', '!'});
        assertThat(messages.get(0)).isEqualTo(expected.toByteArray());
    }

    @Test
    void dropsAgedEventsWhenRecordingAndReading() throws Exception {
        Node node = node();
        HistoryRule twoSeconds = new HistoryRule("private-", 1_000, 2);
        String stream = keys().historyStream(APP, CHANNEL);
        for (int i = 1; i <= 40; i++) {
            record(node, APP, CHANNEL, "old " + i, null, twoSeconds);
        }
        pass(Duration.ofMillis(1_100));
        for (int i = 1; i <= 10; i++) {
            record(node, APP, CHANNEL, "new " + i, null, twoSeconds);
        }
        assertThat(sync().xlen(stream)).isEqualTo(50);
        pass(Duration.ofMillis(1_000));

        // the first 40 aged out, the last 10 not yet: found by bisection, and gone from Redis
        HistoryPage page = read(node, APP, CHANNEL, null, 100, twoSeconds);

        assertThat(serials(page)).first().isEqualTo(41L);
        assertThat(serials(page)).hasSize(10);
        assertThat(sync().xlen(stream)).isEqualTo(10);
        StreamPosition position = record(node, APP, CHANNEL, "newest", null, twoSeconds);
        assertThat(position.serial()).isEqualTo(51);
    }

    @Test
    void dropsAgedEventsAsItRecords() throws Exception {
        Node node = node();
        HistoryRule second = new HistoryRule("private-", 1_000, 1);
        for (int i = 1; i <= 30; i++) {
            record(node, APP, CHANNEL, "old " + i, null, second);
        }
        pass(Duration.ofMillis(700));
        // recorded since: the stream's own expiry moves on, only the old events age out
        for (int i = 31; i < 64; i++) {
            record(node, APP, CHANNEL, "new " + i, null, second);
        }
        pass(Duration.ofMillis(400));
        // aged events go at every 64th event: until then they stay, bounded by the size
        assertThat(sync().xlen(keys().historyStream(APP, CHANNEL))).isEqualTo(63);

        record(node, APP, CHANNEL, "new 64", null, second);

        assertThat(sync().xlen(keys().historyStream(APP, CHANNEL))).isEqualTo(34);
    }

    @Test
    void keepsASocketIdTooLongToBeOneOfOursAsNoExclusion() throws Exception {
        Node node = node();

        record(node, APP, CHANNEL, "F", "1." + "2".repeat(300), RULE);

        assertThat(read(node, null).events().get(0).excludeSocketId()).isNull();
    }

    @Test
    void publishesUnrecordedWhenTheScriptFails() throws Exception {
        Node a = node();
        Node b = node();
        subscribe(a, APP, CHANNEL);
        subscribe(b, APP, CHANNEL);
        sync().set(keys().historyMeta(APP, CHANNEL), "not a hash");
        EncodedEvent event = event("hello");

        CompletableFuture<StreamPosition> recorded =
                a.broker().publishRecorded(APP, CHANNEL, event, "1.2", RULE).toCompletableFuture();
        event.release();

        assertThatThrownBy(() -> recorded.get(WITHIN.toMillis(), TimeUnit.MILLISECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(RedisCommandExecutionException.class);
        for (Node node : List.of(a, b)) {
            await().atMost(WITHIN).until(() -> node.listener().publications.size() == 1);
            RecordingListener.Received received = node.listener().publications.get(0);
            assertThat(received.text()).isEqualTo("hello");
            assertThat(received.position()).isNull();
            assertThat(received.positionedFrame()).isNull();
            assertThat(received.excludeSocketId()).isEqualTo("1.2");
        }
        assertThat(event.frame().refCnt()).isZero();
        assertThatThrownBy(
                        () ->
                                a.history()
                                        .read(APP, CHANNEL, null, 10, RULE)
                                        .toCompletableFuture()
                                        .get(WITHIN.toMillis(), TimeUnit.MILLISECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(RedisCommandExecutionException.class);
    }

    @Test
    void deliversLocallyUnrecordedWhenRedisIsAway() throws Exception {
        Node node = node();
        node.listener().wants(APP, CHANNEL, true);
        connections.get(node).close();
        EncodedEvent event = event("hello");

        CompletableFuture<StreamPosition> recorded =
                node.broker()
                        .publishRecorded(APP, CHANNEL, event, null, RULE)
                        .toCompletableFuture();
        event.release();

        assertThatThrownBy(() -> recorded.get(WITHIN.toMillis(), TimeUnit.MILLISECONDS))
                .isInstanceOf(ExecutionException.class);
        await().atMost(WITHIN).until(() -> node.listener().publications.size() == 1);
        assertThat(node.listener().publications.get(0).position()).isNull();
        assertThat(node.listener().publications.get(0).text()).isEqualTo("hello");
        assertThat(event.frame().refCnt()).isZero();
        assertThatThrownBy(
                        () ->
                                node.history()
                                        .read(APP, CHANNEL, null, 10, RULE)
                                        .toCompletableFuture()
                                        .get(WITHIN.toMillis(), TimeUnit.MILLISECONDS))
                .isInstanceOf(ExecutionException.class);
    }

    @Test
    void recordsAfterRedisForgotItsScripts() throws Exception {
        Node a = node();
        Node b = node();
        subscribe(b, APP, CHANNEL);
        StreamPosition first = record(a, "first");

        // what a restarted Redis that kept its data does (other tests' EVALs load theirs again)
        sync().scriptFlush();
        StreamPosition second = record(a, "second");
        HistoryPage page = read(b, first);

        assertThat(second).isEqualTo(first.next());
        assertThat(texts(page)).containsExactly("second");
        await().atMost(WITHIN).until(() -> b.listener().publications.size() == 2);
        assertThat(b.listener().publications)
                .extracting(RecordingListener.Received::position)
                .containsExactly(first, second);
    }
}
