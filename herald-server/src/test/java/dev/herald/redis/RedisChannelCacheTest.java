package dev.herald.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.cache.ChannelCache;
import dev.herald.cache.ChannelCacheContract;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The cache contract on the real Redis, with Redis's own expiry (so time really passes). */
class RedisChannelCacheTest extends ChannelCacheContract {

    @RegisterExtension final TestRedis redis = new TestRedis();

    @Override
    protected ChannelCache cache() {
        return new RedisChannelCache(redis.connect());
    }

    @Override
    protected void elapse(Duration time) throws InterruptedException {
        Thread.sleep(time.toMillis());
    }

    @Override
    protected long nowMillis() {
        return System.currentTimeMillis();
    }

    @Test
    void sharesTheLastEventWithEveryNode() throws Exception {
        ChannelCache one = cache();
        ChannelCache other = cache();

        one.put("app-id", "cache-news", "update", "1", Duration.ofSeconds(60));

        assertThat(get(one, "app-id", "cache-news")).isNotNull(); // the write has landed
        assertThat(get(other, "app-id", "cache-news").data()).isEqualTo("1");
    }

    @Test
    void leavesRedisAsItFoundItOnceTheEventExpires() throws Exception {
        ChannelCache cache = cache();

        cache.put("app-id", "cache-news", "update", "1", Duration.ofMillis(300));
        assertThat(get(cache, "app-id", "cache-news")).isNotNull();
        elapse(Duration.ofMillis(400));

        assertThat(redis.keys()).isEmpty();
    }
}
