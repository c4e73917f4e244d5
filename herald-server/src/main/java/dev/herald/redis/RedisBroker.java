package dev.herald.redis;

import dev.herald.apps.HistoryRule;
import dev.herald.broker.Broker;
import dev.herald.broker.BrokerListener;
import dev.herald.broker.NodeCommand;
import dev.herald.internal.Fatal;
import dev.herald.protocol.EncodedEvent;
import dev.herald.protocol.StreamPosition;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publications across nodes over Redis pub/sub, one Redis channel per app channel. A node
 * subscribes in Redis only to the channels it has local subscribers for, so traffic goes only where
 * it is wanted. The frame bytes are relayed as they were encoded, never decoded.
 *
 * <p>On a Redis Cluster the relay channels are shard channels ({@code SPUBLISH}, {@code
 * SSUBSCRIBE}): a publication goes to the master owning its channel's slot and to the nodes
 * subscribed there, not to every node of the cluster; {@link RelaySubscriber} keeps each
 * subscription on the master its slot is on. Node commands stay classic pub/sub, which every node
 * of the cluster relays to every other.
 *
 * <p>A publication is delivered to this node's subscribers at once and published to Redis for the
 * others; a node ignores its own messages coming back. Redis preserves order per publishing
 * connection, so each channel's events arrive in publish order from any one node (on a cluster,
 * except for a publication Lettuce sends again after a redirection while the channel's slot moves).
 *
 * <p>A recorded publication ({@link #publishRecorded}) is one script: it numbers the event in the
 * channel's history and publishes it, so Redis relays a channel's recorded events to every node in
 * the order of their positions. Every node takes them from its pub/sub connection, this one
 * included: the script's answer comes back on another connection, read on another thread, and
 * delivering this node's events from there could put them before another node's event with a lower
 * position that is still being read from the pub/sub connection. So this node gets its own recorded
 * events only while it has subscribers for the channel in Redis, as it gets anyone else's; one
 * recorded before its subscription is confirmed is in the history for the subscriber to read.
 *
 * <p>Subscriptions are reconciled, not replayed: the hub's own answer to "does this node want the
 * channel now?" decides, on the cluster thread, whether to subscribe or unsubscribe, so racing
 * first-join and last-leave on different event loops cannot leave a wrong subscription behind.
 */
public final class RedisBroker implements Broker {

    private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);
    private final RedisConnections redis;
    private final RedisKeys keys;
    private final String node;
    private final byte[] nodeId;
    private final byte[] control;
    private final boolean sharded;

    /** The relay channels this node is subscribed to. */
    private final RelaySubscriber relays;

    private BrokerListener listener;

    public RedisBroker(RedisConnections redis, String nodeId) {
        this.redis = redis;
        this.keys = redis.keys();
        this.node = nodeId;
        this.nodeId = Relay.nodeId(nodeId);
        this.control = keys.controlChannel().getBytes(StandardCharsets.UTF_8);
        this.sharded = redis.sharded();
        this.relays = new RelaySubscriber(redis);
    }

    @Override
    public void start(BrokerListener listener) {
        this.listener = listener;
        relays.start(new Receiver());
        redis.subscriber().async().subscribe(control); // classic on a cluster too: to every node
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
        String key = keys.relayChannel(appId, channel);
        if (listener.hasSubscribers(appId, channel)) {
            follow(relays.subscribe(key), routed);
        } else {
            relays.unsubscribe(key);
            follow(null, routed);
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
        byte[] message = Relay.publication(nodeId, excludeSocketId, event.frame());
        byte[] relay = keys.relayChannel(appId, channel).getBytes(StandardCharsets.UTF_8);
        (sharded
                        ? redis.publishing().spublish(relay, message)
                        : redis.publishing().publish(relay, message))
                .exceptionally(
                        e -> {
                            relays.publicationFailed();
                            log.debug(
                                    "publish to Redis failed (local subscribers got it): {}",
                                    e.toString());
                            return 0L;
                        });
    }

    @Override
    public CompletionStage<StreamPosition> publishRecorded(
            String appId,
            String channel,
            EncodedEvent event,
            String excludeSocketId,
            HistoryRule rule) {
        CompletableFuture<StreamPosition> recorded = new CompletableFuture<>();
        event.retain(); // until Redis answers: the caller releases its reference on return
        CompletableFuture<List<Object>> reply;
        try {
            reply =
                    RedisChannelHistory.record(
                            redis.publishing(),
                            keys,
                            appId,
                            channel,
                            rule,
                            nodeId,
                            Relay.relayedSocketId(excludeSocketId),
                            event.frame(),
                            sharded);
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e); // the connections are closed
        }
        reply.whenComplete(
                (answer, error) -> {
                    // the event is released before the caller hears back, so a caller that waits
                    // for the position finds its event as it left it
                    StreamPosition position = null;
                    Throwable failure = error;
                    try {
                        if (failure == null) {
                            // this node's listener gets the event from the script's publication,
                            // like every other node, not here: see the class comment
                            position = RedisChannelHistory.recorded(answer);
                        } else {
                            if (failure instanceof CompletionException
                                    && failure.getCause() != null) {
                                failure = failure.getCause();
                            }
                            notRecorded(appId, channel, event, excludeSocketId, failure);
                        }
                    } catch (RuntimeException e) {
                        failure = e; // an answer that is not the script's, or a listener's throw
                    } finally {
                        event.release();
                    }
                    if (failure == null) {
                        recorded.complete(position);
                    } else {
                        recorded.completeExceptionally(failure);
                    }
                });
        return recorded;
    }

    /**
     * The recording script failed: the event still goes out, without a position, to this node and,
     * if Redis answered (so the script's own publication did not happen), to the others.
     */
    private void notRecorded(
            String appId, String channel, EncodedEvent event, String exclude, Throwable cause) {
        Fatal.surface(cause);
        relays.publicationFailed();
        log.debug("recording in Redis failed (published unrecorded): {}", cause.toString());
        if (cause instanceof RedisCommandExecutionException) {
            publish(appId, channel, event, exclude);
        } else {
            listener.onPublication(appId, channel, event, exclude);
        }
    }

    @Override
    public boolean hasAudience(String appId, String channel) {
        return true; // other nodes may have subscribers
    }

    @Override
    public void broadcast(NodeCommand command) {
        listener.onCommand(command);
        redis.publishing().publish(control, Relay.command(node, command));
    }

    /** The relay subscriptions (tests). */
    RelaySubscriber relays() {
        return relays;
    }

    @Override
    public void close() {
        // the connections belong to RedisConnections
        try {
            redis.thread().execute(relays::close);
        } catch (RejectedExecutionException e) {
            relays.close(); // the connections are closed already
        }
    }

    /**
     * Messages from Redis, on Lettuce's I/O thread: decode the envelope and hand off. A shard
     * message (a relay channel on a cluster) is read as a classic one.
     */
    private final class Receiver extends RedisPubSubAdapter<byte[], byte[]> {
        @Override
        public void smessage(byte[] channel, byte[] message) {
            message(channel, message);
        }

        @Override
        public void message(byte[] channel, byte[] message) {
            if (Arrays.equals(channel, control)) {
                command(message);
                return;
            }
            Relay.Publication publication = Relay.readPublication(message);
            if (publication == null
                    || (publication.position() == null && publication.from(nodeId))) {
                // not ours to read, or our own unrecorded publication, already delivered locally
                return;
            }
            RedisKeys.AppChannel target =
                    keys.readRelayChannel(new String(channel, StandardCharsets.UTF_8));
            if (target == null) {
                return;
            }
            // copied once into native memory: sockets are written from there (a heap frame would
            // be copied again for every subscriber)
            int length = publication.frameLength();
            EncodedEvent event =
                    new EncodedEvent(
                            ByteBufAllocator.DEFAULT
                                    .directBuffer(length, length)
                                    .writeBytes(message, publication.frameOffset(), length));
            if (publication.position() != null) {
                EncodedEvent plain = event;
                event = plain.recorded(target.channel(), publication.position());
                plain.release();
            }
            try {
                listener.onPublication(
                        target.appId(), target.channel(), event, publication.excludeSocketId());
            } finally {
                event.release();
            }
        }

        private void command(byte[] message) {
            Relay.Command command = Relay.readCommand(message);
            if (command == null || command.node().equals(node)) {
                return;
            }
            NodeCommand known;
            try {
                known = command.toNodeCommand();
            } catch (IllegalArgumentException e) {
                log.warn("ignoring unknown node command {}", command.type());
                return;
            }
            listener.onCommand(known);
        }
    }
}
