package dev.herald.apps;

import java.time.Duration;

/**
 * Per-app limits. Defaults follow Pusher's published limits (spec section 7).
 *
 * @param maxConnections           concurrent connections; 0 = no limit (4004 beyond it)
 * @param maxEventBytes            largest event {@code data}, in bytes, over HTTP or from a client
 * @param maxChannelsPerConnection how many channels one connection may hold
 * @param maxPresenceMembers       distinct users per presence channel
 * @param maxPresenceUserInfoBytes size of one member's {@code user_info} JSON
 * @param clientEventsPerSecond    client events one connection may send per second
 * @param maxChannelNameLength     longest channel name accepted
 * @param maxWatchlistSize         users one sign-in may watch
 * @param cacheTtl                 how long a cache channel keeps its last event
 * @param apiRequestsPerSecond     HTTP API requests per second; 0 = no limit (429 beyond it)
 */
public record AppLimits(
        int maxConnections,
        int maxEventBytes,
        int maxChannelsPerConnection,
        int maxPresenceMembers,
        int maxPresenceUserInfoBytes,
        int clientEventsPerSecond,
        int maxChannelNameLength,
        int maxWatchlistSize,
        Duration cacheTtl,
        int apiRequestsPerSecond) {

    public static final int DEFAULT_MAX_CONNECTIONS = 0;
    public static final int DEFAULT_MAX_EVENT_BYTES = 10_240;
    public static final int DEFAULT_MAX_CHANNELS_PER_CONNECTION = 100;
    public static final int DEFAULT_MAX_PRESENCE_MEMBERS = 100;
    public static final int DEFAULT_MAX_PRESENCE_USER_INFO_BYTES = 1_024;
    public static final int DEFAULT_CLIENT_EVENTS_PER_SECOND = 10;
    public static final int DEFAULT_MAX_CHANNEL_NAME_LENGTH = 200;
    public static final int DEFAULT_MAX_WATCHLIST_SIZE = 100;
    public static final Duration DEFAULT_CACHE_TTL = Duration.ofMinutes(30);

    public AppLimits {
        positive("max_event_bytes", maxEventBytes);
        positive("max_channels_per_connection", maxChannelsPerConnection);
        positive("max_presence_members", maxPresenceMembers);
        positive("max_presence_user_info_bytes", maxPresenceUserInfoBytes);
        positive("client_events_per_second", clientEventsPerSecond);
        positive("max_channel_name_length", maxChannelNameLength);
        positive("max_watchlist_size", maxWatchlistSize);
        if (maxConnections < 0) {
            throw new IllegalArgumentException("max_connections must be >= 0 (0 = no limit), got " + maxConnections);
        }
        if (cacheTtl == null || cacheTtl.isNegative() || cacheTtl.isZero()) {
            throw new IllegalArgumentException("cache_ttl must be positive, got " + cacheTtl);
        }
        if (apiRequestsPerSecond < 0) {
            throw new IllegalArgumentException("api_requests_per_second must be >= 0 (0 = no limit), got "
                    + apiRequestsPerSecond);
        }
    }

    /** Limits with no HTTP API rate limit. */
    public AppLimits(int maxConnections, int maxEventBytes, int maxChannelsPerConnection, int maxPresenceMembers,
            int maxPresenceUserInfoBytes, int clientEventsPerSecond, int maxChannelNameLength, int maxWatchlistSize,
            Duration cacheTtl) {
        this(maxConnections, maxEventBytes, maxChannelsPerConnection, maxPresenceMembers, maxPresenceUserInfoBytes,
                clientEventsPerSecond, maxChannelNameLength, maxWatchlistSize, cacheTtl, 0);
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, got " + value);
        }
    }

    public static AppLimits defaults() {
        return new AppLimits(DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_CHANNELS_PER_CONNECTION,
                DEFAULT_MAX_PRESENCE_MEMBERS, DEFAULT_MAX_PRESENCE_USER_INFO_BYTES, DEFAULT_CLIENT_EVENTS_PER_SECOND,
                DEFAULT_MAX_CHANNEL_NAME_LENGTH, DEFAULT_MAX_WATCHLIST_SIZE, DEFAULT_CACHE_TTL);
    }
}
