package dev.herald.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.testing.RedisClusterProcesses;
import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The relay subscriptions on a Redis Cluster of three masters: each wanted channel subscribed once,
 * on the master of its slot, and subscribed again one by one when its connection comes back
 * (Lettuce's own re-subscription, one command for channels of many slots, is refused by Redis).
 */
class RelaySubscriberClusterTest {

    private static final Duration WITHIN = Duration.ofSeconds(10);

    /** Enough channels to land on every master, many slots to each. */
    private static final int CHANNELS = 60;

    private static RedisClusterProcesses cluster;
    private final String namespace = "herald-test-" + UUID.randomUUID();
    private final Map<String, Integer> heard = new ConcurrentHashMap<>();
    private final List<String> classic = new CopyOnWriteArrayList<>();
    private RedisConnections node;
    private RelaySubscriber relays;

    @BeforeAll
    static void startCluster() {
        cluster = RedisClusterProcesses.start("relays", 3, 0);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @BeforeEach
    void startNode() throws Exception {
        node =
                new RedisConnections(
                        RedisTarget.cluster(
                                List.of(cluster.nodesSetting().split(",")), null, null, false),
                        namespace);
        relays = new RelaySubscriber(node);
        onThread(
                () -> {
                    relays.start(
                            new RedisPubSubAdapter<>() {
                                @Override
                                public void message(byte[] channel, byte[] message) {
                                    classic.add(new String(message, StandardCharsets.UTF_8));
                                }

                                @Override
                                public void smessage(byte[] channel, byte[] message) {
                                    heard.merge(
                                            new String(channel, StandardCharsets.UTF_8),
                                            1,
                                            Integer::sum);
                                }
                            });
                    return null;
                });
    }

    @AfterEach
    void closeNode() {
        node.close();
    }

    @Test
    void subscribesEachChannelOnceOnTheMasterOfItsSlot() throws Exception {
        List<String> channels = channels();
        subscribeAll(channels);
        subscribeAll(channels); // wanted again: still one subscription each

        assertThat(channels.stream().map(RelaySubscriberClusterTest::master).distinct()).hasSize(3);
        assertThat(subscriptions(channels)).isEqualTo(expected(channels, Set.of()));
        publishToAll(channels);
        await().atMost(WITHIN).until(() -> heard.size() == channels.size());
        assertThat(heard.values()).containsOnly(1);
    }

    @Test
    void unsubscribesWhatIsNoLongerWanted() throws Exception {
        List<String> channels = channels();
        subscribeAll(channels);
        List<String> dropped = channels.subList(0, channels.size() / 2);

        onThread(
                () -> {
                    dropped.forEach(relays::unsubscribe);
                    return null;
                });

        Map<Integer, Map<String, Long>> expected = expected(channels, Set.copyOf(dropped));
        await().atMost(WITHIN).until(() -> subscriptions(channels).equals(expected));
        assertThat(onThread(relays::wanted)).hasSize(channels.size() - dropped.size());
    }

    @Test
    void subscribesEveryChannelAgainWhenItsConnectionComesBack() throws Exception {
        List<String> channels = channels();
        subscribeAll(channels);

        for (int master : cluster.masters()) {
            command(master, connection -> connection.sync().clientKill(killPubSub()));
        }

        Map<Integer, Map<String, Long>> expected = expected(channels, Set.of());
        await().atMost(WITHIN).until(() -> subscriptions(channels).equals(expected));
        publishToAll(channels);
        await().atMost(WITHIN).until(() -> heard.size() == channels.size());
        assertThat(heard.values()).containsOnly(1);
    }

    @Test
    void passesOnClassicMessagesPublishedOnAnyNodeOnce() throws Exception {
        String control = node.keys().controlChannel();
        node.subscriber()
                .async()
                .subscribe(control.getBytes(StandardCharsets.UTF_8))
                .get(5, TimeUnit.SECONDS);

        List<String> sent = new ArrayList<>();
        for (int master : cluster.masters()) {
            sent.add("from " + master);
            command(master, connection -> connection.sync().publish(control, "from " + master));
        }

        await().atMost(WITHIN).until(() -> classic.size() >= sent.size());
        await().during(Duration.ofMillis(200))
                .atMost(WITHIN)
                .until(() -> classic.size() == sent.size());
        assertThat(classic).containsExactlyInAnyOrderElementsOf(sent);
    }

    private List<String> channels() {
        List<String> channels = new ArrayList<>();
        for (int i = 0; i < CHANNELS; i++) {
            channels.add(node.keys().relayChannel("app-id", "channel-" + i));
        }
        return channels;
    }

    private void subscribeAll(List<String> channels) throws Exception {
        List<CompletableFuture<Void>> confirmed =
                onThread(() -> channels.stream().map(relays::subscribe).toList());
        CompletableFuture.allOf(confirmed.toArray(CompletableFuture[]::new))
                .get(WITHIN.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void publishToAll(List<String> channels) throws Exception {
        for (String channel : channels) {
            byte[] name = channel.getBytes(StandardCharsets.UTF_8);
            assertThat(node.publishing().spublish(name, name).get(5, TimeUnit.SECONDS))
                    .isEqualTo(1);
        }
    }

    private static KillArgs killPubSub() {
        return KillArgs.Builder.typePubsub();
    }

    private <T> T onThread(Callable<T> task) throws Exception {
        return node.thread().submit(task).get(5, TimeUnit.SECONDS);
    }

    private static int master(String channel) {
        return cluster.masterForSlot(RedisClusterProcesses.slot(channel));
    }

    /** Every master's shard subscriber count of each channel. */
    private static Map<Integer, Map<String, Long>> subscriptions(List<String> channels) {
        Map<Integer, Map<String, Long>> counts = new HashMap<>();
        for (int master : cluster.masters()) {
            counts.put(
                    master,
                    command(
                            master,
                            connection ->
                                    new HashMap<>(
                                            connection
                                                    .sync()
                                                    .pubsubShardNumsub(
                                                            channels.toArray(String[]::new)))));
        }
        return counts;
    }

    /** One subscriber for each channel but {@code unwanted}, on the master of its slot only. */
    private static Map<Integer, Map<String, Long>> expected(
            List<String> channels, Set<String> unwanted) {
        Map<Integer, Map<String, Long>> counts = new HashMap<>();
        for (int master : cluster.masters()) {
            Map<String, Long> here = new HashMap<>();
            for (String channel : channels) {
                here.put(
                        channel,
                        master(channel) == master && !unwanted.contains(channel) ? 1L : 0L);
            }
            counts.put(master, here);
        }
        return counts;
    }

    private static <T> T command(int port, Function<StatefulRedisConnection<String, String>, T> f) {
        RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", port));
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            return f.apply(connection);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
    }
}
