package dev.herald.apps;

import java.util.Objects;

/**
 * Channels whose recent events are kept for replay (docs/recovery.md).
 *
 * @param channels a channel name prefix; the first of an app's rules that matches decides
 * @param size events kept per channel
 * @param ttlSeconds how long each event is kept
 */
public record HistoryRule(String channels, int size, int ttlSeconds) {

    public static final int MAX_SIZE = 10_000;
    public static final int MAX_TTL_SECONDS = 86_400;
    public static final int MAX_PREFIX_LENGTH = 200;
    public static final int MAX_RULES = 16;
    public static final int DEFAULT_SIZE = 100;
    public static final int DEFAULT_TTL_SECONDS = 300;

    public HistoryRule {
        Objects.requireNonNull(channels, "channels");
        if (channels.length() > MAX_PREFIX_LENGTH) {
            throw new IllegalArgumentException(
                    "history channels prefix is longer than " + MAX_PREFIX_LENGTH + " characters");
        }
        if (size < 1 || size > MAX_SIZE) {
            throw new IllegalArgumentException("history size must be 1 to " + MAX_SIZE);
        }
        if (ttlSeconds < 1 || ttlSeconds > MAX_TTL_SECONDS) {
            throw new IllegalArgumentException(
                    "history ttl_seconds must be 1 to " + MAX_TTL_SECONDS);
        }
    }

    public boolean matches(String channel) {
        return channel.startsWith(channels);
    }
}
