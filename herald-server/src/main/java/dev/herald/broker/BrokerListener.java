package dev.herald.broker;

import dev.herald.protocol.EncodedEvent;

/**
 * Receives publications from a {@link Broker}. Called on the publishing thread (local engine) or
 * the engine's I/O thread (remote engines); implementations hand off and never block.
 */
public interface BrokerListener {

    /**
     * @param event valid for the duration of the call; retain it to keep it longer
     */
    void onPublication(String appId, String channel, EncodedEvent event, String excludeSocketId);

    /** Whether this node has subscribers for the channel; engines that route by interest ask. */
    boolean hasSubscribers(String appId, String channel);

    /** A command broadcast by any node. */
    void onCommand(NodeCommand command);
}
