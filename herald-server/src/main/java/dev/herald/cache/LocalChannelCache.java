package dev.herald.cache;

import dev.herald.internal.GuardedExecutor;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * This node's cache-channel events, dropped when they expire: lazily on read, and by a sweep once a
 * minute so channels nobody reads again do not hold memory.
 */
public final class LocalChannelCache implements ChannelCache {

    private final ConcurrentHashMap<Key, CachedEvent> events = new ConcurrentHashMap<>();
    private final LongSupplier clock;
    private ScheduledExecutorService sweeper;

    private record Key(String appId, String channel) {}

    public LocalChannelCache(LongSupplier clockMillis) {
        this.clock = clockMillis;
    }

    public LocalChannelCache start() {
        sweeper = GuardedExecutor.singleThread("herald-cache-sweeper");
        sweeper.scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.MINUTES);
        return this;
    }

    @Override
    public void put(String appId, String channel, String event, String data, Duration ttl) {
        events.put(
                new Key(appId, channel),
                new CachedEvent(event, data, clock.getAsLong() + ttl.toMillis()));
    }

    @Override
    public CompletionStage<CachedEvent> get(String appId, String channel) {
        Key key = new Key(appId, channel);
        CachedEvent cached = events.get(key);
        if (cached != null && cached.expired(clock.getAsLong())) {
            events.remove(key, cached);
            cached = null;
        }
        return CompletableFuture.completedFuture(cached);
    }

    void sweep() {
        long now = clock.getAsLong();
        events.values().removeIf(e -> e.expired(now));
    }

    @Override
    public void close() {
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
    }
}
