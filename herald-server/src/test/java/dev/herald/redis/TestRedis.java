package dev.herald.redis;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The real Redis on 127.0.0.1:6379 for one test: the engines' keys and channels live under a
 * namespace of the test's own, so parallel runs, the cluster ITs and other tests never meet them,
 * and the keys are deleted afterwards. Skips the test when Redis is not there (CI always starts
 * it).
 */
final class TestRedis implements BeforeEachCallback, AfterEachCallback {

    static final String HOST = "127.0.0.1";
    static final int PORT = 6379;
    private static final AtomicLong NODE_IDS = new AtomicLong(System.nanoTime() % 1_000_000_000L);

    final String namespace = "herald-test-" + UUID.randomUUID();
    private final List<RedisConnections> opened = new ArrayList<>();

    /**
     * Skips the test, saying why, unless Redis answers on 127.0.0.1:6379. Registered per test
     * ({@code @RegisterExtension} on an instance field), so each test has a namespace of its own.
     */
    @Override
    public void beforeEach(ExtensionContext context) {
        boolean reachable;
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, PORT), 500);
            reachable = true;
        } catch (IOException e) {
            reachable = false;
        }
        assumeTrue(
                reachable,
                "Redis is not reachable on "
                        + HOST
                        + ":"
                        + PORT
                        + ": the Redis engine's contract tests are skipped (start redis-server to run them)");
    }

    /** One node's connections, under this test's namespace. */
    RedisConnections connect() {
        RedisConnections connections =
                new RedisConnections("redis://" + HOST + ":" + PORT, namespace);
        opened.add(connections);
        return connections;
    }

    /** A node id no other node of any run uses: digits, like the node part of socket ids. */
    static String nodeId() {
        return Long.toString(NODE_IDS.incrementAndGet());
    }

    /** Every key under this test's namespace. */
    List<String> keys() {
        try (RedisConnections own =
                new RedisConnections("redis://" + HOST + ":" + PORT, namespace)) {
            return keys(own.sync());
        }
    }

    private List<String> keys(RedisClusterCommands<String, String> redis) {
        List<String> keys = new ArrayList<>();
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            KeyScanCursor<String> page =
                    redis.scan(cursor, ScanArgs.Builder.matches(namespace + ":*").limit(1000));
            keys.addAll(page.getKeys());
            cursor = page;
        } while (!cursor.isFinished());
        return keys;
    }

    /**
     * Deletes the test's keys and closes its connections; the keys through a connection of its own,
     * since a test may have closed its nodes' connections (a crash).
     */
    @Override
    public void afterEach(ExtensionContext context) {
        if (opened.isEmpty()) {
            return; // skipped, or nothing connected
        }
        try (RedisConnections own =
                new RedisConnections("redis://" + HOST + ":" + PORT, namespace)) {
            List<String> keys = keys(own.sync());
            if (!keys.isEmpty()) {
                own.sync().del(keys.toArray(new String[0]));
            }
        } finally {
            opened.forEach(RedisConnections::close);
        }
    }
}
