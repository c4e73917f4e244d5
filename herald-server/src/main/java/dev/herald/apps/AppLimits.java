package dev.herald.apps;

import java.time.Duration;
import java.util.Objects;

/**
 * Per-app limits. Defaults follow Pusher's published limits (docs/protocol.md §7).
 *
 * @param maxConnections concurrent connections; 0 = no limit (4004 beyond it)
 * @param maxEventBytes largest event {@code data}, in bytes, over HTTP or from a client
 * @param maxChannelsPerConnection how many channels one connection may hold
 * @param maxPresenceMembers distinct users per presence channel
 * @param maxPresenceUserInfoBytes size of one member's {@code user_info} JSON
 * @param clientEventsPerSecond client events one connection may send per second
 * @param maxChannelNameLength longest channel name accepted
 * @param maxWatchlistSize users one sign-in may watch
 * @param cacheTtl how long a cache channel keeps its last event
 * @param apiRequestsPerSecond HTTP API requests per second; 0 = no limit (429 beyond it)
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

    // the defaults are those of the schema (AppSettings), named here for existing callers
    public static final int DEFAULT_MAX_CONNECTIONS = AppSettings.MAX_CONNECTIONS.defaultValue();
    public static final int DEFAULT_MAX_EVENT_BYTES = AppSettings.MAX_EVENT_BYTES.defaultValue();
    public static final int DEFAULT_MAX_CHANNELS_PER_CONNECTION =
            AppSettings.MAX_CHANNELS_PER_CONNECTION.defaultValue();
    public static final int DEFAULT_MAX_PRESENCE_MEMBERS =
            AppSettings.MAX_PRESENCE_MEMBERS.defaultValue();
    public static final int DEFAULT_MAX_PRESENCE_USER_INFO_BYTES =
            AppSettings.MAX_PRESENCE_USER_INFO_BYTES.defaultValue();
    public static final int DEFAULT_CLIENT_EVENTS_PER_SECOND =
            AppSettings.CLIENT_EVENTS_PER_SECOND.defaultValue();
    public static final int DEFAULT_MAX_CHANNEL_NAME_LENGTH =
            AppSettings.MAX_CHANNEL_NAME_LENGTH.defaultValue();
    public static final int DEFAULT_MAX_WATCHLIST_SIZE =
            AppSettings.MAX_WATCHLIST_SIZE.defaultValue();
    public static final Duration DEFAULT_CACHE_TTL = AppSettings.CACHE_TTL.defaultValue();

    /** Checks every limit against its bound in {@link AppSettings}. */
    public AppLimits {
        AppSettings.MAX_EVENT_BYTES.check(maxEventBytes);
        AppSettings.MAX_CHANNELS_PER_CONNECTION.check(maxChannelsPerConnection);
        AppSettings.MAX_PRESENCE_MEMBERS.check(maxPresenceMembers);
        AppSettings.MAX_PRESENCE_USER_INFO_BYTES.check(maxPresenceUserInfoBytes);
        AppSettings.CLIENT_EVENTS_PER_SECOND.check(clientEventsPerSecond);
        AppSettings.MAX_CHANNEL_NAME_LENGTH.check(maxChannelNameLength);
        AppSettings.MAX_WATCHLIST_SIZE.check(maxWatchlistSize);
        AppSettings.MAX_CONNECTIONS.check(maxConnections);
        AppSettings.CACHE_TTL.check(Objects.requireNonNull(cacheTtl, "cache_ttl"));
        AppSettings.API_REQUESTS_PER_SECOND.check(apiRequestsPerSecond);
    }

    /** Limits with no HTTP API rate limit. */
    public AppLimits(
            int maxConnections,
            int maxEventBytes,
            int maxChannelsPerConnection,
            int maxPresenceMembers,
            int maxPresenceUserInfoBytes,
            int clientEventsPerSecond,
            int maxChannelNameLength,
            int maxWatchlistSize,
            Duration cacheTtl) {
        this(
                maxConnections,
                maxEventBytes,
                maxChannelsPerConnection,
                maxPresenceMembers,
                maxPresenceUserInfoBytes,
                clientEventsPerSecond,
                maxChannelNameLength,
                maxWatchlistSize,
                cacheTtl,
                0);
    }

    public static AppLimits defaults() {
        return new AppLimits(
                DEFAULT_MAX_CONNECTIONS,
                DEFAULT_MAX_EVENT_BYTES,
                DEFAULT_MAX_CHANNELS_PER_CONNECTION,
                DEFAULT_MAX_PRESENCE_MEMBERS,
                DEFAULT_MAX_PRESENCE_USER_INFO_BYTES,
                DEFAULT_CLIENT_EVENTS_PER_SECOND,
                DEFAULT_MAX_CHANNEL_NAME_LENGTH,
                DEFAULT_MAX_WATCHLIST_SIZE,
                DEFAULT_CACHE_TTL);
    }
}
