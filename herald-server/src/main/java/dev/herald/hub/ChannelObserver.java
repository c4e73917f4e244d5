package dev.herald.hub;

import dev.herald.apps.App;
import dev.herald.protocol.Member;
import java.util.List;

/**
 * Hears how this node's channels change, for the features built on them: watchlists,
 * subscription counts and webhooks. Called on the event loop of the connection that caused the
 * change, as the hub's state changes: occupied/vacated inside the channel map's per-key lock, member
 * changes inside the member list's monitor, so the calls for one channel arrive in the order the
 * changes happened even when event loops race. Implementations hand off and never block, and never
 * subscribe or unsubscribe from within.
 */
public interface ChannelObserver {

    ChannelObserver NOOP = new ChannelObserver() {
    };

    /** The channel got its first subscriber on this node. */
    default void occupied(App app, String channel) {
    }

    /** The channel lost its last subscriber on this node. */
    default void vacated(App app, String channel) {
    }

    /** The channel's subscription count changed and it still has subscribers. */
    default void subscriptionCountChanged(App app, LocalChannel channel) {
    }

    /**
     * A user's first socket joined a presence channel on this node.
     *
     * @param socketId the joining socket, which must not be told about itself
     */
    default void memberAdded(App app, String channel, Member member, String socketId) {
    }

    /** A user's last socket left a presence channel on this node. */
    default void memberRemoved(App app, String channel, String userId) {
    }

    /** A subscriber of a cache channel found nothing cached. */
    default void cacheMiss(App app, String channel) {
    }

    /**
     * A client event was accepted and relayed.
     *
     * @param data   the event's data as a string: the sender's string, or its JSON text
     * @param userId the sender's presence user id, or {@code null} off presence channels
     */
    default void clientEvent(App app, String channel, String event, String data, String socketId, String userId) {
    }

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
            public void subscriptionCountChanged(App app, LocalChannel channel) {
                for (ChannelObserver o : all) {
                    o.subscriptionCountChanged(app, channel);
                }
            }

            @Override
            public void memberAdded(App app, String channel, Member member, String socketId) {
                for (ChannelObserver o : all) {
                    o.memberAdded(app, channel, member, socketId);
                }
            }

            @Override
            public void memberRemoved(App app, String channel, String userId) {
                for (ChannelObserver o : all) {
                    o.memberRemoved(app, channel, userId);
                }
            }

            @Override
            public void cacheMiss(App app, String channel) {
                for (ChannelObserver o : all) {
                    o.cacheMiss(app, channel);
                }
            }

            @Override
            public void clientEvent(App app, String channel, String event, String data, String socketId,
                    String userId) {
                for (ChannelObserver o : all) {
                    o.clientEvent(app, channel, event, data, socketId, userId);
                }
            }
        };
    }
}
