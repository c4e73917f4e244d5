package dev.herald.redis;

import dev.herald.activity.ActivityFeed;
import dev.herald.activity.ClusteredActivityFeedContract;
import dev.herald.testing.RedisClusterProcesses;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * The activity feed contract on a Redis Cluster of three masters: the debug stream stays classic
 * pub/sub there, which every node of the cluster relays to every other, so a node hears the events
 * whichever node its pub/sub connection and the publisher's reach.
 */
class RedisActivityFeedClusterTest extends ClusteredActivityFeedContract {

    private static final Duration LAPSE = Duration.ofSeconds(1);

    private static RedisClusterProcesses cluster;
    private final String namespace = "herald-test-" + UUID.randomUUID();
    private final Map<ActivityFeed, RedisConnections> connections = new IdentityHashMap<>();
    private final List<ActivityFeed> feeds = new ArrayList<>();

    @BeforeAll
    static void startCluster() {
        cluster = RedisClusterProcesses.start("activity", 3, 0);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Override
    protected RedisActivityFeed feed() {
        RedisConnections node =
                new RedisConnections(
                        RedisTarget.cluster(
                                List.of(cluster.nodesSetting().split(",")), null, null, false),
                        namespace);
        RedisActivityFeed feed = new RedisActivityFeed(node, TestRedis.nodeId(), LAPSE).start();
        connections.put(feed, node);
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
        feeds.forEach(ActivityFeed::close);
        connections.values().forEach(RedisConnections::close);
    }
}
