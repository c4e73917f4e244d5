package dev.herald.cluster;

import dev.herald.apps.App;
import dev.herald.observers.ChannelObserver;
import dev.herald.observers.ClusterObserver;
import dev.herald.protocol.Member;

/**
 * One node is the whole cluster, so it decides alone: each local first join and last leave is the
 * cluster's, passed on at once on the event loop that made it, in its order.
 */
public final class LocalDecisions implements ChannelObserver {

    private final ClusterObserver decisions;

    public LocalDecisions(ClusterObserver decisions) {
        this.decisions = decisions;
    }

    @Override
    public void occupied(App app, String channel) {
        decisions.channelOccupied(app, channel);
    }

    @Override
    public void vacated(App app, String channel) {
        decisions.channelVacated(app, channel);
    }

    @Override
    public void memberJoined(App app, String channel, Member member, String socketId) {
        decisions.memberAdded(app, channel, member, socketId);
    }

    @Override
    public void memberLeft(App app, String channel, String userId) {
        decisions.memberRemoved(app, channel, userId);
    }
}
