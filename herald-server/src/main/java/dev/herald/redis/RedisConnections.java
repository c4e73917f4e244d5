package dev.herald.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's Redis connections, all asynchronous and reconnecting on their own: one for state
 * commands and scripts, one for publishing, and one subscribed to the channels this node has
 * subscribers for. Commands issued while Redis is away fail at once rather than queue without
 * bound; Lettuce re-subscribes the pub/sub connection when Redis returns.
 *
 * <p>Also owns the one "herald-cluster" thread on which the engines serialise their bookkeeping, so
 * none of it runs on an event loop or on Lettuce's I/O threads.
 */
public final class RedisConnections implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisConnections.class);

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> state;
    private final StatefulRedisConnection<byte[], byte[]> publisher;
    private final StatefulRedisPubSubConnection<byte[], byte[]> subscriber;
    private final ExecutorService thread;
    private final RedisKeys keys;

    public RedisConnections(String url) {
        this(url, RedisKeys.DEFAULT_NAMESPACE);
    }

    /**
     * Connections whose engines keep their keys and channels under {@code namespace:} (tests use
     * their own).
     */
    RedisConnections(String url, String namespace) {
        keys = new RedisKeys(namespace);
        RedisURI uri = RedisURI.create(url);
        uri.setTimeout(Duration.ofSeconds(5));
        client = RedisClient.create(uri);
        client.setOptions(
                ClientOptions.builder()
                        .autoReconnect(true)
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                        .build());
        try {
            state = client.connect(StringCodec.UTF8);
            publisher = client.connect(ByteArrayCodec.INSTANCE);
            subscriber = client.connectPubSub(ByteArrayCodec.INSTANCE);
        } catch (RuntimeException e) {
            client.shutdown();
            throw new IllegalStateException(
                    "cannot connect to Redis at "
                            + uri.getHost()
                            + ":"
                            + uri.getPort()
                            + " (HERALD_REDIS_URL): "
                            + e.getMessage(),
                    e);
        }
        thread =
                Executors.newSingleThreadExecutor(
                        r -> {
                            Thread t = new Thread(r, "herald-cluster");
                            t.setDaemon(true);
                            return t;
                        });
        log.info("Connected to Redis at {}:{}", uri.getHost(), uri.getPort());
    }

    public StatefulRedisConnection<String, String> state() {
        return state;
    }

    public StatefulRedisConnection<byte[], byte[]> publisher() {
        return publisher;
    }

    public StatefulRedisPubSubConnection<byte[], byte[]> subscriber() {
        return subscriber;
    }

    /** The names of every key and channel the engines use. */
    RedisKeys keys() {
        return keys;
    }

    /** The cluster bookkeeping thread. */
    public ExecutorService thread() {
        return thread;
    }

    /** Whether every connection is up right now. */
    public boolean connected() {
        return state.isOpen() && publisher.isOpen() && subscriber.isOpen();
    }

    @Override
    public void close() {
        thread.shutdownNow();
        subscriber.close();
        publisher.close();
        state.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
