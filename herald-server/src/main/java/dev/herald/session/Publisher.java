package dev.herald.session;

import dev.herald.broker.Broker;
import dev.herald.protocol.EncodedEvent;
import io.netty.buffer.ByteBuf;

/** Publishes a frame the caller just built, releasing it once the broker has taken it. */
final class Publisher {

    private Publisher() {}

    static void publish(
            Broker broker, String appId, String channel, ByteBuf frame, String excludeSocketId) {
        EncodedEvent event = new EncodedEvent(frame);
        try {
            broker.publish(appId, channel, event, excludeSocketId);
        } finally {
            event.release();
        }
    }
}
