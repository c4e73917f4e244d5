package dev.herald.bench.stats;

/**
 * Counters kept by the connection fleet. All are cumulative and merge across event loops and
 * processes by addition ({@link #OPEN} goes up and down, so its sum is the open count).
 */
public enum Counter {
    /** TCP connects started. */
    CONNECT_STARTED,
    /** TCP connect or WebSocket upgrade failed. */
    CONNECT_FAILED,
    /** {@code pusher:connection_established} received. */
    ESTABLISHED,
    /** Currently open established connections (incremented and decremented). */
    OPEN,
    /** {@code pusher_internal:subscription_succeeded} received. */
    SUBSCRIBED,
    /** Connections whose every planned subscription succeeded. */
    READY,
    /** {@code pusher:subscription_error} received. */
    SUB_ERRORS,
    /** Connections refused during setup (an error before all subscriptions succeeded). */
    SETUP_REFUSED,
    /** Timestamped bench events received (server publications or client events). */
    DELIVERED,
    /** Bytes of the WebSocket payloads of {@link #DELIVERED} frames. */
    DELIVERED_BYTES,
    /** Deliveries whose timestamp was ahead of the local clock (recorded as 0). */
    NEGATIVE_LATENCY,
    /** {@code pusher:error} received. */
    PUSHER_ERRORS,
    /** Connections that closed while the bench still wanted them open. */
    UNEXPECTED_CLOSES,
    /** Client events sent. */
    CLIENT_EVENTS_SENT,
    /** Client-event deliveries expected (sum over sends of the other subscribers). */
    CLIENT_EVENTS_EXPECTED,
    /** {@code pusher:error} 4301 (client event rate limit). */
    CLIENT_EVENTS_REJECTED,
    /** {@code pusher_internal:member_added} received. */
    MEMBER_ADDED,
    /** {@code pusher_internal:member_removed} received. */
    MEMBER_REMOVED,
    /** Presence joins confirmed (subscribe answered by subscription_succeeded). */
    JOINS,
    /** Presence leaves sent (unsubscribe). */
    LEAVES,
    /** Churn cycles completed: connect, subscribe, disconnect. */
    CHURN_CYCLES,
    /** WebSocket pings and {@code pusher:ping} events answered. */
    PINGS_ANSWERED,
    /** churn: client events received from other connections. */
    CLIENT_EVENTS_RECEIVED,
    /**
     * churn: publications a subscriber did not get although it got an earlier and a later one on
     * the same channel (a gap in the channel's publish sequence).
     */
    MISSED_DELIVERIES,
    /** churn: publications received after a later one of the same channel. */
    OUT_OF_ORDER,
    /** Other text messages (subscription_count, unknown events). */
    OTHER_MESSAGES;

    public static final int COUNT = values().length;
}
