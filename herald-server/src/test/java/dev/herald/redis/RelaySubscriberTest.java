package dev.herald.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.testing.CuttableProxy;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The relay subscriptions on one Redis: classic channels, kept subscribed across an outage. */
class RelaySubscriberTest {

    private static final Duration WITHIN = Duration.ofSeconds(10);

    @RegisterExtension final TestRedis redis = new TestRedis();
    private final List<String> heard = new CopyOnWriteArrayList<>();
    private CuttableProxy proxy;

    @AfterEach
    void closeProxy() {
        if (proxy != null) {
            proxy.close();
        }
    }

    @Test
    void subscribesOnceHowEverOftenAChannelIsWanted() throws Exception {
        RedisConnections node = redis.connect();
        RelaySubscriber relays = started(node);
        String channel = redis.namespace + ":ch:app|news";

        CompletableFuture<Void> first = onThread(node, () -> relays.subscribe(channel));
        CompletableFuture<Void> again = onThread(node, () -> relays.subscribe(channel));
        first.get(5, TimeUnit.SECONDS);

        assertThat(again).isSameAs(first);
        assertThat(subscribers(channel)).isEqualTo(1);
        publish(channel, "one");
        await().atMost(WITHIN).until(() -> heard.equals(List.of("one")));

        onThread(
                node,
                () -> {
                    relays.unsubscribe(channel);
                    return null;
                });
        await().atMost(WITHIN).until(() -> subscribers(channel) == 0);
        assertThat(onThread(node, relays::wanted)).isEmpty();
    }

    @Test
    void subscribesAgainWhatRedisRefusedWhileAway() throws Exception {
        proxy = CuttableProxy.to(TestRedis.PORT);
        RedisConnections node =
                new RedisConnections("redis://127.0.0.1:" + proxy.port(), redis.namespace);
        RelaySubscriber relays = started(node);
        String channel = redis.namespace + ":ch:app|news";
        proxy.cut();
        await().atMost(WITHIN).until(() -> !node.subscriber().isOpen());

        // answered at once, though not subscribed: local subscribers are not held back
        onThread(node, () -> relays.subscribe(channel)).get(5, TimeUnit.SECONDS);
        proxy.restore();

        await().atMost(WITHIN).until(() -> subscribers(channel) == 1);
        publish(channel, "after the outage");
        await().atMost(WITHIN).until(() -> heard.equals(List.of("after the outage")));
        node.close();
    }

    private RelaySubscriber started(RedisConnections node) throws Exception {
        RelaySubscriber relays = new RelaySubscriber(node);
        onThread(
                node,
                () -> {
                    relays.start(
                            new RedisPubSubAdapter<>() {
                                @Override
                                public void message(byte[] channel, byte[] message) {
                                    heard.add(new String(message, StandardCharsets.UTF_8));
                                }
                            });
                    return null;
                });
        return relays;
    }

    private static <T> T onThread(RedisConnections node, Callable<T> task) throws Exception {
        return node.thread().submit(task).get(5, TimeUnit.SECONDS);
    }

    private void publish(String channel, String message) {
        redis.connect().sync().publish(channel, message);
    }

    private long subscribers(String channel) {
        return redis.connect().sync().pubsubNumsub(channel).getOrDefault(channel, 0L);
    }
}
