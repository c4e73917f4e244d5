package dev.herald.cache;

/**
 * The last event published to a cache channel (docs/protocol.md §3.7).
 *
 * @param expiresAtMillis wall-clock expiry
 */
public record CachedEvent(String event, String data, long expiresAtMillis) {

    public boolean expired(long nowMillis) {
        return nowMillis >= expiresAtMillis;
    }

    /** Whole seconds left, at least 1 while live. */
    public long ttlSeconds(long nowMillis) {
        return Math.max(1, (expiresAtMillis - nowMillis + 999) / 1000);
    }
}
