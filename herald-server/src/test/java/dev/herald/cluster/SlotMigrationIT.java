package dev.herald.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.rest.Pusher;
import com.pusher.rest.data.Result;
import dev.herald.testing.ClusterRedis;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Json;
import dev.herald.testing.RedisClusterProcesses;
import dev.herald.testing.Results;
import dev.herald.testing.ServerSdk;
import dev.herald.testing.TestApp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A channel's slot moves to another master of the Redis Cluster (IMPORTING / MIGRATING, its keys
 * over with MIGRATE, then the new owner announced, as {@code redis-cli --cluster reshard} does)
 * while each of two nodes publishes to the channel every {@value #INTERVAL_MS} ms, numbered, for a
 * subscriber on the other node: both nodes' relay subscriptions must follow the slot. The slot also
 * holds the keys of a presence channel with a member on each node. Delivery must resume both ways;
 * per direction, the publications that the sending node accepted but the other node never delivered
 * are the lost ones, and the span of their publishing times is the window of lost deliveries,
 * measured, printed and bounded by {@link #LOST_BOUND}. A publication that reached the old owner as
 * the slot moved is redirected and may arrive after later ones: those are counted and printed, none
 * may arrive twice, and their span has the same bound. Afterwards every publication, through either
 * node, arrives once and in order, and members and counts are whole.
 */
@Tag(RedisClusterIT.CI)
class SlotMigrationIT {

    private static final TestApp APP = TestApp.named("slot-migration");
    static final int INTERVAL_MS = 5;

    /** The longest stretch of publications that may be lost, or refused, while the slot moves. */
    static final Duration LOST_BOUND = Duration.ofSeconds(10);

    /** How long delivery may take to come back once the slot has moved. */
    private static final Duration RESUMED = Duration.ofSeconds(15);

    private static final int AFTER = 100;
    private static ClusterRedis redis;
    private static List<HeraldProcess> nodes = List.of();
    private static HeraldProcess a;
    private static HeraldProcess b;
    private static Pusher apiA;
    private static Pusher apiB;
    @RegisterExtension final Clients clients = new Clients();

    @BeforeAll
    static void startNodes() {
        redis = ClusterRedis.cluster("slot-migration");
        nodes = HeraldProcess.startAll(redis.node(APP), "slot-migration-a", "slot-migration-b");
        a = nodes.get(0);
        b = nodes.get(1);
        apiA = Api.of(a);
        apiB = Api.of(b);
    }

    @AfterAll
    static void stopNodes() {
        HeraldProcess.stopAll(nodes);
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void deliveryResumesWhenAChannelsSlotMovesAndTheLostWindowIsBounded() {
        RedisClusterProcesses cluster = redis.cluster();
        String channel = "ticks";
        int slot = ClusterRedis.channelSlot(APP, channel);
        String room = presenceChannelInSlot(slot);
        int from = cluster.masterForSlot(slot);
        int to = cluster.masters().stream().filter(port -> port != from).findFirst().orElseThrow();

        Client onB = clients.connect(b, "reader");
        Client.Recorder ticksOnB = onB.subscribe(channel);
        Client onA = clients.connect(a, "writer");
        Client.Recorder ticksOnA = onA.subscribe(channel);
        Client.Recorder roomOnA = onA.subscribePresence(room);
        onB.subscribePresence(room);
        roomOnA.awaitAdded("reader");
        assertThat(cluster.call(from, "EXISTS", ClusterRedis.occupancyKey(APP, channel)))
                .as("the channel's keys are on %d before the move", from)
                .isEqualTo(1L);

        // each node publishes, numbered, to the other's subscriber: both relay subscriptions move
        List<Direction> directions =
                List.of(
                        new Direction("A to B", Publisher.start(apiA, channel, "ab"), ticksOnB),
                        new Direction("B to A", Publisher.start(apiB, channel, "ba"), ticksOnA));
        long moveStarted;
        long moveEnded;
        try {
            await("the first 100 ticks each way")
                    .atMost(Client.WAIT)
                    .until(() -> directions.stream().allMatch(d -> d.received().size() >= 100));
            moveStarted = System.nanoTime();
            cluster.migrateSlot(slot, to);
            moveEnded = System.nanoTime();
            for (Direction direction : directions) {
                await("a tick published after the move, " + direction.name())
                        .atMost(RESUMED)
                        .pollInterval(Duration.ofMillis(20))
                        .until(
                                () ->
                                        direction.received().stream()
                                                        .mapToInt(Integer::intValue)
                                                        .max()
                                                        .orElse(-1)
                                                >= direction.publisher().firstSentAfter(moveEnded));
            }
            // a second more of publishing: delivery stays up once it came back
            LockSupport.parkNanos(Duration.ofSeconds(1).toNanos());
        } finally {
            directions.forEach(d -> d.publisher().stop());
        }
        ticksOnB.fence(apiA);
        ticksOnA.fence(apiB);

        List<String> failures = new ArrayList<>();
        for (Direction direction : directions) {
            List<Sent> sent = direction.publisher().stop();
            List<Integer> received = direction.received();
            Set<Integer> receivedSet = new HashSet<>(received);
            List<Sent> refused =
                    sent.stream().filter(s -> !s.accepted()).collect(Collectors.toList());
            List<Sent> lost =
                    sent.stream()
                            .filter(s -> s.accepted() && !receivedSet.contains(s.n()))
                            .collect(Collectors.toList());
            List<Integer> overtaken = overtaken(received);
            long lostWindow = windowMillis(lost);
            long refusedWindow = windowMillis(refused);
            long overtakenWindow = windowMillis(sentOf(sent, overtaken));
            System.out.printf(
                    "slot %d (%s, %s) moved from %d to %d in %d ms; %s, one every %d ms:"
                            + " %d published, %d refused (window %d ms), %d accepted but not"
                            + " delivered (window %d ms: %s), %d delivered after a later one"
                            + " (window %d ms: %s)%n",
                    slot,
                    channel,
                    room,
                    from,
                    to,
                    (moveEnded - moveStarted) / 1_000_000,
                    direction.name(),
                    INTERVAL_MS,
                    sent.size(),
                    refused.size(),
                    refusedWindow,
                    lost.size(),
                    lostWindow,
                    first(lost.stream().map(Sent::n).collect(Collectors.toList())),
                    overtaken.size(),
                    overtakenWindow,
                    first(overtaken));
            long bound = LOST_BOUND.toMillis();
            if (lostWindow >= bound || refusedWindow >= bound || overtakenWindow >= bound) {
                failures.add(direction.name() + ": a window of " + bound + " ms or more");
            }
            if (received.size() != receivedSet.size()) {
                failures.add(direction.name() + ": a tick delivered twice");
            }
            if (!sent.stream().map(Sent::n).collect(Collectors.toSet()).containsAll(receivedSet)) {
                failures.add(direction.name() + ": a tick never published");
            }
        }
        assertThat(failures).as("while the slot moved (bound %s)", LOST_BOUND).isEmpty();

        // after the move: everything arrives, once and in order, through either node
        assertThat(cluster.masterForSlot(slot)).isEqualTo(to);
        assertThat(cluster.call(to, "EXISTS", ClusterRedis.occupancyKey(APP, channel)))
                .as("the channel's keys moved to %d", to)
                .isEqualTo(1L);
        int base = 1_000_000;
        for (int i = 0; i < AFTER; i++) {
            Results.ok(apiA.trigger(channel, "after", Map.of("n", base + i)));
            Results.ok(apiB.trigger(channel, "after", Map.of("n", base + AFTER + i)));
        }
        Map<String, Client.Recorder> subscribers = Map.of("node B", ticksOnB, "node A", ticksOnA);
        for (Map.Entry<String, Client.Recorder> subscriber : subscribers.entrySet()) {
            Client.Recorder recorder = subscriber.getValue();
            await(
                            "every publication after the move reaches the subscriber on "
                                    + subscriber.getKey())
                    .atMost(Client.WAIT)
                    .untilAsserted(
                            () -> {
                                List<Integer> after = numbers(recorder, "after");
                                assertThat(after.size())
                                        .as(
                                                "through A %d, through B %d of %d each",
                                                after.stream()
                                                        .filter(n -> n < base + AFTER)
                                                        .count(),
                                                after.stream()
                                                        .filter(n -> n >= base + AFTER)
                                                        .count(),
                                                AFTER)
                                        .isGreaterThanOrEqualTo(2 * AFTER);
                            });
            recorder.fence(List.of(apiA, apiB));
            List<Integer> after = numbers(recorder, "after");
            assertThat(after.stream().filter(n -> n < base + AFTER))
                    .as("through node A, in order, on %s", subscriber.getKey())
                    .containsExactlyElementsOf(range(base, AFTER));
            assertThat(after.stream().filter(n -> n >= base + AFTER))
                    .as("through node B, in order, on %s", subscriber.getKey())
                    .containsExactlyElementsOf(range(base + AFTER, AFTER));
        }
        long firstLookAt = (System.nanoTime() - moveEnded) / 1_000_000;
        String firstLook = "whole";
        try {
            assertWhole(room, channel);
        } catch (AssertionError | RuntimeException e) {
            firstLook = e.getMessage().replaceAll("\\s+", " ");
        }
        await("members and counts whole on both nodes after the move")
                .atMost(RESUMED)
                .pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> assertWhole(room, channel));
        System.out.printf(
                "members and counts at the first look, %d ms after the slot moved: %s; whole on"
                        + " both nodes %d ms after it moved%n",
                firstLookAt, firstLook, (System.nanoTime() - moveEnded) / 1_000_000);
        roomOnA.fence(List.of(apiA, apiB));
        assertThat(roomOnA.unsubscribedIds()).as("a slot's move removes no member").isEmpty();
    }

    private static void assertWhole(String room, String channel) {
        for (Pusher api : List.of(apiA, apiB)) {
            assertThat(Api.userIds(api, room)).containsExactly("reader", "writer");
            JsonNode info =
                    ServerSdk.get(
                            api,
                            "/channels/" + room,
                            Map.of("info", "user_count,subscription_count"));
            assertThat(info.path("user_count").asInt()).as("%s", info).isEqualTo(2);
            assertThat(info.path("subscription_count").asInt()).as("%s", info).isEqualTo(2);
            JsonNode ticksInfo =
                    ServerSdk.get(
                            api, "/channels/" + channel, Map.of("info", "subscription_count"));
            assertThat(ticksInfo.path("subscription_count").asInt())
                    .as("%s", ticksInfo)
                    .isEqualTo(2);
        }
    }

    /** One way across the nodes: what one node publishes and the other node's subscriber gets. */
    private record Direction(String name, Publisher publisher, Client.Recorder receiver) {
        List<Integer> received() {
            return numbers(receiver, publisher.event);
        }
    }

    private static String first(List<Integer> numbers) {
        return numbers.stream().limit(20).map(String::valueOf).collect(Collectors.joining(","))
                + (numbers.size() > 20 ? ",…" : "");
    }

    /** A presence channel whose keys hash to {@code slot}: the move takes its members along. */
    private static String presenceChannelInSlot(int slot) {
        // about one name in 16384 hashes to a given slot
        for (int i = 0; i < 1_000_000; i++) {
            String channel = "presence-moving-" + i;
            if (ClusterRedis.channelSlot(APP, channel) == slot) {
                return channel;
            }
        }
        throw new IllegalStateException("no presence-moving-N of a million in slot " + slot);
    }

    private static List<Integer> numbers(Client.Recorder recorder, String event) {
        return recorder.data(event).stream()
                .map(data -> Json.parse(data).path("n").asInt())
                .collect(Collectors.toList());
    }

    /** The ticks that arrived after a tick published later than them, in arrival order. */
    private static List<Integer> overtaken(List<Integer> received) {
        List<Integer> late = new ArrayList<>();
        int highest = -1;
        for (int n : received) {
            if (n < highest) {
                late.add(n);
            }
            highest = Math.max(highest, n);
        }
        return late;
    }

    private static List<Sent> sentOf(List<Sent> sent, List<Integer> numbers) {
        Set<Integer> wanted = new HashSet<>(numbers);
        return sent.stream().filter(s -> wanted.contains(s.n())).collect(Collectors.toList());
    }

    /** The span of the publishing times of {@code publications}, plus one interval; 0 for none. */
    private static long windowMillis(List<Sent> publications) {
        if (publications.isEmpty()) {
            return 0;
        }
        long first = publications.get(0).atNanos();
        long last = publications.get(publications.size() - 1).atNanos();
        return (last - first) / 1_000_000 + INTERVAL_MS;
    }

    private static List<Integer> range(int from, int count) {
        return IntStream.range(from, from + count).boxed().collect(Collectors.toList());
    }

    /** One numbered publication: when it was sent and whether node A accepted it. */
    private record Sent(int n, long atNanos, boolean accepted) {}

    /**
     * Triggers {@code {"n":N}} as one event name through one node every {@value #INTERVAL_MS} ms
     * (or back to back when a trigger takes longer), on a thread of its own, recording each.
     */
    private static final class Publisher {
        private static final int MAX = 60_000 / INTERVAL_MS; // a minute of publishing at most
        private final List<Sent> sent = Collections.synchronizedList(new ArrayList<>());
        private final String event;
        private final Thread thread;
        private volatile boolean stop;

        private Publisher(Pusher api, String channel, String event) {
            this.event = event;
            thread =
                    new Thread(
                            () -> {
                                long next = System.nanoTime();
                                for (int n = 0; !stop && n < MAX; n++) {
                                    long at = System.nanoTime();
                                    Result result = api.trigger(channel, event, Map.of("n", n));
                                    sent.add(
                                            new Sent(
                                                    n,
                                                    at,
                                                    result.getStatus() == Result.Status.SUCCESS));
                                    next += Duration.ofMillis(INTERVAL_MS).toNanos();
                                    LockSupport.parkNanos(next - System.nanoTime());
                                }
                            },
                            "publisher " + event);
            thread.setDaemon(true);
        }

        static Publisher start(Pusher api, String channel, String event) {
            Publisher publisher = new Publisher(api, channel, event);
            publisher.thread.start();
            return publisher;
        }

        /** The number of the first publication sent after {@code nanos}; MAX+1 if none yet. */
        int firstSentAfter(long nanos) {
            synchronized (sent) {
                for (Sent s : sent) {
                    if (s.atNanos() > nanos) {
                        return s.n();
                    }
                }
            }
            return MAX + 1;
        }

        /**
         * Stops publishing (if it still does), waits for the last trigger to be answered, returns
         * every one.
         */
        List<Sent> stop() {
            stop = true;
            try {
                thread.join(Duration.ofSeconds(30).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            assertThat(thread.isAlive()).as("publisher still running").isFalse();
            synchronized (sent) {
                return List.copyOf(sent);
            }
        }
    }
}
