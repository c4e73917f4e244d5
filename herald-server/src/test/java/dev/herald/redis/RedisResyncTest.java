package dev.herald.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.herald.apps.App;
import dev.herald.apps.StaticAppStore;
import dev.herald.cluster.LocalChannels;
import dev.herald.observers.ClusterObserver;
import dev.herald.protocol.Member;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.RedisClusterProcesses;
import dev.herald.testing.ServerJar;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * A node writes its state again, without deciding anything, when a Redis master restarted or was
 * replaced: its {@code run_id} changed though this node's marker key is still there (the restart
 * loaded a snapshot, or a replica took over), so writes may be lost. Each test's Redis is its own
 * redis-server, ended by PID.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisResyncTest {

    private static final App APP = App.of("app-id", "app-key", "app-secret");

    /** Beats every 5 s: long enough to restart Redis between two. */
    private static final long LEASE_MILLIS = 40_000;

    private final String namespace = "herald-test-" + UUID.randomUUID();
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final Logger stateLog = (Logger) LoggerFactory.getLogger(RedisClusterState.class);
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

    @BeforeEach
    void captureLog() {
        logged.start();
        stateLog.addAppender(logged);
    }

    @AfterEach
    void close() throws Exception {
        stateLog.detachAppender(logged);
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    @Test
    void writesWhatARestartedMasterLostAndRemovesWhatItKeptTooMany() throws Exception {
        OwnRedis redis = new OwnRedis();
        closing.add(redis);
        RedisConnections connections = new RedisConnections(redis.url(), namespace);
        closing.add(connections);
        RedisKeys keys = connections.keys();
        Node node = new Node(connections, "1");
        node.holds();
        RedisClusterCommands<String, String> sync = connections.sync();
        String occupancy = keys.occupancy(APP.id(), "news");
        String members = keys.members(APP.id(), "presence-room", "1");
        String share = keys.subscriptions("1", APP.id());
        await().atMost(Duration.ofSeconds(10)).until(() -> sync.exists(members) == 1);
        List<String> decided = List.copyOf(node.decisions);
        assertThat(decided).hasSize(3);

        // writes a restart loses, and what a master restored from an older snapshot holds
        String stale = keys.occupancy(APP.id(), "gone");
        node.nextBeat(sync, keys);
        sync.hdel(occupancy, "1");
        sync.del(members);
        sync.hdel(share, "news");
        sync.hset(stale, "1", "1");
        sync.hset(share, "gone", "1");
        sync.sadd(keys.nodeKeys("1"), stale);
        node.nextBeat(sync, keys);
        assertThat(sync.hget(occupancy, "1")).as("no resync while the master is the same").isNull();

        String before = redis.runId();
        redis.restartWithItsData();
        assertThat(redis.runId()).isNotEqualTo(before);

        await().atMost(Duration.ofSeconds(15))
                .untilAsserted(
                        () -> {
                            assertThat(sync.hget(occupancy, "1")).isEqualTo("2");
                            assertThat(sync.hgetall(members)).isEqualTo(Map.of("alice", "{}"));
                            assertThat(sync.hgetall(share))
                                    .isEqualTo(Map.of("news", "2", "presence-room", "1"));
                            assertThat(sync.exists(stale)).isZero();
                            assertThat(sync.smembers(keys.nodeKeys("1")))
                                    .isEqualTo(
                                            Set.of(
                                                    occupancy,
                                                    keys.occupancy(APP.id(), "presence-room")));
                        });
        assertThat(logged.list)
                .extracting(ILoggingEvent::getFormattedMessage)
                .anyMatch(m -> m.endsWith("a Redis master restarted or was replaced"))
                .noneMatch(m -> m.startsWith("Redis unreachable"));
        assertThat(node.decisions).as("a resync decides nothing").isEqualTo(decided);
    }

    @Test
    void writesWhatAFailedOverClusterMasterLost() throws Exception {
        RedisClusterProcesses cluster = RedisClusterProcesses.start("herald-resync", 3, 1);
        closing.add(cluster);
        RedisConnections connections =
                new RedisConnections(
                        RedisTarget.cluster(
                                List.of(cluster.nodesSetting().split(",")), null, null, false),
                        namespace);
        closing.add(connections);
        RedisKeys keys = connections.keys();
        String occupancy = keys.occupancy(APP.id(), "news");
        String members = keys.members(APP.id(), "presence-room", "1");
        int victim = cluster.masterForSlot(RedisClusterProcesses.slot(occupancy));
        await().atMost(Duration.ofSeconds(10))
                .ignoreExceptions()
                .until(() -> connections.sync().exists(occupancy) >= 0 && reachesAll(connections));
        Node node = new Node(connections, "1");
        node.holds();
        RedisClusterCommands<String, String> sync = connections.sync();
        await().atMost(Duration.ofSeconds(10)).until(() -> sync.exists(members) == 1);
        List<String> decided = List.copyOf(node.decisions);

        // writes the failover loses: gone from the master and, once replicated, from its replica
        RedisClient direct = RedisClient.create(RedisURI.create("127.0.0.1", victim));
        try (StatefulRedisConnection<String, String> master = direct.connect()) {
            RedisCommands<String, String> commands = master.sync();
            commands.hdel(occupancy, "1");
            if (cluster.masterForSlot(RedisClusterProcesses.slot(members)) == victim) {
                commands.del(members);
            }
            assertThat(commands.waitForReplication(1, 5_000)).isEqualTo(1);
        } finally {
            direct.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        cluster.killMaster(victim);
        cluster.awaitFailover(victim);

        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .untilAsserted(
                        () -> {
                            assertThat(sync.hget(occupancy, "1")).isEqualTo("2");
                            assertThat(sync.hgetall(members)).isEqualTo(Map.of("alice", "{}"));
                        });
        assertThat(logged.list)
                .extracting(ILoggingEvent::getFormattedMessage)
                .anyMatch(m -> m.startsWith("Wrote this node's cluster state to Redis (node 1): "));
        assertThat(node.decisions).as("a resync decides nothing").isEqualTo(decided);
    }

    /** Whether a command reaches every master (each link is opened by the first command there). */
    private static boolean reachesAll(RedisConnections connections) {
        for (int i = 0; i < 64; i++) {
            connections.sync().exists("warm-up-" + i);
        }
        return true;
    }

    /** One node: a hub holding two channels, its cluster state, what it decided. */
    private final class Node {
        final Hub hub = new Hub();
        final List<String> decisions = new CopyOnWriteArrayList<>();
        final RedisClusterState state;
        final String id;

        Node(RedisConnections connections, String id) {
            this.id = id;
            state =
                    new RedisClusterState(
                            connections,
                            id,
                            hub,
                            new StaticAppStore(List.of(APP)),
                            LEASE_MILLIS,
                            new ClusterObserver() {
                                @Override
                                public void channelOccupied(App app, String channel) {
                                    decisions.add("occupied " + channel);
                                }

                                @Override
                                public void channelVacated(App app, String channel) {
                                    decisions.add("vacated " + channel);
                                }

                                @Override
                                public void memberAdded(
                                        App app, String channel, Member member, String socketId) {
                                    decisions.add("added " + member.userId());
                                }

                                @Override
                                public void memberRemoved(App app, String channel, String userId) {
                                    decisions.add("removed " + userId);
                                }
                            });
            state.start();
            closing.add(state);
        }

        /** Two sockets in news, alice in presence-room, reported as the hub reports them. */
        void holds() {
            hub.counts.put("news", 2);
            hub.counts.put("presence-room", 1);
            hub.members.put("alice", new Member("alice", "{}"));
            state.localEvents().occupied(APP, "news");
            state.localEvents().subscriptionCountChanged(APP, "news", 2);
            state.localEvents().occupied(APP, "presence-room");
            state.localEvents().memberJoined(APP, "presence-room", hub.members.get("alice"), "1.1");
            await().atMost(Duration.ofSeconds(10)).until(() -> decisions.size() == 3);
        }

        /** Returns right after the node's next heartbeat renewed its lease. */
        void nextBeat(RedisClusterCommands<String, String> sync, RedisKeys keys) {
            Double lease = sync.zscore(keys.nodes(), id);
            await().atMost(Duration.ofSeconds(15))
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> !lease.equals(sync.zscore(keys.nodes(), id)));
        }
    }

    /** What the node holds: app-id's channels and presence-room's members. */
    private static final class Hub implements LocalChannels {
        final Map<String, Integer> counts = new LinkedHashMap<>();
        final Map<String, Member> members = new LinkedHashMap<>();

        @Override
        public synchronized int subscriptionCount(String appId, String channel) {
            return appId.equals(APP.id()) ? counts.getOrDefault(channel, 0) : 0;
        }

        @Override
        public synchronized int userCount(String appId, String channel) {
            return members(appId, channel).size();
        }

        @Override
        public synchronized List<Member> members(String appId, String channel) {
            return appId.equals(APP.id()) && channel.equals("presence-room")
                    ? List.copyOf(members.values())
                    : List.of();
        }

        @Override
        public synchronized Member member(String appId, String channel, String userId) {
            return appId.equals(APP.id()) && channel.equals("presence-room")
                    ? members.get(userId)
                    : null;
        }

        @Override
        public synchronized Collection<String> appIds() {
            return counts.isEmpty() ? List.of() : List.of(APP.id());
        }

        @Override
        public synchronized Collection<String> channelNames(String appId) {
            return appId.equals(APP.id()) ? List.copyOf(counts.keySet()) : List.of();
        }

        @Override
        public synchronized int connectionCount(String appId) {
            return appId.equals(APP.id()) ? 2 : 0;
        }
    }

    /**
     * A redis-server of the test's own that keeps a snapshot in a directory of its own, so a
     * restart ({@code SHUTDOWN SAVE}, then start again) comes back with its data and a new run_id.
     */
    private static final class OwnRedis implements AutoCloseable {
        private final int port = ServerJar.freePort();
        private final Path dir;
        private Process process;

        OwnRedis() {
            try {
                Path target = HeraldProcess.targetDirectory();
                Files.createDirectories(target);
                dir = Files.createTempDirectory(target, "redis-resync-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            start();
        }

        String url() {
            return "redis://127.0.0.1:" + port;
        }

        private void start() {
            try {
                process =
                        new ProcessBuilder(
                                        "redis-server",
                                        "--port",
                                        Integer.toString(port),
                                        "--bind",
                                        "127.0.0.1",
                                        "--dir",
                                        dir.toString(),
                                        "--dbfilename",
                                        "dump.rdb",
                                        "--save",
                                        "",
                                        "--appendonly",
                                        "no",
                                        "--daemonize",
                                        "no")
                                .redirectErrorStream(true)
                                .redirectOutput(
                                        ProcessBuilder.Redirect.appendTo(
                                                dir.resolve("redis.log").toFile()))
                                .start();
                Process started = process;
                Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly));
            } catch (IOException e) {
                throw new UncheckedIOException("could not start redis-server (is it on PATH?)", e);
            }
            await("redis-server on " + port)
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(20))
                    .ignoreExceptions()
                    .until(() -> runId() != null);
        }

        String runId() {
            RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", port));
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                for (String line : connection.sync().info("server").split("\r?\n")) {
                    if (line.startsWith("run_id:")) {
                        return line.substring("run_id:".length()).trim();
                    }
                }
                return null;
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        }

        /** Saves a snapshot, exits, and starts again from it. */
        void restartWithItsData() throws InterruptedException {
            RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", port));
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                connection.sync().shutdown(true);
            } catch (RuntimeException e) {
                // the connection ends with the server
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new AssertionError("redis-server on " + port + " did not shut down");
            }
            start();
        }

        @Override
        public void close() throws InterruptedException {
            if (process != null && process.isAlive()) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
    }
}
