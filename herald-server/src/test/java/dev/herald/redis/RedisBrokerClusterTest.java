package dev.herald.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.apps.HistoryRule;
import dev.herald.broker.Broker;
import dev.herald.broker.BrokerListener;
import dev.herald.broker.ClusteredBrokerContract;
import dev.herald.broker.RecordingListener;
import dev.herald.protocol.EncodedEvent;
import dev.herald.protocol.StreamPosition;
import dev.herald.testing.RedisClusterProcesses;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The broker contract on a Redis Cluster of three masters: relay channels are shard channels, each
 * subscribed on the master of its slot, which the recording script publishes on too; node commands
 * are classic pub/sub. One cluster serves every test, each test's nodes under a namespace of their
 * own.
 */
class RedisBrokerClusterTest extends ClusteredBrokerContract {

    private static final HistoryRule RULE = new HistoryRule("private-", 100, 60);

    private static RedisClusterProcesses cluster;
    private final String namespace = "herald-test-" + UUID.randomUUID();
    private final List<RedisConnections> opened = new ArrayList<>();

    @BeforeAll
    static void startCluster() {
        cluster = RedisClusterProcesses.start("broker", 3, 0);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Whether relay channels are shard channels (HERALD_REDIS_SHARDED_PUBSUB). */
    boolean sharded() {
        return true;
    }

    @AfterEach
    void closeNodes() {
        opened.forEach(RedisConnections::close);
    }

    @Test
    void relaysRecordedPublicationsToEveryNodeInPositionOrder() throws Exception {
        RecordingListener a = new RecordingListener();
        RecordingListener b = new RecordingListener();
        Broker recorder = node(a);
        Broker other = node(b);
        subscribe(recorder, a, "app-id", "private-chat");
        subscribe(other, b, "app-id", "private-chat");
        List<String> sent = new ArrayList<>();
        List<StreamPosition> positions = new ArrayList<>();

        for (int i = 0; i < 20; i++) {
            sent.add("event " + i);
            EncodedEvent event = event("event " + i);
            try {
                positions.add(
                        recorder.publishRecorded("app-id", "private-chat", event, null, RULE)
                                .toCompletableFuture()
                                .get(WITHIN.toMillis(), TimeUnit.MILLISECONDS));
            } finally {
                event.release();
            }
        }

        // the recording node too takes its events from pub/sub, in position order
        for (RecordingListener node : List.of(a, b)) {
            await().atMost(WITHIN).until(() -> node.publications.size() >= sent.size());
            assertThat(node.texts("app-id", "private-chat")).containsExactlyElementsOf(sent);
            assertThat(node.publications)
                    .extracting(RecordingListener.Received::position)
                    .containsExactlyElementsOf(positions);
        }
    }

    @Override
    protected Broker node(BrokerListener listener) throws Exception {
        RedisConnections connections =
                new RedisConnections(
                        new RedisTarget(
                                null,
                                List.of(cluster.nodesSetting().split(",")),
                                null,
                                null,
                                false,
                                sharded()),
                        namespace);
        opened.add(connections);
        Broker broker = new RedisBroker(connections, TestRedis.nodeId());
        broker.start(listener);
        // one more classic subscription confirmed on the same connection: the node commands' is in
        // place too
        connections
                .subscriber()
                .async()
                .subscribe((namespace + ":started").getBytes(StandardCharsets.UTF_8))
                .get(WITHIN.toMillis(), TimeUnit.MILLISECONDS);
        return broker;
    }
}
