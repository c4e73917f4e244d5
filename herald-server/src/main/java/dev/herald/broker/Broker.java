package dev.herald.broker;

import dev.herald.apps.HistoryRule;
import dev.herald.protocol.EncodedEvent;
import dev.herald.protocol.StreamPosition;
import java.util.concurrent.CompletionStage;

/**
 * Carries publications to every node that has subscribers for a channel.
 *
 * <p>Delivery is at most once and ordered per channel per publishing node. The broker calls its
 * {@link BrokerListener} for every publication, including this node's own. Engines never see the
 * hub or Netty channels.
 */
public interface Broker extends AutoCloseable {

    /** Registers the one listener and starts delivery. Called once, before any other method. */
    void start(BrokerListener listener);

    /**
     * This node now has local subscribers for the channel (first subscriber); an engine that routes
     * by interest starts receiving it. Idempotent.
     *
     * @return completes once publications from every node reach this node (at once for engines that
     *     do not route by interest); subscribers are answered only then, so an app that publishes
     *     on "subscription succeeded" never loses its first event
     */
    CompletionStage<Void> subscribe(String appId, String channel);

    /** This node has no more local subscribers for the channel. Idempotent. */
    void unsubscribe(String appId, String channel);

    /**
     * Publishes an event to a channel on every node.
     *
     * @param event the encoded frame; the caller keeps its reference and releases it after this
     *     call returns (the broker retains what it keeps)
     * @param excludeSocketId a socket that must not receive it, or {@code null}
     */
    void publish(String appId, String channel, EncodedEvent event, String excludeSocketId);

    /**
     * Records an event in the channel's history and publishes it, in one step, so that every node
     * delivers the channel's recorded events in the order of their positions (docs/recovery.md).
     * Every node's listener, this one's included, gets the event with its {@link
     * EncodedEvent#position() position}; an engine that routes by interest delivers it, on this
     * node too, only once the channel is routed here ({@link #subscribe}), since only then is its
     * order the same as the other nodes' recorded events (an event recorded earlier is in the
     * history).
     *
     * @param rule how much of the channel's history is kept
     * @return the position the event was recorded at; fails if it could not be recorded, in which
     *     case the event is still published as {@link #publish} would, without a position
     */
    CompletionStage<StreamPosition> publishRecorded(
            String appId,
            String channel,
            EncodedEvent event,
            String excludeSocketId,
            HistoryRule rule);

    /**
     * Whether a publication to the channel could reach anyone; {@code false} lets a publisher skip
     * encoding. Engines that cannot tell cheaply answer {@code true}.
     */
    boolean hasAudience(String appId, String channel);

    /** Runs a command on every node, this one included. */
    void broadcast(NodeCommand command);

    @Override
    void close();
}
