package dev.herald.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.ClusterRedis;
import dev.herald.testing.RedisClusterProcesses;
import dev.herald.testing.TestApp;
import org.junit.jupiter.api.Test;

/**
 * The Redis names the Redis Cluster ITs compute to find the master a channel lives on ({@link
 * ClusterRedis}) are the server's own: were the layout to change, a failover test would otherwise
 * kill a master that holds nothing of what it watches.
 */
class ClusterRedisNamesTest {

    private final RedisKeys keys = new RedisKeys(RedisKeys.DEFAULT_NAMESPACE);
    private final TestApp app = TestApp.named("names");

    @Test
    void aChannelsRelayAndOccupancyAreTheServersNamesAndShareTheChannelsSlot() {
        assertThat(ClusterRedis.relayChannel(app, "presence-room"))
                .isEqualTo(keys.relayChannel(app.id(), "presence-room"));
        assertThat(ClusterRedis.occupancyKey(app, "presence-room"))
                .isEqualTo(keys.occupancy(app.id(), "presence-room"));
        assertThat(ClusterRedis.NODES_KEY).isEqualTo(keys.nodes());
        int slot = ClusterRedis.channelSlot(app, "presence-room");
        assertThat(RedisClusterProcesses.slot(keys.relayChannel(app.id(), "presence-room")))
                .isEqualTo(slot);
        assertThat(RedisClusterProcesses.slot(keys.members(app.id(), "presence-room", "123")))
                .isEqualTo(slot);
    }
}
