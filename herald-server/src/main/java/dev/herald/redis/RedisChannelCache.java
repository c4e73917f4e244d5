package dev.herald.redis;

import com.fasterxml.jackson.databind.JsonNode;
import dev.herald.cache.CachedEvent;
import dev.herald.cache.ChannelCache;
import dev.herald.protocol.Json;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cache channels' last events in Redis, shared by every node, expiring with Redis's own TTL. The
 * value carries its expiry, so a read needs one round trip.
 */
public final class RedisChannelCache implements ChannelCache {

    private static final Logger log = LoggerFactory.getLogger(RedisChannelCache.class);

    private final RedisClusterAsyncCommands<String, String> redis;
    private final RedisKeys keys;

    public RedisChannelCache(RedisConnections connections) {
        this.redis = connections.commands();
        this.keys = connections.keys();
    }

    @Override
    public void put(String appId, String channel, String event, String data, Duration ttl) {
        long expires = System.currentTimeMillis() + ttl.toMillis();
        String value =
                Json.MAPPER
                        .createObjectNode()
                        .put("event", event)
                        .put("data", data)
                        .put("expires", expires)
                        .toString();
        redis.set(keys.cache(appId, channel), value, SetArgs.Builder.px(ttl.toMillis()))
                .exceptionally(
                        e -> {
                            log.warn("cache write for {} failed: {}", channel, e.toString());
                            return null;
                        });
    }

    @Override
    public CompletionStage<CachedEvent> get(String appId, String channel) {
        return redis.get(keys.cache(appId, channel))
                .thenApply(
                        value -> {
                            if (value == null) {
                                return null;
                            }
                            try {
                                JsonNode node = Json.MAPPER.readTree(value);
                                CachedEvent cached =
                                        new CachedEvent(
                                                node.get("event").asText(),
                                                node.get("data").asText(),
                                                node.get("expires").asLong());
                                return cached.expired(System.currentTimeMillis()) ? null : cached;
                            } catch (IOException | RuntimeException e) {
                                log.warn(
                                        "unreadable cache entry for {}: {}", channel, e.toString());
                                return null;
                            }
                        });
    }

    @Override
    public void close() {
        // connections belong to RedisConnections
    }
}
