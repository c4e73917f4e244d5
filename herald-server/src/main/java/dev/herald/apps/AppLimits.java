package dev.herald.apps;

/**
 * Per-app limits. Defaults follow Pusher's published limits (spec section 7).
 *
 * @param maxEventBytes            largest event {@code data}, in bytes, over HTTP or from a client
 * @param maxChannelsPerConnection how many channels one connection may hold
 * @param maxPresenceMembers       distinct users per presence channel
 * @param maxPresenceUserInfoBytes size of one member's {@code user_info} JSON
 * @param clientEventsPerSecond    client events one connection may send per second
 * @param maxChannelNameLength     longest channel name accepted
 */
public record AppLimits(
        int maxEventBytes,
        int maxChannelsPerConnection,
        int maxPresenceMembers,
        int maxPresenceUserInfoBytes,
        int clientEventsPerSecond,
        int maxChannelNameLength) {

    public static final int DEFAULT_MAX_EVENT_BYTES = 10_240;
    public static final int DEFAULT_MAX_CHANNELS_PER_CONNECTION = 100;
    public static final int DEFAULT_MAX_PRESENCE_MEMBERS = 100;
    public static final int DEFAULT_MAX_PRESENCE_USER_INFO_BYTES = 1_024;
    public static final int DEFAULT_CLIENT_EVENTS_PER_SECOND = 10;
    public static final int DEFAULT_MAX_CHANNEL_NAME_LENGTH = 200;

    public static AppLimits defaults() {
        return new AppLimits(DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_CHANNELS_PER_CONNECTION,
                DEFAULT_MAX_PRESENCE_MEMBERS, DEFAULT_MAX_PRESENCE_USER_INFO_BYTES,
                DEFAULT_CLIENT_EVENTS_PER_SECOND, DEFAULT_MAX_CHANNEL_NAME_LENGTH);
    }
}
