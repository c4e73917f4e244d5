package dev.herald.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ChannelCache} does. Extended by each engine's test: {@code
 * LocalChannelCacheTest} moves its clock, {@code RedisChannelCacheTest} waits for Redis's own
 * expiry, so the times to live here are 2 s or less. Only a check that an event is still there
 * could fail on a stalled machine, and each leaves 800 ms for that.
 */
public abstract class ChannelCacheContract {

    /** A started, empty cache; the subclass closes it after the test. */
    protected abstract ChannelCache cache() throws Exception;

    /** Lets this much time pass for the cache. */
    protected abstract void elapse(Duration time) throws Exception;

    /** The cache's clock now, in epoch milliseconds. */
    protected abstract long nowMillis();

    protected static CachedEvent get(ChannelCache cache, String appId, String channel)
            throws Exception {
        return cache.get(appId, channel).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void answersNothingForAChannelNeverPublishedTo() throws Exception {
        assertThat(get(cache(), "app-id", "cache-news")).isNull();
    }

    @Test
    void keepsTheLastEventWithItsTimeToLive() throws Exception {
        ChannelCache cache = cache();

        cache.put(
                "app-id",
                "cache-news",
                "update",
                "{\"text\":\"héllo \\\"world\\\"\"}",
                Duration.ofSeconds(60));

        CachedEvent cached = get(cache, "app-id", "cache-news");
        assertThat(cached.event()).isEqualTo("update");
        assertThat(cached.data()).isEqualTo("{\"text\":\"héllo \\\"world\\\"\"}");
        assertThat(cached.ttlSeconds(nowMillis())).isBetween(59L, 60L);
    }

    @Test
    void replacesTheEventOnEachPublication() throws Exception {
        ChannelCache cache = cache();

        cache.put("app-id", "cache-news", "first", "1", Duration.ofSeconds(60));
        cache.put("app-id", "cache-news", "second", "2", Duration.ofSeconds(60));

        assertThat(get(cache, "app-id", "cache-news").event()).isEqualTo("second");
    }

    @Test
    void keepsAppsAndChannelsApart() throws Exception {
        ChannelCache cache = cache();

        cache.put("app-one", "cache-news", "one", "1", Duration.ofSeconds(60));
        cache.put("app-two", "cache-sport", "two", "2", Duration.ofSeconds(60));

        assertThat(get(cache, "app-one", "cache-news").event()).isEqualTo("one");
        assertThat(get(cache, "app-two", "cache-sport").event()).isEqualTo("two");
        assertThat(get(cache, "app-two", "cache-news")).isNull();
        assertThat(get(cache, "app-one", "cache-sport")).isNull();
    }

    @Test
    void forgetsAnEventOnceItsTimeToLiveIsOver() throws Exception {
        ChannelCache cache = cache();

        cache.put("app-id", "cache-news", "update", "1", Duration.ofSeconds(1));
        elapse(Duration.ofMillis(1_500));

        assertThat(get(cache, "app-id", "cache-news")).isNull();
    }

    @Test
    void startsANewTimeToLiveOnEachPublication() throws Exception {
        ChannelCache cache = cache();

        cache.put("app-id", "cache-news", "update", "1", Duration.ofSeconds(2));
        elapse(Duration.ofMillis(1_200));
        cache.put("app-id", "cache-news", "update", "2", Duration.ofSeconds(2));
        elapse(Duration.ofMillis(1_200));

        assertThat(get(cache, "app-id", "cache-news").data()).isEqualTo("2");
    }
}
