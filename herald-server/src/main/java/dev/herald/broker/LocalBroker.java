package dev.herald.broker;

import dev.herald.apps.HistoryRule;
import dev.herald.history.LocalChannelHistory;
import dev.herald.protocol.EncodedEvent;
import dev.herald.protocol.StreamPosition;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** One node, no network: a publication goes straight to this node's listener. */
public final class LocalBroker implements Broker {

    private final LocalChannelHistory history;
    private BrokerListener listener;

    /** A broker whose recorded publications are kept in a history of 64 MiB. */
    public LocalBroker() {
        this(new LocalChannelHistory(64L << 20, System::currentTimeMillis));
    }

    /**
     * @param history where recorded publications are kept
     */
    public LocalBroker(LocalChannelHistory history) {
        this.history = Objects.requireNonNull(history, "history");
    }

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
    public CompletionStage<StreamPosition> publishRecorded(
            String appId,
            String channel,
            EncodedEvent event,
            String excludeSocketId,
            HistoryRule rule) {
        // recorded before it is delivered: a subscriber that reads the history on its loop after
        // joining finds every event it will not get live
        StreamPosition position =
                history.append(appId, channel, event.frame(), excludeSocketId, rule);
        EncodedEvent recorded = event.recorded(channel, position);
        try {
            listener.onPublication(appId, channel, recorded, excludeSocketId);
        } finally {
            recorded.release();
        }
        return CompletableFuture.completedFuture(position);
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
