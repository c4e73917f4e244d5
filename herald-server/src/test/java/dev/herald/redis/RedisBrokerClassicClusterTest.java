package dev.herald.redis;

/**
 * The broker contract on a Redis Cluster whose relay channels are classic channels
 * (HERALD_REDIS_SHARDED_PUBSUB=false): every publication reaches every node of the cluster.
 */
class RedisBrokerClassicClusterTest extends RedisBrokerClusterTest {

    @Override
    boolean sharded() {
        return false;
    }
}
