package dev.herald.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.apps.HistoryRule;
import dev.herald.broker.BrokerListener;
import dev.herald.broker.NodeCommand;
import dev.herald.protocol.EncodedEvent;
import dev.herald.protocol.StreamPosition;
import dev.herald.testing.RedisClusterProcesses;
import dev.herald.testing.RedisFailover;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Two nodes relay over shard channels of a Redis Cluster (three masters, a replica each) while the
 * cluster changes under them: a subscribed channel's slot moves to another master (a recorded
 * channel's too, with its history), then that master is killed and its replica takes over, then it
 * comes back as a replica. Each time delivery resumes by itself, never twice; the publications lost
 * on the way are counted and the time they span is printed. One cluster, in order: the failover
 * comes after the migration.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ShardedRelayIT {

    private static final String APP = "app-id";
    private static final String CHANNEL = "news";
    private static final String RECORDED = "private-history";
    private static final HistoryRule RULE = new HistoryRule("private-", 100, 60);
    private static final Duration RESUMES_WITHIN = Duration.ofSeconds(20);

    /** One publication every millisecond or so. */
    private static final long PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private static RedisClusterProcesses cluster;
    private static final List<RedisConnections> opened = new ArrayList<>();
    private static final String namespace = "herald-test-" + UUID.randomUUID();
    private static RedisKeys keys;
    private static RedisBroker publisher;
    private static RedisBroker subscriber;
    private static final Numbers received = new Numbers();

    @BeforeAll
    static void start() throws Exception {
        cluster = RedisClusterProcesses.start("sharded-relay", 3, 1);
        publisher = node(new Numbers());
        subscriber = node(received);
        keys = opened.get(0).keys();
        received.wanted = true;
        subscriber.subscribe(APP, CHANNEL).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private static RedisBroker node(Numbers listener) {
        RedisConnections connections =
                new RedisConnections(
                        RedisTarget.cluster(
                                List.of(cluster.nodesSetting().split(",")), null, null, false),
                        namespace);
        opened.add(connections);
        RedisBroker broker = new RedisBroker(connections, TestRedis.nodeId());
        broker.start(listener);
        return broker;
    }

    @AfterAll
    static void stop() {
        opened.forEach(RedisConnections::close);
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void relaysOverTheShardChannelOfTheSlotsMasterOnly() {
        try (Flow flow = new Flow()) {
            flow.awaitDelivered(flow.sent());
            assertThat(flow.lost()).isEmpty();
        }
        String relay = keys.relayChannel(APP, CHANNEL);
        int owner = cluster.masterForSlot(RedisClusterProcesses.slot(relay));
        for (int master : cluster.masters()) {
            assertThat(shardSubscribers(master, relay))
                    .as("shard subscribers on " + master + " (slot master " + owner + ")")
                    .isEqualTo(master == owner ? 1 : 0);
            assertThat(classicSubscribers(master, relay)).isZero();
        }
    }

    @Test
    @Order(2)
    void subscribesAgainWhereTheChannelsSlotMoves() {
        String relay = keys.relayChannel(APP, CHANNEL);
        int slot = RedisClusterProcesses.slot(relay);
        int from = cluster.masterForSlot(slot);
        int to = cluster.masters().stream().filter(port -> port != from).findFirst().orElseThrow();
        try (Flow flow = new Flow()) {
            flow.awaitDelivered(flow.sent());
            long moved = System.nanoTime();
            cluster.migrateSlot(slot, to);
            long migrated = System.nanoTime();
            int after = flow.sent();
            flow.awaitDelivered(after);
            long lost =
                    flow.report(
                            "slot migration",
                            "The migration took "
                                    + TimeUnit.NANOSECONDS.toMillis(migrated - moved)
                                    + " ms.");
            // followed by the node itself, not at Lettuce's next periodic topology read (5 s)
            assertThat(lost).isLessThan(1_000);
        }
        await().atMost(RESUMES_WITHIN).until(() -> shardSubscribers(to, relay) == 1);
        assertThat(shardSubscribers(from, relay)).isZero();
    }

    @Test
    @Order(3)
    void recordsAndRelaysOnTheSlotsNewMasterAfterItMoves() throws Exception {
        subscriber.subscribe(APP, RECORDED).toCompletableFuture().get(5, TimeUnit.SECONDS);
        StreamPosition before = record("before the move");
        await().atMost(RESUMES_WITHIN).until(() -> received.recorded.contains(before));
        int slot = RedisClusterProcesses.slot(keys.relayChannel(APP, RECORDED));
        int from = cluster.masterForSlot(slot);
        int to = cluster.masters().stream().filter(port -> port != from).findFirst().orElseThrow();

        cluster.migrateSlot(slot, to);
        StreamPosition after = record("after the move");

        // the history moved with its slot: the numbering goes on in the same epoch
        assertThat(after).isEqualTo(before.next());
        await().atMost(RESUMES_WITHIN).until(() -> received.recorded.contains(after));
        assertThat(received.recorded).containsExactly(before, after);
    }

    private static StreamPosition record(String frame) throws Exception {
        EncodedEvent event =
                new EncodedEvent(Unpooled.copiedBuffer(frame, StandardCharsets.US_ASCII));
        try {
            return publisher
                    .publishRecorded(APP, RECORDED, event, null, RULE)
                    .toCompletableFuture()
                    .get(5, TimeUnit.SECONDS);
        } finally {
            event.release();
        }
    }

    @Test
    @Order(4)
    void subscribesAgainOnTheReplicaThatTakesOverAndNeverTwice() {
        String relay = keys.relayChannel(APP, CHANNEL);
        int slot = RedisClusterProcesses.slot(relay);
        int master = cluster.masterForSlot(slot);
        RedisFailover failover;
        try (Flow flow = new Flow()) {
            flow.awaitDelivered(flow.sent());
            long killed = System.nanoTime();
            cluster.killMaster(master);
            failover = cluster.awaitFailover(master);
            int after = flow.sent();
            flow.awaitDelivered(after);
            long resumed = TimeUnit.NANOSECONDS.toMillis(flow.resumedAt() - killed);
            flow.report(
                    "master failover",
                    "The cluster failed over in "
                            + failover.took().toMillis()
                            + " ms; delivery resumed with a publication sent "
                            + resumed
                            + " ms after the kill.");
            // both nodes follow the failover within a second or so of it, not at Lettuce's next
            // periodic topology read (5 s)
            assertThat(resumed).isLessThan(failover.took().toMillis() + 2_000);
        }
        int promoted = failover.newMasterPort();
        await().atMost(RESUMES_WITHIN).until(() -> shardSubscribers(promoted, relay) == 1);

        // the former master comes back as a replica: Lettuce subscribes its connection to it
        // again, which Herald undoes; meanwhile nothing is delivered twice
        try (Flow flow = new Flow()) {
            cluster.restart(master);
            long restarted = System.nanoTime();
            // Lettuce reconnects on its own back-off, seconds apart by now
            await().atMost(Duration.ofSeconds(60)).until(() -> subscriber.relays().strays() > 0);
            System.out.printf(
                    "stray subscription on the former master undone %d ms after its restart%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restarted));
            await().atMost(RESUMES_WITHIN).until(() -> shardSubscribers(master, relay) == 0);
            flow.awaitDelivered(flow.sent());
            flow.report("the former master's return", "");
            assertThat(flow.lost()).isEmpty();
        }
    }

    @Test
    @Order(5)
    void carriesNodeCommandsOverClassicPubSubAfterTheFailover() {
        NodeCommand command = NodeCommand.terminateUser(APP, "user-1");
        publisher.broadcast(command);
        await().atMost(RESUMES_WITHIN).until(() -> received.commands.contains(command));
    }

    private static long shardSubscribers(int port, String channel) {
        return numsub(port, "SHARDNUMSUB", channel);
    }

    private static long classicSubscribers(int port, String channel) {
        return numsub(port, "NUMSUB", channel);
    }

    private static long numsub(int port, String which, String channel) {
        RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", port));
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            Map<String, Long> counts =
                    which.equals("NUMSUB")
                            ? connection.sync().pubsubNumsub(channel)
                            : connection.sync().pubsubShardNumsub(channel);
            return counts.getOrDefault(channel, 0L);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
    }

    /** The publications a node receives, by their number, and the node commands. */
    static final class Numbers implements BrokerListener {
        final Map<Integer, Integer> times = new ConcurrentHashMap<>();
        final Set<Integer> twice = ConcurrentHashMap.newKeySet();
        final List<NodeCommand> commands = new CopyOnWriteArrayList<>();
        final List<StreamPosition> recorded = new CopyOnWriteArrayList<>();
        volatile boolean wanted;

        @Override
        public void onPublication(
                String appId, String channel, EncodedEvent event, String excludeSocketId) {
            if (RECORDED.equals(channel)) {
                recorded.add(event.position());
                return;
            }
            int number = Integer.parseInt(event.frame().toString(StandardCharsets.US_ASCII).trim());
            if (times.merge(number, 1, Integer::sum) > 1) {
                twice.add(number);
            }
        }

        @Override
        public boolean hasSubscribers(String appId, String channel) {
            return wanted
                    && APP.equals(appId)
                    && (CHANNEL.equals(channel) || RECORDED.equals(channel));
        }

        @Override
        public void onCommand(NodeCommand command) {
            commands.add(command);
        }
    }

    /**
     * The publisher numbers a publication every millisecond on its own thread until closed; what
     * the subscriber misses of them, and when those were sent, is the lost window.
     */
    private static final class Flow implements AutoCloseable {
        private static final int MAX = 600_000;
        private final long[] sentAt = new long[MAX];
        private final int first;
        private volatile int next;
        private volatile boolean running = true;
        private final Thread thread;

        Flow() {
            first = received.times.keySet().stream().mapToInt(i -> i).max().orElse(-1) + 1;
            next = first;
            thread = new Thread(this::run, "publisher");
            thread.start();
        }

        private void run() {
            long due = System.nanoTime();
            while (running && next - first < MAX) {
                int number = next;
                sentAt[number - first] = System.nanoTime();
                EncodedEvent event =
                        new EncodedEvent(
                                Unpooled.copiedBuffer(
                                        Integer.toString(number), StandardCharsets.US_ASCII));
                try {
                    publisher.publish(APP, CHANNEL, event, null);
                } finally {
                    event.release();
                }
                next = number + 1;
                due += PERIOD_NANOS;
                LockSupport.parkNanos(due - System.nanoTime());
            }
        }

        /** The number of the next publication: the ones sent so far are below it. */
        int sent() {
            return next;
        }

        /** Waits until a publication numbered {@code number} or later is delivered. */
        void awaitDelivered(int number) {
            await().atMost(RESUMES_WITHIN)
                    .pollInterval(Duration.ofMillis(5))
                    .until(
                            () ->
                                    received.times.keySet().stream()
                                            .anyMatch(delivered -> delivered >= number));
        }

        /** The numbers sent and never delivered, from this flow's first to the last delivered. */
        List<Integer> lost() {
            int last = received.times.keySet().stream().mapToInt(i -> i).max().orElse(first);
            List<Integer> lost = new ArrayList<>();
            for (int number = first; number <= last; number++) {
                if (!received.times.containsKey(number)) {
                    lost.add(number);
                }
            }
            return lost;
        }

        /** When the first publication delivered after the last lost one was sent. */
        long resumedAt() {
            List<Integer> lost = lost();
            int first = lost.isEmpty() ? this.first : lost.get(lost.size() - 1) + 1;
            return sentAt[first - this.first];
        }

        /**
         * Prints what was lost and the time it spans, in ms, which it returns; asserts nothing
         * arrived twice.
         */
        long report(String what, String detail) {
            List<Integer> lost = lost();
            long window =
                    lost.isEmpty()
                            ? 0
                            : sentAt[lost.get(lost.size() - 1) - first]
                                    - sentAt[lost.get(0) - first]
                                    + PERIOD_NANOS;
            System.out.printf(
                    "%s: %d publications sent, %d lost, spanning %d ms of publishing. %s%n",
                    what, next - first, lost.size(), TimeUnit.NANOSECONDS.toMillis(window), detail);
            assertThat(received.twice).as("publications delivered twice").isEmpty();
            return TimeUnit.NANOSECONDS.toMillis(window);
        }

        @Override
        public void close() {
            running = false;
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
