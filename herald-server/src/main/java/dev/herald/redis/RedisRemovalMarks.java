package dev.herald.redis;

import dev.herald.webhooks.RemovalMarks;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/** Webhook removal marks in Redis ({@code herald:gone:KEY} holding the marking node's id). */
public final class RedisRemovalMarks implements RemovalMarks {

    private static final String CONFIRM = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
            return 0
            """;

    private final RedisAsyncCommands<String, String> redis;
    private final String node;
    private final long ttlMillis;

    public RedisRemovalMarks(RedisConnections connections, String node, Duration debounce) {
        this.redis = connections.state().async();
        this.node = node;
        this.ttlMillis = debounce.toMillis() + 10_000;
    }

    private static String key(String key) {
        return "herald:gone:" + key;
    }

    @Override
    public void mark(String key) {
        redis.set(key(key), node, SetArgs.Builder.px(ttlMillis));
    }

    @Override
    public CompletionStage<Boolean> clear(String key) {
        return redis.del(key(key)).thenApply(n -> n > 0);
    }

    @Override
    public CompletionStage<Boolean> confirm(String key) {
        return redis.<Long>eval(CONFIRM, ScriptOutputType.INTEGER, new String[] {key(key)}, node)
                .thenApply(n -> n == 1L);
    }
}
