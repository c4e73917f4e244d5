package dev.herald.hub;

import dev.herald.apps.App;
import dev.herald.broker.Broker;
import dev.herald.cluster.ClusterView;
import dev.herald.protocol.Frames;
import io.netty.util.concurrent.EventExecutorGroup;
import java.util.concurrent.TimeUnit;

/**
 * Sends {@code pusher_internal:subscription_count} to the subscribers of non-presence channels of
 * apps that enable it (spec §3.8). Changes are coalesced: the first change schedules one send
 * {@link #COALESCE_MILLIS} later, which carries the count as it is then, so a burst of joins is
 * one event, and nothing is sent if the count came back to the value last sent.
 */
public final class SubscriptionCounter implements ChannelObserver {

    /** How long changes are gathered before one count is sent. */
    public static final long COALESCE_MILLIS = 250;

    private final Broker broker;
    private final EventExecutorGroup scheduler;
    private final ClusterView view;

    public SubscriptionCounter(Broker broker, EventExecutorGroup scheduler, ClusterView view) {
        this.broker = broker;
        this.scheduler = scheduler;
        this.view = view;
    }

    @Override
    public void subscriptionCountChanged(App app, LocalChannel channel) {
        if (!app.features().subscriptionCount() || channel.kind().isPresence() || channel.kind().isHidden()) {
            return;
        }
        if (channel.countPending.compareAndSet(false, true)) {
            scheduler.next().schedule(new Send(app, channel), COALESCE_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private final class Send implements Runnable {
        private final App app;
        private final LocalChannel channel;

        Send(App app, LocalChannel channel) {
            this.app = app;
            this.channel = channel;
        }

        @Override
        public void run() {
            channel.countPending.set(false);
            // the count subscribers see is the cluster's; with one node it is this node's
            view.subscriptionCount(app.id(), channel.name()).whenComplete((total, error) -> {
                int count = error != null ? channel.subscriptionCount() : total;
                if (count == 0 || count == channel.lastSentCount) {
                    return;
                }
                channel.lastSentCount = count;
                Publisher.publish(broker, app.id(), channel.name(), Frames.subscriptionCount(channel.name(), count),
                        null);
            });
        }
    }
}
