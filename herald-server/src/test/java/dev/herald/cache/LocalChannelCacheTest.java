package dev.herald.cache;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;

class LocalChannelCacheTest extends ChannelCacheContract {

    private final AtomicLong clock = new AtomicLong(1_700_000_000_000L);
    private LocalChannelCache cache;

    @AfterEach
    void close() {
        if (cache != null) {
            cache.close();
        }
    }

    @Override
    protected ChannelCache cache() {
        cache = new LocalChannelCache(clock::get).start();
        return cache;
    }

    @Override
    protected void elapse(Duration time) {
        clock.addAndGet(time.toMillis());
    }

    @Override
    protected long nowMillis() {
        return clock.get();
    }
}
