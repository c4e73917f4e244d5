package dev.herald.cluster;

import dev.herald.apps.App;
import dev.herald.observers.ClusterObserver;
import dev.herald.protocol.Member;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The cluster-wide decisions one test node heard, as lines such as {@code "occupied app-id news"}.
 */
final class RecordingDecisions implements ClusterObserver {

    final List<String> heard = new CopyOnWriteArrayList<>();

    @Override
    public void channelOccupied(App app, String channel) {
        heard.add("occupied " + app.id() + " " + channel);
    }

    @Override
    public void channelVacated(App app, String channel) {
        heard.add("vacated " + app.id() + " " + channel);
    }

    @Override
    public void memberAdded(App app, String channel, Member member, String socketId) {
        heard.add("added " + app.id() + " " + channel + " " + member.userId() + " by " + socketId);
    }

    @Override
    public void memberRemoved(App app, String channel, String userId) {
        heard.add("removed " + app.id() + " " + channel + " " + userId);
    }
}
