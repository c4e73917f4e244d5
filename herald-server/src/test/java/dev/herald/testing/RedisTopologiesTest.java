package dev.herald.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions.RefreshTrigger;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The Redis test topologies are what they claim: a cluster that Lettuce can use, whose slots move
 * with their keys and whose masters fail over, and a sentinel setup whose clients follow a
 * failover. One cluster serves the cluster tests, in order: the failover comes last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisTopologiesTest {

    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);

    private static RedisClusterProcesses cluster;
    private static RedisClusterClient client;
    private static StatefulRedisClusterConnection<String, String> connection;

    @BeforeAll
    static void startCluster() {
        long started = System.nanoTime();
        cluster = RedisClusterProcesses.start("topologies");
        System.out.printf(
                "cluster of 3 masters and 3 replicas up in %d ms%n",
                Duration.ofNanos(System.nanoTime() - started).toMillis());
        client = RedisClusterClient.create(cluster.uris());
        client.setOptions(
                ClusterClientOptions.builder()
                        .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
                        .topologyRefreshOptions(
                                ClusterTopologyRefreshOptions.builder()
                                        .enableAdaptiveRefreshTrigger(
                                                RefreshTrigger.MOVED_REDIRECT,
                                                RefreshTrigger.PERSISTENT_RECONNECTS,
                                                RefreshTrigger.UNCOVERED_SLOT,
                                                RefreshTrigger.UNKNOWN_NODE)
                                        .enablePeriodicRefresh(Duration.ofSeconds(1))
                                        .build())
                        .build());
        connection = client.connect();
    }

    @AfterAll
    static void stopCluster() {
        try {
            if (connection != null) {
                connection.close();
            }
            if (client != null) {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(5));
            }
        } finally {
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    @Test
    @Order(1)
    void clusterHasThreeMastersWithOneReplicaEachServingEverySlot() {
        List<Integer> masters = cluster.masters();
        assertThat(masters).hasSize(3);
        assertThat(cluster.ports()).hasSize(6).doesNotHaveDuplicates();
        Set<Integer> replicas = new HashSet<>();
        for (int master : masters) {
            assertThat(cluster.replicasOf(master)).hasSize(1);
            replicas.addAll(cluster.replicasOf(master));
        }
        assertThat(replicas).hasSize(3).doesNotContainAnyElementsOf(masters);
        assertThat(cluster.nodesSetting())
                .matches("127\\.0\\.0\\.1:\\d+(,127\\.0\\.0\\.1:\\d+){5}");

        Partitions partitions = connection.getPartitions();
        Set<Integer> serving = new HashSet<>();
        for (int slot = 0; slot < RedisClusterProcesses.SLOTS; slot++) {
            RedisClusterNode node = partitions.getMasterBySlot(slot);
            assertThat(node).as("master of slot %d", slot).isNotNull();
            serving.add(node.getUri().getPort());
        }
        assertThat(serving).containsExactlyInAnyOrderElementsOf(masters);
        for (int slot : List.of(0, 5460, 5461, 10922, 10923, 16383)) {
            assertThat(cluster.masterForSlot(slot))
                    .as("slot %d", slot)
                    .isEqualTo(partitions.getMasterBySlot(slot).getUri().getPort());
        }
    }

    @Test
    @Order(2)
    void keyWrittenThroughTheClusterClientIsOnTheMasterOfItsSlot() {
        String key = "{topologies}written";
        assertThat(RedisClusterProcesses.slot(key))
                .isEqualTo(RedisClusterProcesses.slot("topologies"))
                .isEqualTo(RedisClusterProcesses.slot("{topologies}other"));

        connection.sync().set(key, "value");

        assertThat(connection.sync().get(key)).isEqualTo("value");
        int master = cluster.masterForSlot(RedisClusterProcesses.slot(key));
        assertThat(connection.getConnection("127.0.0.1", master).sync().get(key))
                .isEqualTo("value");
    }

    @Test
    @Order(3)
    void migratedSlotTakesItsKeysAlong() {
        RedisAdvancedClusterCommands<String, String> redis = connection.sync();
        int slot = RedisClusterProcesses.slot("{migrating}");
        int keys = 250; // more than one MIGRATE batch
        for (int i = 0; i < keys; i++) {
            redis.set("{migrating}" + i, "value-" + i);
        }
        int from = cluster.masterForSlot(slot);
        int to = cluster.masters().stream().filter(port -> port != from).findFirst().orElseThrow();
        Map<Integer, Long> cpuBefore = cluster.cpuMicros();

        long started = System.nanoTime();
        cluster.migrateSlot(slot, to);
        System.out.printf(
                "slot %d with %d keys migrated in %d ms%n",
                slot, keys, Duration.ofNanos(System.nanoTime() - started).toMillis());

        assertThat(cluster.masterForSlot(slot)).isEqualTo(to);
        assertThat(connection.getConnection("127.0.0.1", to).sync().clusterCountKeysInSlot(slot))
                .isEqualTo(keys);
        assertThat(connection.getConnection("127.0.0.1", from).sync().clusterCountKeysInSlot(slot))
                .isZero();
        for (int i = 0; i < keys; i++) {
            assertThat(redis.get("{migrating}" + i)).isEqualTo("value-" + i);
        }
        Map<Integer, Long> cpuAfter = cluster.cpuMicros();
        assertThat(cpuAfter.keySet()).containsExactlyInAnyOrderElementsOf(cluster.ports());
        assertThat(cpuAfter.get(from)).isGreaterThan(cpuBefore.get(from));
        assertThat(cluster.cpuMicros(to)).isGreaterThanOrEqualTo(cpuAfter.get(to));
    }

    @Test
    @Order(4)
    void clusterRefusesWhatItCannotDo() {
        int master = cluster.masters().get(0);
        int replica = cluster.replicasOf(master).get(0);
        assertThatThrownBy(() -> RedisClusterProcesses.start("refused", 2, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("masters must be 3 to 8");
        assertThatThrownBy(() -> RedisClusterProcesses.start("refused", 9, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("masters must be 3 to 8");
        assertThatThrownBy(() -> RedisClusterProcesses.start("refused", 3, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("replicasPerMaster must be 0 to 2");
        assertThatThrownBy(() -> RedisClusterProcesses.start("../escape", 3, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("name must be");
        assertThatThrownBy(() -> cluster.migrateSlot(RedisClusterProcesses.SLOTS, master))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("slot must be 0 to 16383");
        assertThatThrownBy(() -> cluster.masterForSlot(-1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> cluster.migrateSlot(0, replica))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a master");
        assertThatThrownBy(() -> cluster.killMaster(replica))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a master");
        assertThatThrownBy(() -> cluster.awaitFailover(master))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not killed");
        assertThatThrownBy(() -> cluster.restart(master))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is running");
        assertThatThrownBy(() -> cluster.restartAll())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("every node is running");
        assertThatThrownBy(() -> cluster.call(master))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no command");
    }

    @Test
    @Order(5)
    void killedMasterIsReplacedByItsReplicaAndComesBackAsAReplica() {
        RedisAdvancedClusterCommands<String, String> redis = connection.sync();
        String key = "{failing}key";
        int old = cluster.masterForSlot(RedisClusterProcesses.slot(key));
        List<Integer> replicas = cluster.replicasOf(old);
        RedisCommands<String, String> oldMaster = connection.getConnection("127.0.0.1", old).sync();
        oldMaster.set(key, "before");
        assertThat(oldMaster.waitForReplication(1, 2_000)).isEqualTo(1);

        cluster.killMaster(old);
        RedisFailover failover = cluster.awaitFailover(old);
        System.out.printf("cluster failover in %d ms%n", failover.took().toMillis());

        assertThat(failover.took()).isLessThan(Duration.ofSeconds(10));
        assertThat(failover.oldMasterPort()).isEqualTo(old);
        assertThat(replicas).contains(failover.newMasterPort());
        assertThat(cluster.masters())
                .hasSize(3)
                .doesNotContain(old)
                .contains(failover.newMasterPort());
        // the client finds the new master by itself: adaptive and periodic topology refresh
        await("a write through the cluster client after the failover")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .ignoreExceptions()
                .until(() -> "OK".equals(redis.set(key + "2", "after")));
        assertThat(redis.get(key)).isEqualTo("before");
        assertThat(redis.get(key + "2")).isEqualTo("after");

        long started = System.nanoTime();
        cluster.restart(old);
        System.out.printf(
                "killed master back as a replica in %d ms%n",
                Duration.ofNanos(System.nanoTime() - started).toMillis());
        assertThat(cluster.replicasOf(failover.newMasterPort())).containsExactly(old);
        assertThat(cluster.masters()).doesNotContain(old);
    }

    @Test
    @Order(6)
    void wholeClusterKilledComesBackEmptyWithTheSameMastersAndSlots() {
        RedisAdvancedClusterCommands<String, String> redis = connection.sync();
        String key = "{restarted}key";
        redis.set(key, "before");
        int slot = RedisClusterProcesses.slot(key);
        int owner = cluster.masterForSlot(slot);
        List<Integer> masters = cluster.masters();
        assertThat(cluster.call(owner, "EXISTS", key)).isEqualTo(1L);

        long started = System.nanoTime();
        cluster.killAll();
        cluster.restartAll();
        System.out.printf(
                "whole cluster killed and back in %d ms%n",
                Duration.ofNanos(System.nanoTime() - started).toMillis());

        assertThat(cluster.masters()).containsExactlyElementsOf(masters);
        assertThat(cluster.masterForSlot(slot)).isEqualTo(owner);
        assertThat(cluster.call(owner, "EXISTS", key)).as("nothing persisted").isEqualTo(0L);
        await("a write through the cluster client after the restart")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .ignoreExceptions()
                .until(() -> "OK".equals(redis.set(key, "after")));
        assertThat(redis.get(key)).isEqualTo("after");
    }

    @Test
    void sentinelClientWritesToTheNewMasterAfterAFailover() {
        long started = System.nanoTime();
        try (RedisSentinelProcesses sentinels = RedisSentinelProcesses.start("topologies")) {
            System.out.printf(
                    "sentinel setup up in %d ms%n",
                    Duration.ofNanos(System.nanoTime() - started).toMillis());
            assertThat(sentinels.url())
                    .matches(
                            "redis-sentinel://127\\.0\\.0\\.1:\\d+,127\\.0\\.0\\.1:\\d+,"
                                    + "127\\.0\\.0\\.1:\\d+/0#mymaster");
            RedisClient sentinelClient = RedisClient.create(RedisURI.create(sentinels.url()));
            try {
                sentinelClient.setOptions(
                        ClientOptions.builder()
                                .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
                                .build());
                StatefulRedisConnection<String, String> master = sentinelClient.connect();
                RedisCommands<String, String> redis = master.sync();
                int old = sentinels.masterPort();
                assertThat(sentinels.serverPorts()).contains(old).hasSize(2);
                redis.set("before", "1");
                assertThat(redis.waitForReplication(1, 2_000)).isEqualTo(1);

                assertThat(sentinels.killMaster()).isEqualTo(old);
                RedisFailover failover = sentinels.awaitFailover();
                System.out.printf("sentinel failover in %d ms%n", failover.took().toMillis());

                assertThat(failover.oldMasterPort()).isEqualTo(old);
                assertThat(failover.newMasterPort())
                        .isNotEqualTo(old)
                        .isIn(sentinels.serverPorts())
                        .isEqualTo(sentinels.masterPort());
                assertThat(failover.took()).isLessThan(Duration.ofSeconds(15));
                // the same connection reconnects, and asks the sentinels where the master is now
                await("a write through the sentinel client after the failover")
                        .atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(200))
                        .ignoreExceptions()
                        .until(() -> "OK".equals(redis.set("after", "2")));
                assertThat(redis.get("before")).isEqualTo("1");
                assertThat(redis.get("after")).isEqualTo("2");
                master.close();
            } finally {
                sentinelClient.shutdown(Duration.ZERO, Duration.ofSeconds(5));
            }
        }
    }

    @Test
    void sentinelSetupRefusesABadName() {
        assertThatThrownBy(() -> RedisSentinelProcesses.start("a/b"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("name must be");
        assertThatThrownBy(() -> RedisSentinelProcesses.start("x".repeat(41)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("name must be");
    }
}
