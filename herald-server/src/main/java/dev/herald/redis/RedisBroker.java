package dev.herald.redis;

import dev.herald.broker.Broker;
import dev.herald.broker.BrokerListener;
import dev.herald.broker.NodeCommand;
import dev.herald.protocol.EncodedEvent;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publications across nodes over Redis pub/sub, one Redis channel per app channel. A node
 * subscribes in Redis only to the channels it has local subscribers for, so traffic goes only
 * where it is wanted. The frame bytes are relayed as they were encoded, never decoded.
 *
 * <p>A publication is delivered to this node's subscribers at once and published to Redis for the
 * others; a node ignores its own messages coming back. Redis preserves order per publishing
 * connection, so each channel's events arrive in publish order from any one node.
 *
 * <p>Subscriptions are reconciled, not replayed: the hub's own answer to "does this node want the
 * channel now?" decides, on the cluster thread, whether to subscribe or unsubscribe, so racing
 * first-join and last-leave on different event loops cannot leave a wrong subscription behind.
 */
public final class RedisBroker implements Broker {

    private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);
    private static final String PREFIX = "herald:ch:";
    private static final byte[] CONTROL = "herald:ctl".getBytes(StandardCharsets.UTF_8);
    private static final byte MAGIC = 'H';

    private final RedisConnections redis;
    private final byte[] nodeId;
    /** Redis channels this node is subscribed to; touched only on the cluster thread. */
    private final Set<String> subscribed = new HashSet<>();
    /** Subscriptions sent but not yet confirmed by Redis; cluster thread only. */
    private final java.util.Map<String, CompletableFuture<Void>> inFlight = new java.util.HashMap<>();
    private BrokerListener listener;

    public RedisBroker(RedisConnections redis, String nodeId) {
        this.redis = redis;
        this.nodeId = nodeId.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void start(BrokerListener listener) {
        this.listener = listener;
        redis.subscriber().addListener(new Receiver());
        redis.subscriber().async().subscribe(CONTROL);
    }

    static String redisChannel(String appId, String channel) {
        return PREFIX + appId + '|' + channel;
    }

    @Override
    public CompletionStage<Void> subscribe(String appId, String channel) {
        CompletableFuture<Void> routed = new CompletableFuture<>();
        redis.thread().execute(() -> reconcile(appId, channel, routed));
        return routed;
    }

    @Override
    public void unsubscribe(String appId, String channel) {
        redis.thread().execute(() -> reconcile(appId, channel, null));
    }

    /**
     * Subscribes or unsubscribes to match the hub; {@code routed} completes when Redis has
     * confirmed the subscription (also when Redis is away: local subscribers are not held back).
     */
    private void reconcile(String appId, String channel, CompletableFuture<Void> routed) {
        String key = redisChannel(appId, channel);
        boolean wanted = listener.hasSubscribers(appId, channel);
        if (wanted && subscribed.add(key)) {
            CompletableFuture<Void> confirmed = new CompletableFuture<>();
            inFlight.put(key, confirmed);
            redis.subscriber().async().subscribe(key.getBytes(StandardCharsets.UTF_8))
                    .whenComplete((v, error) -> redis.thread().execute(() -> {
                        inFlight.remove(key, confirmed);
                        confirmed.complete(null);
                    }));
            follow(confirmed, routed);
        } else if (!wanted && subscribed.remove(key)) {
            redis.subscriber().async().unsubscribe(key.getBytes(StandardCharsets.UTF_8));
            follow(null, routed);
        } else {
            follow(wanted ? inFlight.get(key) : null, routed);
        }
    }

    private static void follow(CompletableFuture<Void> confirmed, CompletableFuture<Void> routed) {
        if (routed == null) {
            return;
        }
        if (confirmed == null) {
            routed.complete(null);
        } else {
            confirmed.whenComplete((v, e) -> routed.complete(null));
        }
    }

    @Override
    public void publish(String appId, String channel, EncodedEvent event, String excludeSocketId) {
        listener.onPublication(appId, channel, event, excludeSocketId);
        byte[] exclude = excludeSocketId == null ? new byte[0] : excludeSocketId.getBytes(StandardCharsets.US_ASCII);
        int frameLength = event.frame().readableBytes();
        byte[] message = new byte[3 + nodeId.length + exclude.length + frameLength];
        message[0] = MAGIC;
        message[1] = (byte) nodeId.length;
        System.arraycopy(nodeId, 0, message, 2, nodeId.length);
        message[2 + nodeId.length] = (byte) exclude.length;
        System.arraycopy(exclude, 0, message, 3 + nodeId.length, exclude.length);
        event.frame().getBytes(event.frame().readerIndex(), message, 3 + nodeId.length + exclude.length, frameLength);
        redis.publisher().async().publish(redisChannel(appId, channel).getBytes(StandardCharsets.UTF_8), message)
                .exceptionally(e -> {
                    log.debug("publish to Redis failed (local subscribers got it): {}", e.toString());
                    return 0L;
                });
    }

    @Override
    public boolean hasAudience(String appId, String channel) {
        return true; // other nodes may have subscribers
    }

    @Override
    public void broadcast(NodeCommand command) {
        listener.onCommand(command);
        String text = new String(nodeId, StandardCharsets.UTF_8) + '\n' + command.type().name() + '\n'
                + command.appId() + '\n' + command.subject();
        redis.publisher().async().publish(CONTROL, text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        // connections belong to RedisConnections
    }

    /** Messages from Redis, on Lettuce's I/O thread: decode the envelope and hand off. */
    private final class Receiver extends RedisPubSubAdapter<byte[], byte[]> {
        @Override
        public void message(byte[] channel, byte[] message) {
            if (java.util.Arrays.equals(channel, CONTROL)) {
                command(new String(message, StandardCharsets.UTF_8));
                return;
            }
            if (message.length < 3 || message[0] != MAGIC) {
                return;
            }
            int nodeLength = message[1];
            if (java.util.Arrays.equals(message, 2, 2 + nodeLength, nodeId, 0, nodeId.length)) {
                return; // our own publication, already delivered locally
            }
            int excludeLength = message[2 + nodeLength];
            String exclude = excludeLength == 0 ? null
                    : new String(message, 3 + nodeLength, excludeLength, StandardCharsets.US_ASCII);
            int offset = 3 + nodeLength + excludeLength;
            String name = new String(channel, StandardCharsets.UTF_8).substring(PREFIX.length());
            int bar = name.indexOf('|');
            // copied once into native memory: sockets are written from there (a heap frame would
            // be copied again for every subscriber)
            int length = message.length - offset;
            EncodedEvent event = new EncodedEvent(
                    ByteBufAllocator.DEFAULT.directBuffer(length, length).writeBytes(message, offset, length));
            try {
                listener.onPublication(name.substring(0, bar), name.substring(bar + 1), event, exclude);
            } finally {
                event.release();
            }
        }

        private void command(String text) {
            String[] parts = text.split("\n", 4);
            if (parts.length < 4 || parts[0].equals(new String(nodeId, StandardCharsets.UTF_8))) {
                return;
            }
            try {
                listener.onCommand(new NodeCommand(NodeCommand.Type.valueOf(parts[1]), parts[2], parts[3]));
            } catch (IllegalArgumentException e) {
                log.warn("ignoring unknown node command {}", parts[1]);
            }
        }
    }
}
