package dev.herald.session;

import dev.herald.apps.App;
import dev.herald.broker.Broker;
import dev.herald.cluster.ClusterView;
import dev.herald.cluster.LocalChannels;
import dev.herald.observers.ChannelObserver;
import dev.herald.protocol.ChannelKind;
import dev.herald.protocol.Frames;
import io.netty.util.concurrent.EventExecutorGroup;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Sends {@code pusher_internal:subscription_count} to the subscribers of non-presence channels of
 * apps that enable it (docs/protocol.md §3.8). Changes are coalesced: the first change schedules
 * one send {@link #COALESCE_MILLIS} later, which carries the count as it is then, so a burst of
 * joins is one event, and nothing is sent if the count came back to the value last sent.
 *
 * <p>What it remembers per channel lives here, for as long as the channel has subscribers on this
 * node: made on the first change, dropped when the local count reaches 0 (the send already
 * scheduled still goes out, so other nodes' subscribers hear the drop).
 */
public final class SubscriptionCounter implements ChannelObserver {

    /** How long changes are gathered before one count is sent. */
    public static final long COALESCE_MILLIS = 250;

    private final Broker broker;
    private final EventExecutorGroup scheduler;
    private final ClusterView view;
    private final LocalChannels local;
    private final ConcurrentHashMap<Key, Count> counts = new ConcurrentHashMap<>();

    private record Key(String appId, String channel) {}

    /** Whether a send is scheduled, and the count last sent. */
    private static final class Count {
        final AtomicBoolean pending = new AtomicBoolean();
        volatile int lastSent = -1;
    }

    public SubscriptionCounter(
            Broker broker, EventExecutorGroup scheduler, ClusterView view, LocalChannels local) {
        this.broker = broker;
        this.scheduler = scheduler;
        this.view = view;
        this.local = local;
    }

    @Override
    public void subscriptionCountChanged(App app, String channel, int count) {
        if (!app.features().subscriptionCount()) {
            return;
        }
        ChannelKind kind = ChannelKind.of(channel);
        if (kind.isPresence() || kind.isHidden()) {
            return;
        }
        Key key = new Key(app.id(), channel);
        Count state;
        if (count > 0) {
            state = counts.computeIfAbsent(key, k -> new Count());
        } else {
            // the channel is gone here: forget it, but still send the drop once
            state = counts.remove(key);
            if (state == null) {
                state = new Count();
            }
        }
        if (state.pending.compareAndSet(false, true)) {
            scheduler
                    .next()
                    .schedule(new Send(app, key, state), COALESCE_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** Channels remembered now, for tests: none once every channel is gone and its send has run. */
    int remembered() {
        return counts.size();
    }

    private final class Send implements Runnable {
        private final App app;
        private final Key key;
        private final Count state;

        Send(App app, Key key, Count state) {
            this.app = app;
            this.key = key;
            this.state = state;
        }

        @Override
        public void run() {
            state.pending.set(false);
            int here = local.subscriptionCount(key.appId(), key.channel());
            if (here == 0) {
                // vacated while a change raced the removal: the entry must not outlive the channel
                counts.remove(key, state);
            }
            // the count subscribers see is the cluster's; with one node it is this node's
            view.subscriptionCount(key.appId(), key.channel())
                    .whenComplete(
                            (total, error) -> {
                                int count = error != null ? here : total;
                                if (count == 0 || count == state.lastSent) {
                                    return;
                                }
                                state.lastSent = count;
                                Publisher.publish(
                                        broker,
                                        key.appId(),
                                        key.channel(),
                                        Frames.subscriptionCount(key.channel(), count),
                                        null);
                            });
        }
    }
}
