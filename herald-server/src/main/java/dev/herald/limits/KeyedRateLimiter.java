package dev.herald.limits;

import java.util.concurrent.ConcurrentHashMap;

/**
 * One token bucket per key (an app id, an IP address), shared by every event loop. Buckets are
 * created on first use and swept when they have been idle for a while, so a flood of distinct keys
 * cannot grow the map without bound.
 */
public final class KeyedRateLimiter {

    private static final long IDLE_NANOS = 60_000_000_000L;
    private static final int SWEEP_EVERY = 4096;

    private final ConcurrentHashMap<Object, Entry> buckets = new ConcurrentHashMap<>();
    private int calls;

    private static final class Entry {
        final TokenBucket bucket;
        long lastUsed;

        Entry(TokenBucket bucket, long now) {
            this.bucket = bucket;
            this.lastUsed = now;
        }
    }

    /**
     * Takes a token for the key from a bucket of {@code perSecond}; {@code perSecond <= 0} means no
     * limit.
     */
    public boolean tryAcquire(Object key, int perSecond) {
        if (perSecond <= 0) {
            return true;
        }
        long now = System.nanoTime();
        Entry entry =
                buckets.computeIfAbsent(key, k -> new Entry(new TokenBucket(perSecond, now), now));
        boolean granted;
        synchronized (entry) {
            entry.lastUsed = now;
            granted = entry.bucket.tryAcquire(now);
        }
        if ((++calls & (SWEEP_EVERY - 1)) == 0) {
            buckets.values().removeIf(e -> now - e.lastUsed > IDLE_NANOS);
        }
        return granted;
    }
}
