package dev.herald.apps;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What an app switches on (docs/protocol.md §3.8, §3.9, §4).
 *
 * @param clientEvents clients may send {@code client-*} events
 * @param userAuthentication clients may sign in ({@code pusher:signin})
 * @param watchlist signed-in users get online/offline events for their watchlist
 * @param subscriptionCount subscribers of non-presence channels get {@code
 *     pusher_internal:subscription_count}
 * @param authorizedConnections a connection must sign in or join a private or presence channel
 *     within {@code authorizedConnectionTimeout}, or it is closed (4009)
 * @param authorizedConnectionTimeout how long an unauthorized connection may stay
 * @param allowedOrigins origins allowed to open WebSocket connections; empty allows all. An entry
 *     may start with {@code *.} after the scheme ({@code https://*.example.com}) to allow
 *     subdomains
 */
public record AppFeatures(
        boolean clientEvents,
        boolean userAuthentication,
        boolean watchlist,
        boolean subscriptionCount,
        boolean authorizedConnections,
        Duration authorizedConnectionTimeout,
        List<String> allowedOrigins) {

    public static final Duration DEFAULT_AUTHORIZED_CONNECTION_TIMEOUT =
            AppSettings.AUTHORIZED_CONNECTION_TIMEOUT.defaultValue();

    public AppFeatures {
        AppSettings.AUTHORIZED_CONNECTION_TIMEOUT.check(
                Objects.requireNonNull(
                        authorizedConnectionTimeout, "authorized_connection_timeout"));
        allowedOrigins = List.copyOf(allowedOrigins);
    }

    /** Features with every origin allowed. */
    public AppFeatures(
            boolean clientEvents,
            boolean userAuthentication,
            boolean watchlist,
            boolean subscriptionCount,
            boolean authorizedConnections,
            Duration authorizedConnectionTimeout) {
        this(
                clientEvents,
                userAuthentication,
                watchlist,
                subscriptionCount,
                authorizedConnections,
                authorizedConnectionTimeout,
                List.of());
    }

    /** Whether a WebSocket upgrade from this {@code Origin} header may proceed. */
    public boolean allowsOrigin(String origin) {
        if (allowedOrigins.isEmpty()) {
            return true;
        }
        if (origin == null) {
            return false;
        }
        for (String allowed : allowedOrigins) {
            if (allowed.equals("*") || allowed.equalsIgnoreCase(origin)) {
                return true;
            }
            int wildcard = allowed.indexOf("://*.");
            if (wildcard > 0) {
                String scheme = allowed.substring(0, wildcard + 3);
                String suffix = allowed.substring(wildcard + 4);
                if (origin.regionMatches(true, 0, scheme, 0, scheme.length())
                        && origin.length() > scheme.length() + suffix.length()
                        && origin.regionMatches(
                                true,
                                origin.length() - suffix.length(),
                                suffix,
                                0,
                                suffix.length())) {
                    return true;
                }
            }
        }
        return false;
    }

    public static AppFeatures defaults() {
        return new AppFeatures(
                AppSettings.CLIENT_EVENTS.defaultValue(),
                AppSettings.USER_AUTHENTICATION.defaultValue(),
                AppSettings.WATCHLIST.defaultValue(),
                AppSettings.SUBSCRIPTION_COUNT.defaultValue(),
                AppSettings.AUTHORIZED_CONNECTIONS.defaultValue(),
                AppSettings.AUTHORIZED_CONNECTION_TIMEOUT.defaultValue(),
                AppSettings.ALLOWED_ORIGINS.defaultValue());
    }

    public AppFeatures withClientEvents(boolean on) {
        return new AppFeatures(
                on,
                userAuthentication,
                watchlist,
                subscriptionCount,
                authorizedConnections,
                authorizedConnectionTimeout,
                allowedOrigins);
    }
}
