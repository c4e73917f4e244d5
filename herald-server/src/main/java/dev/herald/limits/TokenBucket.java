package dev.herald.limits;

/**
 * A token bucket holding up to {@code burst} tokens (by default {@code perSecond}), refilled
 * continuously at {@code perSecond} tokens a second. Not thread-safe: owned by one connection's
 * event loop.
 */
public final class TokenBucket {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final int burst;
    private final long nanosPerToken;
    private double tokens;
    private long lastNanos;

    public TokenBucket(int perSecond, long nowNanos) {
        this(perSecond, perSecond, nowNanos);
    }

    /** A bucket that starts full with {@code burst} tokens. */
    public TokenBucket(int perSecond, int burst, long nowNanos) {
        if (perSecond <= 0 || burst <= 0) {
            throw new IllegalArgumentException(
                    "perSecond and burst must be positive, got " + perSecond + " and " + burst);
        }
        this.burst = burst;
        this.nanosPerToken = NANOS_PER_SECOND / perSecond;
        this.tokens = burst;
        this.lastNanos = nowNanos;
    }

    /** Takes one token if there is one. */
    public boolean tryAcquire(long nowNanos) {
        long elapsed = nowNanos - lastNanos;
        if (elapsed > 0) {
            tokens = Math.min(burst, tokens + (double) elapsed / nanosPerToken);
            lastNanos = nowNanos;
        }
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}
