package dev.herald.session;

import dev.herald.activity.ActivityEvent;
import dev.herald.activity.ActivityTap;
import dev.herald.auth.Authenticators;
import dev.herald.broker.Broker;
import dev.herald.cache.ChannelCache;
import dev.herald.cluster.ClusterView;
import dev.herald.history.ChannelHistory;
import dev.herald.hub.Connection;
import dev.herald.hub.Hub;
import dev.herald.limits.ConnectionLimiter;
import dev.herald.limits.MessageBudget;
import dev.herald.metrics.HeraldMetrics;
import dev.herald.observers.ChannelObserver;
import java.util.Map;

/**
 * What every connection's handlers share: built once by the server, passed to each new session.
 *
 * @param history where a subscription that asks to recover reads what it missed
 * @param activityTimeoutSeconds sent to clients in {@code pusher:connection_established}
 * @param maxMessageBytes largest inbound message, whole or joined from fragments
 * @param messageBudget how many messages one connection may send
 * @param tap where the debug stream hears of connections, subscriptions and client events
 */
public record SessionContext(
        Hub hub,
        Broker broker,
        ClusterView view,
        ChannelCache cache,
        ChannelHistory history,
        ChannelObserver observer,
        Authenticators authenticators,
        SocketIds socketIds,
        ConnectionLimiter admission,
        HeraldMetrics metrics,
        int activityTimeoutSeconds,
        int maxMessageBytes,
        MessageBudget messageBudget,
        ActivityTap tap) {

    /**
     * Reports a session event to the debug stream when someone watches the app: the check first, so
     * that nothing is built while nobody looks.
     */
    void report(
            Connection c,
            ActivityEvent.Kind kind,
            String channel,
            String event,
            String data,
            Map<String, Object> details) {
        tap.record(
                socketIds.node(), c.app().id(), kind, c.socketId(), channel, event, data, details);
    }
}
