package dev.herald.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.config.ConfigException;
import dev.herald.config.HeraldConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which Redis a node shares: one URL (plain, TLS or through sentinels) or some nodes of a Redis
 * Cluster with its credentials; every mix that cannot mean one thing is refused, naming the
 * settings.
 */
class RedisSettingsTest {

    private static HeraldConfig.Redis redis(String... args) {
        return Commands.parsed(args).config().redis();
    }

    @Test
    void noRedisIsANodeOnItsOwn() {
        assertThat(redis()).isNull();
    }

    @Test
    void aUrlOrASentinelUrlNamesOneRedis() {
        assertThat(redis("--redis-url", "redis://127.0.0.1:6379").url())
                .isEqualTo("redis://127.0.0.1:6379");
        HeraldConfig.Redis sentinel =
                redis("--redis-url", "redis-sentinel://127.0.0.1:26379,127.0.0.1:26380/0#mymaster");
        assertThat(sentinel.url()).startsWith("redis-sentinel://");
        assertThat(sentinel.clusterNodes()).isEmpty();
        assertThatThrownBy(() -> redis("--redis-url", "http://127.0.0.1:6379"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("--redis-url")
                .hasMessageContaining("redis-sentinel://");
    }

    @Test
    void clusterNodesWithTheirCredentials() {
        HeraldConfig.Redis cluster =
                redis("--redis-cluster-nodes", "127.0.0.1:7000,[::1]:7001", "--redis-tls");
        assertThat(cluster.url()).isNull();
        assertThat(cluster.clusterNodes()).containsExactly("127.0.0.1:7000", "[::1]:7001");
        assertThat(cluster.tls()).isTrue();
        assertThat(cluster.shardedPubSub()).isTrue();
        assertThat(
                        redis(
                                        "--redis-cluster-nodes",
                                        "127.0.0.1:7000",
                                        "--redis-sharded-pubsub=false")
                                .shardedPubSub())
                .isFalse();
        assertThat(cluster.toString()).doesNotContain("password");
    }

    @Test
    void aMalformedClusterNodeIsRefusedByName() {
        for (String bad :
                List.of("127.0.0.1", "127.0.0.1:", ":7000", "host:0", "host:70000", "h:x")) {
            assertThatThrownBy(() -> redis("--redis-cluster-nodes", bad))
                    .as(bad)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("--redis-cluster-nodes")
                    .hasMessageContaining("'" + bad + "'");
        }
    }

    @Test
    void moreThanSixtyFourClusterNodesAreRefused() {
        List<String> nodes = new ArrayList<>();
        for (int i = 0; i < 65; i++) {
            nodes.add("127.0.0.1:" + (7000 + i));
        }
        assertThat(
                        redis("--redis-cluster-nodes", String.join(",", nodes.subList(0, 64)))
                                .clusterNodes())
                .hasSize(64);
        assertThatThrownBy(() -> redis("--redis-cluster-nodes", String.join(",", nodes)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("65 nodes given: name at most 64");
    }

    @Test
    void aUrlAndClusterNodesTogetherAreRefused() {
        assertThatThrownBy(
                        () ->
                                redis(
                                        "--redis-url",
                                        "redis://127.0.0.1:6379",
                                        "--redis-cluster-nodes",
                                        "127.0.0.1:7000"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("both name a Redis");
    }

    @Test
    void clusterCredentialsWithoutClusterNodesAreRefusedNotIgnored() {
        assertThatThrownBy(() -> redis("--redis-url", "redis://127.0.0.1:6379", "--redis-tls"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("--redis-tls")
                .hasMessageContaining(
                        "applies to --redis-cluster-nodes (HERALD_REDIS_CLUSTER_NODES) only");
    }
}
