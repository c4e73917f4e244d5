package dev.herald.bench.config;

/**
 * The kind of channel the bench subscribes to; private and presence ones are signed
 * (docs/protocol.md §3.3).
 */
public enum ChannelType {
    PUBLIC(""),
    PRIVATE("private-"),
    PRESENCE("presence-"),
    /**
     * Churn: channel {@code i} is public, private or presence by {@code i mod 3}, so a connection
     * with three consecutive channels holds one of each (see {@link ChannelPlan#typeOf}).
     */
    MIXED("");

    public final String prefix;

    ChannelType(String prefix) {
        this.prefix = prefix;
    }
}
