package dev.herald.session;

import dev.herald.apps.App;
import dev.herald.broker.Broker;
import dev.herald.observers.ClusterObserver;
import dev.herald.protocol.Frames;
import dev.herald.protocol.Member;

/**
 * Tells a presence channel's subscribers when a user joins or leaves it (docs/protocol.md §3.5):
 * once per user, never to the joining socket itself. Hearing only first joins and last leaves, it
 * sends nothing for a user's second socket.
 */
public final class PresenceNotifier implements ClusterObserver {

    private final Broker broker;

    public PresenceNotifier(Broker broker) {
        this.broker = broker;
    }

    @Override
    public void memberAdded(App app, String channel, Member member, String socketId) {
        Publisher.publish(broker, app.id(), channel, Frames.memberAdded(channel, member), socketId);
    }

    @Override
    public void memberRemoved(App app, String channel, String userId) {
        Publisher.publish(broker, app.id(), channel, Frames.memberRemoved(channel, userId), null);
    }
}
