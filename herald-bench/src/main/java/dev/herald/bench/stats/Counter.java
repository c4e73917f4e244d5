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
    OTHER_MESSAGES,
    /** reconnect-storm: moved clients' connections the storm closed (4200 or dropped). */
    STORM_CLOSED,
    /** reconnect-storm: of those, closed with a 4200-4299 close frame. */
    STORM_CLOSED_4200,
    /** reconnect-storm: {@code pusher:error} 4200-4299 (sent with the close), not errors. */
    STORM_ERRORS_4200,
    /** reconnect-storm: reconnects started (each attempt). */
    STORM_RECONNECTS,
    /** reconnect-storm: reconnects whose TCP connect or upgrade failed. */
    STORM_RECONNECT_FAILED,
    /** reconnect-storm: moved clients subscribed again to every channel. */
    STORM_RESUBSCRIBED,
    /**
     * reconnect-storm: moved clients back within --storm-timeout (re-subscribed, then an event
     * published after that received).
     */
    STORM_BACK,
    /** reconnect-storm: moved clients back only after --storm-timeout. */
    STORM_LATE_BACK,
    /** reconnect-storm: closes with a code after which a Pusher client does not reconnect. */
    STORM_REFUSED_CLOSES,
    /**
     * reconnect-storm: clients that did not move but were disconnected (they reconnect as moved
     * clients do).
     */
    STORM_UNMOVED_CLOSES,
    /** reconnect-storm: marker events received. */
    MARKERS_RECEIVED,
    /** reconnect-storm: steady-stream events received by moved clients (not in the latency). */
    MOVED_DELIVERIES;

    public static final int COUNT = values().length;
}
