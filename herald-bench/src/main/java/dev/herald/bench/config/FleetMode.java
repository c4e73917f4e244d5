package dev.herald.bench.config;

/** What the WebSocket connections of a scenario do once set up. */
public enum FleetMode {
    /** Subscribe to K channels and receive (fanout, idle). */
    SUBSCRIBE,
    /** Connect, subscribe, disconnect, again (churn). */
    CHURN,
    /** Join and leave a presence channel over and over (presence). */
    PRESENCE,
    /** Subscribe to private channels and send client events to the other subscribers. */
    CLIENT_EVENTS,
    /**
     * Subscribe and receive; once the storm is armed, a connection the server closes reconnects to
     * a surviving node and subscribes again (reconnect-storm).
     */
    STORM,
    /** No WebSocket connections (trigger). */
    NONE
}
