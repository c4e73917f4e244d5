package dev.herald.redis;

import dev.herald.apps.StaticAppStore;
import dev.herald.cluster.ClusteredViewContract;
import dev.herald.cluster.LocalChannels;
import dev.herald.observers.ClusterObserver;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The cluster contract on the real Redis, each test's nodes under a namespace of its own. */
class RedisClusterViewTest extends ClusteredViewContract {

    @RegisterExtension final TestRedis redis = new TestRedis();
    private final List<RedisClusterState> started = new ArrayList<>();

    @Override
    protected Engine engine(LocalChannels held, ClusterObserver decisions) {
        RedisConnections connections = redis.connect();
        RedisClusterState state =
                new RedisClusterState(
                        connections,
                        TestRedis.nodeId(),
                        held,
                        new StaticAppStore(List.of(APP, OTHER)),
                        LEASE.toMillis(),
                        decisions);
        state.start();
        started.add(state);
        // a crash: with its connections gone the node can neither renew its lease nor say goodbye
        return new Engine(
                new RedisClusterView(connections),
                state.localEvents(),
                state::close,
                connections::close);
    }

    @AfterEach
    void closeNodes() {
        started.forEach(
                RedisClusterState::close); // a second close of a stopped node does nothing harmful
    }
}
