package dev.herald.bench.config;

/** How reconnect-storm makes its node go away. */
public enum StormKind {
    /**
     * SIGTERM: Herald drains, telling every client to reconnect (close code 4200) over its shutdown
     * grace, then exits.
     */
    DRAIN,
    /** SIGKILL: the node's sockets close at once, without a close frame. */
    KILL
}
