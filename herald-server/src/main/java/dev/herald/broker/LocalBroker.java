package dev.herald.broker;

import dev.herald.protocol.EncodedEvent;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** One node, no network: a publication goes straight to this node's listener. */
public final class LocalBroker implements Broker {

    private BrokerListener listener;

    @Override
    public void start(BrokerListener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    @Override
    public CompletionStage<Void> subscribe(String appId, String channel) {
        return DONE; // every publication is local already
    }

    @Override
    public void unsubscribe(String appId, String channel) {
        // every publication is local already
    }

    @Override
    public void publish(String appId, String channel, EncodedEvent event, String excludeSocketId) {
        listener.onPublication(appId, channel, event, excludeSocketId);
    }

    @Override
    public boolean hasAudience(String appId, String channel) {
        return listener.hasSubscribers(appId, channel);
    }

    @Override
    public void broadcast(NodeCommand command) {
        listener.onCommand(command);
    }

    @Override
    public void close() {
        // nothing held
    }
}
