package dev.herald.redis;

import dev.herald.broker.Broker;
import dev.herald.broker.BrokerListener;
import dev.herald.broker.ClusteredBrokerContract;
import dev.herald.testing.RedisClusterProcesses;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * The broker contract on a Redis Cluster of three masters: relay channels are shard channels, each
 * subscribed on the master of its slot; node commands are classic pub/sub. One cluster serves every
 * test, each test's nodes under a namespace of their own.
 */
class RedisBrokerClusterTest extends ClusteredBrokerContract {

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
