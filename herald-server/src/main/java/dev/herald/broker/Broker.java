package dev.herald.broker;

import dev.herald.protocol.EncodedEvent;
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
     * Whether a publication to the channel could reach anyone; {@code false} lets a publisher skip
     * encoding. Engines that cannot tell cheaply answer {@code true}.
     */
    boolean hasAudience(String appId, String channel);

    /** Runs a command on every node, this one included. */
    void broadcast(NodeCommand command);

    @Override
    void close();
}
