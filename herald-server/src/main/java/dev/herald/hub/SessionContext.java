package dev.herald.hub;

import dev.herald.broker.Broker;

/**
 * What every connection's handlers share: built once by the server, passed to each new session.
 *
 * @param activityTimeoutSeconds sent to clients in {@code pusher:connection_established}
 */
public record SessionContext(Hub hub, Broker broker, Authenticators authenticators, SocketIds socketIds,
        int activityTimeoutSeconds) {
}
