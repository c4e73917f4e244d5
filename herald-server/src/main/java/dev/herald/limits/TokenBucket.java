package dev.herald.limits;

/**
 * A token bucket holding up to {@code perSecond} tokens, refilled continuously at
 * {@code perSecond} tokens a second. Not thread-safe: owned by one connection's event loop.
 */
public final class TokenBucket {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final int perSecond;
    private final long nanosPerToken;
    private double tokens;
    private long lastNanos;

    public TokenBucket(int perSecond, long nowNanos) {
        if (perSecond <= 0) {
            throw new IllegalArgumentException("perSecond must be positive, got " + perSecond);
        }
        this.perSecond = perSecond;
        this.nanosPerToken = NANOS_PER_SECOND / perSecond;
        this.tokens = perSecond;
        this.lastNanos = nowNanos;
    }

    /** Takes one token if there is one. */
    public boolean tryAcquire(long nowNanos) {
        long elapsed = nowNanos - lastNanos;
        if (elapsed > 0) {
            tokens = Math.min(perSecond, tokens + (double) elapsed / nanosPerToken);
            lastNanos = nowNanos;
        }
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}
