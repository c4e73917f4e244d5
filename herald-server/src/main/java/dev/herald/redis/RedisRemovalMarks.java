package dev.herald.redis;

import dev.herald.webhooks.RemovalMarks;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/** Webhook removal marks in Redis ({@code herald:gone:MARK} holding the marking node's id). */
public final class RedisRemovalMarks implements RemovalMarks {

    private final RedisClusterAsyncCommands<String, String> redis;
    private final RedisKeys keys;
    private final String node;
    private final long ttlMillis;

    /**
     * @param lifetime how long a mark stays when its node never confirms it (the node died): longer
     *     than the debounce, so a live node's mark is always there to confirm
     */
    public RedisRemovalMarks(RedisConnections connections, String node, Duration lifetime) {
        this.redis = connections.commands();
        this.keys = connections.keys();
        this.node = node;
        this.ttlMillis = lifetime.toMillis();
    }

    /** Marks that outlive the debounce by 10 s, the margin a busy node needs to confirm its own. */
    public static RedisRemovalMarks forDebounce(
            RedisConnections connections, String node, Duration debounce) {
        return new RedisRemovalMarks(connections, node, debounce.plusSeconds(10));
    }

    @Override
    public void mark(String key) {
        redis.set(keys.removalMark(key), node, SetArgs.Builder.px(ttlMillis));
    }

    @Override
    public CompletionStage<Boolean> clear(String key) {
        return redis.del(keys.removalMark(key)).thenApply(n -> n > 0);
    }

    @Override
    public CompletionStage<Boolean> confirm(String key) {
        return redis.<Long>eval(
                        Scripts.CONFIRM_MARK,
                        ScriptOutputType.INTEGER,
                        new String[] {keys.removalMark(key)},
                        node)
                .thenApply(n -> n == 1L);
    }
}
