package dev.herald.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.apps.StaticAppStore;
import dev.herald.cluster.ClusteredViewContract;
import dev.herald.cluster.LocalChannels;
import dev.herald.observers.ClusterObserver;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The cluster contract on the real Redis, each test's nodes under a namespace of its own. */
class RedisClusterViewTest extends ClusteredViewContract {

    @RegisterExtension final TestRedis redis = new TestRedis();
    private final List<RedisClusterState> started = new ArrayList<>();
    private final List<String> nodeIds = new ArrayList<>();

    @Override
    protected Engine engine(LocalChannels held, ClusterObserver decisions) {
        RedisConnections connections = redis.connect();
        String id = TestRedis.nodeId();
        RedisClusterState state =
                new RedisClusterState(
                        connections,
                        id,
                        held,
                        new StaticAppStore(List.of(APP, OTHER)),
                        LEASE.toMillis(),
                        decisions);
        state.start();
        started.add(state);
        nodeIds.add(id);
        // a crash: with its connections gone the node can neither renew its lease nor say goodbye
        return new Engine(
                new RedisClusterView(connections),
                state.localEvents(),
                state::leaveAtClose,
                state::close,
                connections::close);
    }

    /** Reaping leaves no key, field or set member of the dead node. */
    @Override
    protected void assertNothingLeftOf(int node) {
        RedisConnections connections = redis.connect();
        assertNothingLeftOf(
                connections.keys(), redis.keys(), connections.sync(), nodeIds.get(node));
    }

    /** No key among {@code keys}, no field or member in them, and no lease is the node's. */
    static void assertNothingLeftOf(
            RedisKeys names,
            List<String> keys,
            RedisClusterCommands<String, String> redis,
            String node) {
        assertThat(keys).noneMatch(key -> key.contains("{n:" + node + "}"));
        assertThat(keys).noneMatch(key -> key.endsWith(":m:" + node));
        for (String key : keys) {
            if (key.endsWith("}:o")) {
                assertThat(redis.hkeys(key)).as(key).doesNotContain(node);
            } else if (key.endsWith("}:mn")) {
                assertThat(redis.smembers(key)).as(key).doesNotContain(node);
            }
        }
        assertThat(redis.zscore(names.nodes(), node)).isNull();
    }

    @AfterEach
    void closeNodes() {
        started.forEach(
                RedisClusterState::close); // a second close of a stopped node does nothing harmful
    }
}
