package dev.herald.observers;

import dev.herald.apps.App;
import dev.herald.protocol.Member;
import java.util.List;

/**
 * Hears the cluster-wide decisions on channels: a channel occupied or vacated, a presence member
 * added or removed, anywhere in the cluster. Exactly one node hears each decision, so the features
 * that must act once (member events, watchlists, webhooks) listen here. The names follow the
 * webhooks that report them.
 *
 * <p><b>Any thread, no lock held.</b> Alone, a node decides on the spot: the calls come on the
 * event loop that made the local change, in the order of {@link ChannelObserver}. In a Redis
 * cluster they come from Lettuce's threads when a decision script answers, and from the heartbeat
 * thread when a dead node's departure is fired; two decisions on one channel may then arrive out of
 * order or at once. Implementations are thread-safe, hand off and never block.
 */
public interface ClusterObserver {

    ClusterObserver NOOP = new ClusterObserver() {};

    /** The channel got its first subscriber in the cluster. */
    default void channelOccupied(App app, String channel) {}

    /** The channel lost its last subscriber in the cluster. */
    default void channelVacated(App app, String channel) {}

    /**
     * A user's first socket in the cluster joined a presence channel.
     *
     * @param socketId the joining socket, which must not be told about itself
     */
    default void memberAdded(App app, String channel, Member member, String socketId) {}

    /** A user's last socket in the cluster left a presence channel. */
    default void memberRemoved(App app, String channel, String userId) {}

    static ClusterObserver of(List<ClusterObserver> observers) {
        List<ClusterObserver> all = List.copyOf(observers);
        return new ClusterObserver() {
            @Override
            public void channelOccupied(App app, String channel) {
                for (ClusterObserver o : all) {
                    o.channelOccupied(app, channel);
                }
            }

            @Override
            public void channelVacated(App app, String channel) {
                for (ClusterObserver o : all) {
                    o.channelVacated(app, channel);
                }
            }

            @Override
            public void memberAdded(App app, String channel, Member member, String socketId) {
                for (ClusterObserver o : all) {
                    o.memberAdded(app, channel, member, socketId);
                }
            }

            @Override
            public void memberRemoved(App app, String channel, String userId) {
                for (ClusterObserver o : all) {
                    o.memberRemoved(app, channel, userId);
                }
            }
        };
    }
}
