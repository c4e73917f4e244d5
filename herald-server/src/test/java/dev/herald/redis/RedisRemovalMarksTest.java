package dev.herald.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.webhooks.RemovalMarks;
import dev.herald.webhooks.SharedRemovalMarksContract;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The removal-marks contract on the real Redis, each node with connections of its own. */
class RedisRemovalMarksTest extends SharedRemovalMarksContract {

    @RegisterExtension final TestRedis redis = new TestRedis();
    private final Map<RemovalMarks, RedisConnections> connections = new IdentityHashMap<>();

    @Override
    protected RemovalMarks node() {
        return nodeWithMarksLasting(Duration.ofSeconds(60));
    }

    @Override
    protected RemovalMarks nodeWithMarksLasting(Duration lifetime) {
        RedisConnections node = redis.connect();
        RemovalMarks marks = new RedisRemovalMarks(node, TestRedis.nodeId(), lifetime);
        connections.put(marks, node);
        return marks;
    }

    /** A mark is sent without waiting; a round trip on the same connection comes back after it. */
    @Override
    protected void landed(RemovalMarks node) {
        connections.get(node).sync().ping();
    }

    @Test
    void outlivesTheDebounceByTenSeconds() {
        RedisConnections node = redis.connect();
        RemovalMarks marks =
                RedisRemovalMarks.forDebounce(node, TestRedis.nodeId(), Duration.ofSeconds(3));

        marks.mark("app-id|news");
        node.sync().ping();

        assertThat(node.sync().pttl(node.keys().removalMark("app-id|news")))
                .isBetween(12_000L, 13_000L);
    }
}
