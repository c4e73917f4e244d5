package dev.herald.redis;

import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.activity.StatsSeries;
import dev.herald.apps.HistoryRule;
import dev.herald.apps.StaticAppStore;
import dev.herald.cache.CachedEvent;
import dev.herald.cluster.ClusteredViewContract;
import dev.herald.cluster.LocalChannels;
import dev.herald.history.HistoryPage;
import dev.herald.observers.ClusterObserver;
import dev.herald.protocol.StreamPosition;
import dev.herald.testing.RedisClusterProcesses;
import io.lettuce.core.ScriptOutputType;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The cluster contract, and every engine's scripts, on a real Redis Cluster of three masters (one
 * key layout, one code path: the same engines as on one Redis). {@code MONITOR} on every master
 * checks after each test that no command, and no command inside a script, touched keys of two hash
 * slots, which a cluster refuses or, for keys a script builds, runs only by the luck of both slots
 * living on one master.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisClusterModeTest extends ClusteredViewContract {

    private static RedisClusterProcesses cluster;
    private static SlotAudit audit;

    private final String namespace = "herald-test-" + UUID.randomUUID();
    private final List<RedisConnections> opened = new ArrayList<>();
    private final List<RedisClusterState> started = new ArrayList<>();
    private final List<String> nodeIds = new ArrayList<>();

    @BeforeAll
    static void startCluster() {
        cluster = RedisClusterProcesses.start("herald-keys", 3, 0);
        audit = SlotAudit.watch(cluster.masters());
    }

    @AfterAll
    static void stopCluster() {
        if (audit != null) {
            audit.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private RedisConnections connect() {
        RedisConnections connections =
                new RedisConnections(
                        RedisTarget.cluster(
                                List.of(cluster.nodesSetting().split(",")), null, null, false),
                        namespace);
        opened.add(connections);
        reachEveryMaster(connections);
        return connections;
    }

    /**
     * Lettuce opens a cluster connection's link to a master at the first command routed there and,
     * rejecting commands while disconnected, refuses that one: a command per master first, retried
     * until each link is up, so the engines' own commands find them open.
     */
    private static void reachEveryMaster(RedisConnections connections) {
        for (int master : cluster.masters()) {
            String key = "warm-up";
            for (int i = 0; cluster.masterForSlot(RedisClusterProcesses.slot(key)) != master; i++) {
                key = "warm-up-" + i;
            }
            String routed = key;
            byte[] bytes = routed.getBytes(StandardCharsets.UTF_8);
            await().atMost(Duration.ofSeconds(10))
                    .ignoreExceptions()
                    .until(
                            () ->
                                    connections.sync().exists(routed) == 0
                                            && connections
                                                            .publishing()
                                                            .exists(bytes)
                                                            .get(5, TimeUnit.SECONDS)
                                                    == 0);
        }
    }

    @Override
    protected Engine engine(LocalChannels held, ClusterObserver decisions) {
        RedisConnections connections = connect();
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
        return new Engine(
                new RedisClusterView(connections),
                state.localEvents(),
                state::leaveAtClose,
                state::close,
                connections::close);
    }

    @Override
    protected void assertNothingLeftOf(int node) {
        RedisConnections connections = connect();
        RedisClusterViewTest.assertNothingLeftOf(
                connections.keys(),
                connections.sync().keys(namespace + ":*"), // every master's, on a cluster
                connections.sync(),
                nodeIds.get(node));
    }

    @AfterEach
    void closeNodesAndAudit() {
        started.forEach(RedisClusterState::close);
        opened.forEach(RedisConnections::close);
        assertThat(audit.crossings()).as("commands that touched two slots").isEmpty();
    }

    /** The audit itself: a script that strays into another slot is reported. */
    @Test
    void theAuditSeesAScriptStrayIntoAnotherSlot() {
        RedisConnections connections = connect();
        int master = cluster.masterForSlot(RedisClusterProcesses.slot("{a}"));
        String stray = "{b}";
        for (int i = 0; cluster.masterForSlot(RedisClusterProcesses.slot(stray)) != master; i++) {
            stray = "{b" + i + "}";
        }
        // both slots on one master: Redis runs it, a cluster whose slots moved would not
        connections
                .sync()
                .eval(
                        "redis.call('GET', KEYS[1]); return redis.call('EXISTS', ARGV[1])",
                        ScriptOutputType.INTEGER,
                        new String[] {"{a}"},
                        stray);

        assertThat(audit.crossings())
                .singleElement(as(InstanceOfAssertFactories.STRING))
                .contains("EXISTS on " + stray);
    }

    /** Keeps the test's channels on more than one master, or the audit would prove less. */
    @Test
    void spreadsOneAppsChannelsOverTheMasters() {
        RedisKeys keys = new RedisKeys(namespace);
        Set<Integer> masters = new HashSet<>();
        for (String channel : List.of("news", "sport", "presence-room", "private-chat")) {
            masters.add(
                    cluster.masterForSlot(
                            RedisClusterProcesses.slot(keys.occupancy("app-id", channel))));
        }
        assertThat(masters).hasSizeGreaterThan(1);
    }

    @Test
    void runsEveryOtherEnginesScriptsInOneSlotEach() throws Exception {
        RedisConnections connections = connect();
        int before = audit.scripts();

        RedisStatsHistory stats = new RedisStatsHistory(connections).start();
        long step = 1_700_000_000_000L;
        stats.record("1", APP.id(), step, 3, 30);
        stats.record("2", APP.id(), step, 4, 40);
        StatsSeries series = stats.series(APP.id(), StatsSeries.Span.HOUR, step);
        assertThat(series.connections()).containsOnlyKeys("1", "2");

        RedisChannelCache cache = new RedisChannelCache(connections);
        cache.put(APP.id(), "cache-news", "update", "1", Duration.ofMinutes(1));
        CachedEvent cached =
                cache.get(APP.id(), "cache-news").toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(cached.data()).isEqualTo("1");

        RedisChannelHistory history = new RedisChannelHistory(connections);
        HistoryRule rule = new HistoryRule("private-", 100, 60);
        StreamPosition first =
                RedisChannelHistory.recorded(
                        RedisChannelHistory.record(
                                        connections.publishing(),
                                        connections.keys(),
                                        APP.id(),
                                        "private-chat",
                                        rule,
                                        "7".getBytes(StandardCharsets.US_ASCII),
                                        null,
                                        Unpooled.wrappedBuffer(
                                                "F!".getBytes(StandardCharsets.UTF_8)),
                                        connections.sharded())
                                .get(5, TimeUnit.SECONDS));
        HistoryPage page =
                history.read(APP.id(), "private-chat", null, 10, rule)
                        .toCompletableFuture()
                        .get(5, TimeUnit.SECONDS);
        assertThat(page.events()).hasSize(1);
        assertThat(page.events().get(0).position()).isEqualTo(first);

        RedisRemovalMarks marks = new RedisRemovalMarks(connections, "7", Duration.ofMinutes(1));
        marks.mark("app-id|presence-room|alice");
        assertThat(
                        marks.confirm("app-id|presence-room|alice")
                                .toCompletableFuture()
                                .get(5, TimeUnit.SECONDS))
                .isTrue();

        assertThat(audit.scripts() - before).as("scripts the audit saw").isGreaterThanOrEqualTo(6);
    }
}
