package dev.herald.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's Redis connections, all asynchronous and reconnecting on their own: one for state
 * commands and scripts, one for publishing, and one subscribed to the channels this node has
 * subscribers for. Commands issued while Redis is away fail at once rather than queue without
 * bound; Lettuce re-subscribes the pub/sub connection when Redis returns.
 *
 * <p>The same engines run on one Redis, on a Sentinel-watched master (Lettuce asks the sentinels
 * for the master whenever it reconnects) and on a Redis Cluster: they see only {@link
 * RedisClusterAsyncCommands}, which routes each command by its first key on a cluster. On a cluster
 * the relay channels are shard channels ({@link #sharded()}), kept by {@link RelaySubscriber}.
 *
 * <p>Also owns the one "herald-cluster" thread on which the engines serialise their bookkeeping, so
 * none of it runs on an event loop or on Lettuce's I/O threads.
 */
public final class RedisConnections implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisConnections.class);

    /** A cluster's slots are re-read this often even when no command was redirected. */
    static final Duration TOPOLOGY_REFRESH = Duration.ofSeconds(5);

    private final RedisTarget target;
    private final AbstractRedisClient client;
    private final StatefulConnection<String, String> state;
    private final RedisClusterAsyncCommands<String, String> commands;
    private final RedisClusterCommands<String, String> sync;
    private final StatefulConnection<byte[], byte[]> publisher;
    private final RedisClusterAsyncCommands<byte[], byte[]> publishing;
    private final StatefulRedisPubSubConnection<byte[], byte[]> subscriber;
    private final ExecutorService thread;
    private final RedisKeys keys;

    public RedisConnections(RedisTarget target) {
        this(target, RedisKeys.DEFAULT_NAMESPACE);
    }

    /** Connections to one Redis (tests). */
    RedisConnections(String url, String namespace) {
        this(RedisTarget.url(url), namespace);
    }

    /**
     * Connections whose engines keep their keys and channels under {@code namespace:} (tests use
     * their own).
     */
    RedisConnections(RedisTarget target, String namespace) {
        this.target = target;
        keys = new RedisKeys(namespace);
        List<RedisURI> uris = target.uris();
        uris.forEach(uri -> uri.setTimeout(Duration.ofSeconds(5)));
        client = target.isCluster() ? clusterClient(uris) : singleClient(uris.get(0));
        try {
            if (client instanceof RedisClusterClient cluster) {
                StatefulRedisClusterConnection<String, String> s =
                        cluster.connect(StringCodec.UTF8);
                state = s;
                commands = s.async();
                sync = s.sync();
                StatefulRedisClusterConnection<byte[], byte[]> p =
                        cluster.connect(ByteArrayCodec.INSTANCE);
                publisher = p;
                publishing = p.async();
                connectMasters(s);
                connectMasters(p);
                subscriber = cluster.connectPubSub(ByteArrayCodec.INSTANCE);
            } else {
                RedisClient single = (RedisClient) client;
                StatefulRedisConnection<String, String> s = single.connect(StringCodec.UTF8);
                state = s;
                commands = s.async();
                sync = s.sync();
                StatefulRedisConnection<byte[], byte[]> p = single.connect(ByteArrayCodec.INSTANCE);
                publisher = p;
                publishing = p.async();
                subscriber = single.connectPubSub(ByteArrayCodec.INSTANCE);
            }
        } catch (RuntimeException e) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            throw new IllegalStateException(
                    "cannot connect to "
                            + target.describe()
                            + " (HERALD_REDIS_URL / HERALD_REDIS_CLUSTER_NODES): "
                            + e.getMessage(),
                    e);
        }
        thread =
                Executors.newSingleThreadExecutor(
                        r -> {
                            Thread t = new Thread(r, "herald-cluster");
                            t.setDaemon(true);
                            return t;
                        });
        log.info("Connected to {}", target.describe());
    }

    private static RedisClient singleClient(RedisURI uri) {
        RedisClient single = RedisClient.create(uri);
        single.setOptions(
                ClientOptions.builder()
                        .autoReconnect(true)
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                        .build());
        return single;
    }

    /**
     * A cluster client that re-reads the slots on every redirection, lost connection and unknown
     * node, and every {@link #TOPOLOGY_REFRESH} regardless, so a failover or a moved slot is
     * followed within seconds.
     */
    private static RedisClusterClient clusterClient(List<RedisURI> uris) {
        RedisClusterClient cluster = RedisClusterClient.create(uris);
        cluster.setOptions(
                ClusterClientOptions.builder()
                        .autoReconnect(true)
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                        .topologyRefreshOptions(
                                ClusterTopologyRefreshOptions.builder()
                                        .enablePeriodicRefresh(TOPOLOGY_REFRESH)
                                        .enableAllAdaptiveRefreshTriggers()
                                        .build())
                        .build());
        return cluster;
    }

    /**
     * Connects to every master up front: Lettuce opens a cluster connection's link to a master at
     * the first command routed there, and refuses that command while it connects (commands are
     * rejected while disconnected), so a node's first publication or script would fail.
     */
    private static void connectMasters(StatefulRedisClusterConnection<?, ?> connection) {
        for (RedisClusterNode node : connection.getPartitions()) {
            if (servesSlots(node)) {
                connection.getConnection(node.getUri().getHost(), node.getUri().getPort());
            }
        }
    }

    /**
     * Whether a cluster node is a master now: one that failed over keeps its master flag but no
     * slots, and is no one's master.
     */
    static boolean servesSlots(RedisClusterNode node) {
        return node.is(RedisClusterNode.NodeFlag.UPSTREAM) && !node.getSlots().isEmpty();
    }

    /** State commands and scripts (strings), routed by key on a cluster. */
    public RedisClusterAsyncCommands<String, String> commands() {
        return commands;
    }

    /** The same connection, blocking: only for the heartbeat thread and start-up. */
    public RedisClusterCommands<String, String> sync() {
        return sync;
    }

    /** Publications and the scripts on their path (bytes, never decoded). */
    public RedisClusterAsyncCommands<byte[], byte[]> publishing() {
        return publishing;
    }

    /** The publishing connection itself (tests hold its commands back to make a backlog). */
    StatefulConnection<byte[], byte[]> publisher() {
        return publisher;
    }

    /**
     * The pub/sub connection: on a cluster a {@code StatefulRedisClusterPubSubConnection}, whose
     * shard channels {@link RelaySubscriber} places on the masters.
     */
    public StatefulRedisPubSubConnection<byte[], byte[]> subscriber() {
        return subscriber;
    }

    /**
     * Whether relay channels are shard channels ({@code SPUBLISH}/{@code SSUBSCRIBE}, Redis 7): on
     * a cluster, so a publication reaches only its slot's master instead of every node (unless
     * turned off, for a cluster of Redis 6 or to measure the difference).
     */
    public boolean sharded() {
        return target.isCluster() && target.shardedPubSub();
    }

    /** What these connections reach. */
    public RedisTarget target() {
        return target;
    }

    /** The Lettuce client, for its event bus (topology changes). */
    AbstractRedisClient client() {
        return client;
    }

    /**
     * Every master's {@code run_id} ({@code INFO server}): the one master's on a single Redis or a
     * Sentinel-watched master, every upstream node's that serves slots on a cluster. A new id means
     * a master restarted or was replaced, possibly without the last writes. Blocking: for the
     * heartbeat.
     *
     * @throws RuntimeException when a master does not answer (one failing over, say)
     */
    Set<String> masterRunIds() {
        Set<String> ids = new TreeSet<>();
        if (state instanceof StatefulRedisClusterConnection<String, String> cluster) {
            for (RedisClusterNode node : cluster.getPartitions()) {
                if (servesSlots(node)) {
                    ids.add(runId(cluster.getConnection(node.getNodeId()).sync().info("server")));
                }
            }
        } else {
            ids.add(runId(sync.info("server")));
        }
        return ids;
    }

    private static String runId(String info) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("run_id:")) {
                return line.substring("run_id:".length()).trim();
            }
        }
        throw new IllegalStateException("INFO server has no run_id");
    }

    /** The names of every key and channel the engines use. */
    RedisKeys keys() {
        return keys;
    }

    /** The cluster bookkeeping thread. */
    public ExecutorService thread() {
        return thread;
    }

    /** Whether every connection is up right now. */
    public boolean connected() {
        return state.isOpen() && publisher.isOpen() && subscriber.isOpen();
    }

    @Override
    public void close() {
        thread.shutdownNow();
        subscriber.close();
        publisher.close();
        state.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
