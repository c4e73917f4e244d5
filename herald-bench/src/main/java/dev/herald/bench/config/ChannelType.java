package dev.herald.bench.config;

/** The kind of channel the bench subscribes to; private and presence ones are signed (spec §3.3). */
public enum ChannelType {
    PUBLIC(""),
    PRIVATE("private-"),
    PRESENCE("presence-");

    public final String prefix;

    ChannelType(String prefix) {
        this.prefix = prefix;
    }
}
