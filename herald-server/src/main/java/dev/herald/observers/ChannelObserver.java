package dev.herald.observers;

import dev.herald.apps.App;
import dev.herald.protocol.Member;
import java.util.List;

/**
 * Hears how this node's channels change: the local events the hub and the session report.
 *
 * <p><b>Threads and order.</b> Called on the event loop of the connection that caused the change,
 * as the hub's state changes: {@link #occupied}/{@link #vacated} inside the channel map's per-key
 * lock, {@link #memberJoined}/{@link #memberLeft} inside the member list's monitor, so the calls
 * for one channel arrive in the order the changes happened even when event loops race.
 * Implementations hand off and never block, and never subscribe or unsubscribe from within.
 *
 * <p>These are this node's changes only. In a cluster a channel is occupied here while it may be
 * occupied elsewhere too: features that must act once per cluster (member events, watchlists,
 * webhooks) listen to {@link ClusterObserver}, which a cluster engine feeds from these events.
 */
public interface ChannelObserver {

    ChannelObserver NOOP = new ChannelObserver() {};

    /** The channel got its first subscriber on this node. */
    default void occupied(App app, String channel) {}

    /** The channel lost its last subscriber on this node. */
    default void vacated(App app, String channel) {}

    /**
     * The channel's subscription count on this node changed: also when it dropped to 0 (after
     * {@link #vacated}), so watchers of the count hear the drop.
     *
     * @param count the sockets subscribed on this node just after the change
     */
    default void subscriptionCountChanged(App app, String channel, int count) {}

    /**
     * A user's first socket on this node joined a presence channel.
     *
     * @param socketId the joining socket, which must not be told about itself
     */
    default void memberJoined(App app, String channel, Member member, String socketId) {}

    /** A user's last socket on this node left a presence channel. */
    default void memberLeft(App app, String channel, String userId) {}

    /** A subscriber of a cache channel found nothing cached. */
    default void cacheMiss(App app, String channel) {}

    /**
     * A client event was accepted and relayed.
     *
     * @param data the event's data as a string: the sender's string, or its JSON text
     * @param userId the sender's presence user id, or {@code null} off presence channels
     */
    default void clientEvent(
            App app, String channel, String event, String data, String socketId, String userId) {}

    static ChannelObserver of(List<ChannelObserver> observers) {
        List<ChannelObserver> all = List.copyOf(observers);
        return new ChannelObserver() {
            @Override
            public void occupied(App app, String channel) {
                for (ChannelObserver o : all) {
                    o.occupied(app, channel);
                }
            }

            @Override
            public void vacated(App app, String channel) {
                for (ChannelObserver o : all) {
                    o.vacated(app, channel);
                }
            }

            @Override
            public void subscriptionCountChanged(App app, String channel, int count) {
                for (ChannelObserver o : all) {
                    o.subscriptionCountChanged(app, channel, count);
                }
            }

            @Override
            public void memberJoined(App app, String channel, Member member, String socketId) {
                for (ChannelObserver o : all) {
                    o.memberJoined(app, channel, member, socketId);
                }
            }

            @Override
            public void memberLeft(App app, String channel, String userId) {
                for (ChannelObserver o : all) {
                    o.memberLeft(app, channel, userId);
                }
            }

            @Override
            public void cacheMiss(App app, String channel) {
                for (ChannelObserver o : all) {
                    o.cacheMiss(app, channel);
                }
            }

            @Override
            public void clientEvent(
                    App app,
                    String channel,
                    String event,
                    String data,
                    String socketId,
                    String userId) {
                for (ChannelObserver o : all) {
                    o.clientEvent(app, channel, event, data, socketId, userId);
                }
            }
        };
    }
}
