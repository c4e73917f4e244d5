package dev.herald.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The Redis that the nodes of a cluster test share, chosen for the whole run by the system property
 * {@value #PROPERTY}, so that one test class runs against one Redis or against a Redis Cluster
 * unchanged:
 *
 * <ul>
 *   <li>{@code single} (the default): {@link #shared} is the Redis on 127.0.0.1:6379, {@link #own}
 *       a redis-server of the test's own on a free port; the nodes get {@code HERALD_REDIS_URL};
 *   <li>{@code cluster}: both are a Redis Cluster of the test's own ({@link RedisClusterProcesses},
 *       3 masters with a replica each); the nodes get {@code HERALD_REDIS_CLUSTER_NODES} with every
 *       one of its nodes.
 * </ul>
 *
 * <p>Test classes that take their Redis from here carry {@code @Tag(ClusterRedis.MATRIX)}: the
 * {@code redis-cluster} Maven profile runs them again with {@code cluster} (docs/testing.md). Start
 * one per test class and close it after the nodes.
 */
public final class ClusterRedis implements AutoCloseable {

    /** The system property that chooses the Redis: {@code single} or {@code cluster}. */
    public static final String PROPERTY = "herald.it.redis";

    /** The tag of the test classes that run against either Redis. */
    public static final String MATRIX = "redis-matrix";

    /** What a run's cluster tests share. */
    public enum Kind {
        SINGLE,
        CLUSTER
    }

    private final Kind kind;
    private final String url;
    private final RedisProcess own;
    private final RedisClusterProcesses cluster;

    private ClusterRedis(Kind kind, String url, RedisProcess own, RedisClusterProcesses cluster) {
        this.kind = kind;
        this.url = url;
        this.own = own;
        this.cluster = cluster;
    }

    /**
     * The kind {@value #PROPERTY} names ({@code single} when unset or blank); any other value
     * fails, so that a typo never runs the single-Redis tests under a cluster run's name.
     */
    public static Kind chosen() {
        String value = System.getProperty(PROPERTY, "").trim();
        if (value.isEmpty()) {
            return Kind.SINGLE;
        }
        switch (value.toLowerCase(Locale.ROOT)) {
            case "single":
                return Kind.SINGLE;
            case "cluster":
                return Kind.CLUSTER;
            default:
                throw new IllegalArgumentException(
                        "-D" + PROPERTY + " must be single or cluster, not '" + value + "'");
        }
    }

    /**
     * For a test whose app is its own but whose Redis may be shared: the Redis on 127.0.0.1:6379
     * (nothing started), or a cluster of its own named {@code name}.
     */
    public static ClusterRedis shared(String name) {
        return chosen() == Kind.SINGLE
                ? new ClusterRedis(Kind.SINGLE, HeraldProcess.REDIS, null, null)
                : startCluster(name);
    }

    /**
     * For a test that stops its Redis or must not meet other tests' nodes (any live node may reap a
     * dead one): a redis-server of its own on a free port, without persistence, or a cluster of its
     * own named {@code name}.
     */
    public static ClusterRedis own(String name) {
        if (chosen() == Kind.CLUSTER) {
            return startCluster(name);
        }
        int port = ServerJar.freePort();
        Path dir;
        try {
            Path target = HeraldProcess.targetDirectory();
            Files.createDirectories(target);
            dir = Files.createTempDirectory(target, "redis-" + name + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RedisProcess redis =
                new RedisProcess(
                        port,
                        dir,
                        List.of(
                                "--port",
                                Integer.toString(port),
                                "--bind",
                                RedisProcess.HOST,
                                "--daemonize",
                                "no",
                                "--dir",
                                dir.toString(),
                                "--save",
                                "",
                                "--appendonly",
                                "no"));
        try {
            redis.start();
        } catch (RuntimeException | Error e) {
            redis.close();
            throw e;
        }
        return new ClusterRedis(
                Kind.SINGLE, "redis://" + RedisProcess.HOST + ":" + port, redis, null);
    }

    /**
     * A Redis Cluster of the test's own named {@code name}, whatever {@value #PROPERTY} says: for
     * the tests whose subject is the cluster itself (a failover, a slot's migration).
     */
    public static ClusterRedis cluster(String name) {
        return startCluster(name);
    }

    private static ClusterRedis startCluster(String name) {
        long started = System.nanoTime();
        RedisClusterProcesses cluster = RedisClusterProcesses.start(name);
        System.out.printf(
                "%s: Redis Cluster of 3 masters and 3 replicas up in %d ms (%s)%n",
                name, (System.nanoTime() - started) / 1_000_000, cluster.nodesSetting());
        return new ClusterRedis(Kind.CLUSTER, null, null, cluster);
    }

    /**
     * The hash tag of a channel's keys and relay channel, {@code {APP|CHANNEL}} (the key layout in
     * {@code dev.herald.redis.RedisKeys}): its slot is the channel's slot.
     */
    public static String channelTag(TestApp app, String channel) {
        return "{" + app.id() + "|" + channel + "}";
    }

    /** The pub/sub channel a channel's publications cross the nodes on (a shard channel). */
    public static String relayChannel(TestApp app, String channel) {
        return "herald:ch:" + channelTag(app, channel);
    }

    /** The hash of the nodes holding subscriptions to the channel: present while it is occupied. */
    public static String occupancyKey(TestApp app, String channel) {
        return "herald:" + channelTag(app, channel) + ":o";
    }

    /** The sorted set of node leases, one key for the whole cluster. */
    public static final String NODES_KEY = "herald:{g}:nodes";

    /** The hash slot of a channel's keys and relay channel. */
    public static int channelSlot(TestApp app, String channel) {
        return RedisClusterProcesses.slot(channelTag(app, channel));
    }

    public Kind kind() {
        return kind;
    }

    public boolean isCluster() {
        return kind == Kind.CLUSTER;
    }

    /**
     * The options of a cluster node of {@code app} on this Redis (see {@link
     * HeraldProcess#clusterNode}).
     */
    public HeraldProcess.Builder node(TestApp app) {
        return isCluster()
                ? HeraldProcess.clusterNode(app, null)
                        .env("HERALD_REDIS_CLUSTER_NODES", cluster.nodesSetting())
                : HeraldProcess.clusterNode(app, url);
    }

    /** The Redis Cluster; fails for a single Redis. */
    public RedisClusterProcesses cluster() {
        if (cluster == null) {
            throw new IllegalStateException("not a Redis Cluster: " + this);
        }
        return cluster;
    }

    /**
     * Ends every Redis process of this test with SIGKILL: its own redis-server, or every node of
     * its cluster. Nothing is persisted, so every key is gone. Refused for the shared Redis on
     * 6379, which other tests use.
     */
    public void kill() {
        if (isCluster()) {
            cluster.killAll();
        } else {
            ownRedis().kill();
        }
    }

    /**
     * Starts what {@link #kill()} ended again, empty, on the same ports, and waits until it answers
     * (a cluster: until it is whole, every slot served by the same masters as before).
     */
    public void restart() {
        if (isCluster()) {
            cluster.restartAll();
        } else {
            ownRedis().start();
        }
    }

    /**
     * One command about {@code key} on the Redis node that holds it, over a fresh socket, for a
     * test's checks: the reply as a String, Long, List or null. Refused for the shared Redis on
     * 6379, whose contents are every test's.
     */
    public Object call(String key, String... command) {
        if (command.length == 0) {
            throw new IllegalArgumentException("no command");
        }
        return isCluster()
                ? cluster.call(cluster.masterForSlot(RedisClusterProcesses.slot(key)), command)
                : ownRedis().call(command);
    }

    private RedisProcess ownRedis() {
        if (own == null) {
            throw new IllegalStateException(
                    "the shared Redis on 127.0.0.1:6379 is not this test's; use own()");
        }
        return own;
    }

    @Override
    public void close() {
        if (cluster != null) {
            cluster.close();
        }
        if (own != null) {
            own.close();
        }
    }

    @Override
    public String toString() {
        return isCluster() ? "Redis Cluster " + cluster.nodesSetting() : "Redis " + url;
    }
}
