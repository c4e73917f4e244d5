package dev.herald.apps;

import java.time.Duration;

/**
 * What an app switches on (spec §3.8, §3.9, §4).
 *
 * @param clientEvents               clients may send {@code client-*} events
 * @param userAuthentication         clients may sign in ({@code pusher:signin})
 * @param watchlist                  signed-in users get online/offline events for their watchlist
 * @param subscriptionCount          subscribers of non-presence channels get
 *                                   {@code pusher_internal:subscription_count}
 * @param authorizedConnections      a connection must sign in or join a private or presence channel
 *                                   within {@code authorizedConnectionTimeout}, or it is closed (4009)
 * @param authorizedConnectionTimeout how long an unauthorized connection may stay
 */
public record AppFeatures(
        boolean clientEvents,
        boolean userAuthentication,
        boolean watchlist,
        boolean subscriptionCount,
        boolean authorizedConnections,
        Duration authorizedConnectionTimeout) {

    public static final Duration DEFAULT_AUTHORIZED_CONNECTION_TIMEOUT = Duration.ofSeconds(30);

    public AppFeatures {
        if (authorizedConnectionTimeout == null || authorizedConnectionTimeout.isNegative()
                || authorizedConnectionTimeout.isZero()) {
            throw new IllegalArgumentException("authorized connection timeout must be positive");
        }
    }

    public static AppFeatures defaults() {
        return new AppFeatures(true, true, true, false, false, DEFAULT_AUTHORIZED_CONNECTION_TIMEOUT);
    }

    public AppFeatures withClientEvents(boolean on) {
        return new AppFeatures(on, userAuthentication, watchlist, subscriptionCount, authorizedConnections,
                authorizedConnectionTimeout);
    }
}
