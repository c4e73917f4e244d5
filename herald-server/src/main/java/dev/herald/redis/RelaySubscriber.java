package dev.herald.redis;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.event.ClusterTopologyChangedEvent;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.RedisClusterPubSubAdapter;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.pubsub.RedisPubSubListener;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

/**
 * The relay channels this node wants, kept subscribed: {@link RedisBroker} says which, on the
 * cluster thread, and hears their messages through the listener it gives {@link #start}. Every
 * method runs on the cluster thread ({@link RedisConnections#thread}), as does all bookkeeping
 * here.
 *
 * <p><b>One Redis</b> (or a Sentinel-watched master): classic channels on the pub/sub connection,
 * which Lettuce subscribes again whenever it reconnects.
 *
 * <p><b>A Redis Cluster</b>: shard channels. A publication ({@code SPUBLISH}) reaches only the
 * master owning the channel's slot and that master's replicas, where a classic one reaches every
 * node of the cluster; so each {@code SSUBSCRIBE} goes to the master owning the channel's slot,
 * over Lettuce's connection to that master by node id, and only messages from the master a channel
 * is placed on are delivered: a subscription left behind elsewhere never delivers an event twice.
 * The placements are kept here rather than left to Lettuce, which re-subscribes a connection's
 * shard channels in one command (refused by Redis when they span slots) and never moves them to
 * another master:
 *
 * <ul>
 *   <li>Redis ends the shard subscriptions of a slot that leaves a master (migrated, or the master
 *       turned replica) with a {@code sunsubscribe}: a channel still wanted is placed again once
 *       the topology has been read again;
 *   <li>on every topology change Lettuce reports, a channel whose slot has another master now moves
 *       there (unsubscribed from the former one, if it still answers);
 *   <li>when a connection to a master comes back, its channels are subscribed again one by one;
 *   <li>a subscription that fails is tried again, all failed ones together, after 50 ms, doubling
 *       to every 2 s while they keep failing, for as long as the channel is wanted (on one Redis
 *       too);
 *   <li>a shard subscription confirmed by a node the channel is not placed on (Lettuce
 *       re-subscribing its connection to a former master) is undone.
 * </ul>
 *
 * So each wanted channel has at most one subscription that delivers, and an unwanted one none.
 */
final class RelaySubscriber implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RelaySubscriber.class);

    /** The first wait before failed subscriptions are tried again. */
    static final Duration FIRST_RETRY = Duration.ofMillis(50);

    /** The longest wait between tries, reached by doubling while they keep failing. */
    static final Duration LAST_RETRY = Duration.ofSeconds(2);

    /** A wanted channel; cluster thread only. */
    private static final class Wanted {
        final String channel;
        final byte[] name;
        final int slot;

        /** Completes at the first answer from Redis, success or not. */
        final CompletableFuture<Void> confirmed = new CompletableFuture<>();

        /** On a cluster: the node id of the master the last {@code SSUBSCRIBE} went to. */
        String node;

        /** Counts the subscriptions sent: the answer to an older one is no longer news. */
        int attempt;

        Wanted(String channel) {
            this.channel = channel;
            this.name = channel.getBytes(StandardCharsets.UTF_8);
            this.slot = SlotHash.getSlot(name);
        }
    }

    private final RedisConnections redis;
    private final boolean sharded;
    private final StatefulRedisPubSubConnection<byte[], byte[]> subscriber;

    /** The wanted channels, by name; cluster thread only. */
    private final Map<String, Wanted> wanted = new HashMap<>();

    /**
     * On a cluster, the node id each wanted channel is placed on: read on Lettuce's I/O threads,
     * where a shard message from any other node is dropped.
     */
    private final Map<String, String> placed = new ConcurrentHashMap<>();

    /**
     * The connections to masters subscribed through, with their node ids (connections are equal
     * only to themselves).
     */
    private final Map<Object, String> nodeConnections = new ConcurrentHashMap<>();

    /** Subscriptions that failed, waiting for the next try; cluster thread. */
    private final Set<Wanted> failing = new LinkedHashSet<>();

    private Duration retryDelay = FIRST_RETRY;
    private boolean retryScheduled;

    /** What waits for the topology refresh in flight; {@code null} when none is. Cluster thread. */
    private List<Runnable> afterRefresh;

    private RedisPubSubListener<byte[], byte[]> receiver;
    private ClusterReceiver clusterReceiver;
    private Disposable topologyChanges;
    private RedisConnectionStateListener reconnections;
    private volatile boolean closed;

    RelaySubscriber(RedisConnections redis) {
        this.redis = redis;
        this.sharded = redis.sharded();
        this.subscriber = redis.subscriber();
    }

    /**
     * Starts delivering the pub/sub connection's messages to {@code receiver}, on Lettuce's I/O
     * threads: classic ones as they come (this node's other channels among them), and on a cluster
     * the shard messages of the wanted channels, each from the master its channel is placed on.
     */
    void start(RedisPubSubListener<byte[], byte[]> receiver) {
        this.receiver = receiver;
        if (!sharded) {
            subscriber.addListener(receiver);
            return;
        }
        clusterReceiver = new ClusterReceiver();
        cluster().addListener(clusterReceiver);
        topologyChanges =
                redis.client()
                        .getResources()
                        .eventBus()
                        .get()
                        .filter(ClusterTopologyChangedEvent.class::isInstance)
                        .subscribe(
                                event -> later(this::followTopology),
                                error -> log.debug("topology events ended: {}", error.toString()));
        reconnections =
                new RedisConnectionStateListener() {
                    @Override
                    public void onRedisConnected(
                            RedisChannelHandler<?, ?> connection, SocketAddress address) {
                        later(() -> reconnected(connection));
                    }
                };
        redis.client().addListener(reconnections);
    }

    /**
     * Wants {@code channel} subscribed.
     *
     * @return completes when Redis first answered the subscription, confirming it or not (local
     *     subscribers are not held back while Redis is away); at once if it was answered already
     */
    CompletableFuture<Void> subscribe(String channel) {
        Wanted w = wanted.get(channel);
        if (w != null) {
            return w.confirmed;
        }
        w = new Wanted(channel);
        wanted.put(channel, w);
        if (sharded) {
            place(w);
        } else {
            subscribeClassic(w);
        }
        return w.confirmed;
    }

    /** Wants {@code channel} no longer. */
    void unsubscribe(String channel) {
        Wanted w = wanted.remove(channel);
        if (w == null) {
            return;
        }
        failing.remove(w);
        if (!sharded) {
            try {
                subscriber
                        .async()
                        .unsubscribe(w.name)
                        .exceptionally(
                                e -> {
                                    log.debug("could not unsubscribe: {}", e.toString());
                                    return null;
                                });
            } catch (RuntimeException e) {
                log.debug("could not unsubscribe: {}", e.toString()); // the connections are closed
            }
            return;
        }
        placed.remove(channel);
        if (w.node != null) {
            leave(w.node, w.name);
        }
    }

    /** The channels wanted now (tests). */
    Set<String> wanted() {
        return Set.copyOf(wanted.keySet());
    }

    /** On a cluster, the node id of the master {@code channel} is placed on (tests). */
    String placement(String channel) {
        return placed.get(channel);
    }

    // -- one Redis

    private void subscribeClassic(Wanted w) {
        int attempt = ++w.attempt;
        RedisFuture<Void> sent;
        try {
            sent = subscriber.async().subscribe(w.name);
        } catch (RuntimeException e) {
            answered(w, attempt, e);
            return;
        }
        sent.whenComplete((v, error) -> later(() -> answered(w, attempt, error)));
    }

    // -- a cluster: placements

    /** Subscribes {@code w} on the master owning its slot now, leaving the one it was on. */
    private void place(Wanted w) {
        int attempt = ++w.attempt;
        RedisClusterNode master = cluster().getPartitions().getMasterBySlot(w.slot);
        if (master == null) {
            answered(w, attempt, new IllegalStateException("no master serves slot " + w.slot));
            return;
        }
        String node = master.getNodeId();
        if (w.node != null && !w.node.equals(node)) {
            leave(w.node, w.name);
        }
        w.node = node;
        placed.put(w.channel, node);
        connection(node)
                .thenCompose(connection -> connection.async().ssubscribe(w.name))
                .whenComplete((v, error) -> later(() -> answered(w, attempt, error)));
    }

    /** Ends a shard subscription on {@code node}, if its connection is there to end it on. */
    private void leave(String node, byte[] name) {
        connection(node)
                .thenCompose(connection -> connection.async().sunsubscribe(name))
                .whenComplete(
                        (v, error) -> {
                            if (error != null) {
                                // a connection that comes back re-subscribes it: undone then, and
                                // never delivered meanwhile (see ClusterReceiver)
                                log.debug(
                                        "could not unsubscribe on {}: {}", node, error.toString());
                            }
                        });
    }

    /**
     * Lettuce's pub/sub connection to the master {@code node}, remembered for its reconnections.
     */
    private CompletableFuture<StatefulRedisPubSubConnection<byte[], byte[]>> connection(
            String node) {
        CompletableFuture<StatefulRedisPubSubConnection<byte[], byte[]>> connecting;
        try {
            connecting = cluster().getConnectionAsync(node);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e); // a node the topology no longer has
        }
        return connecting.thenApply(
                connection -> {
                    nodeConnections.putIfAbsent(connection, node);
                    return connection;
                });
    }

    /** Every wanted channel whose slot has another master now moves to it. */
    private void followTopology() {
        if (closed) {
            return;
        }
        Set<String> nodes = new LinkedHashSet<>();
        for (RedisClusterNode node : cluster().getPartitions()) {
            nodes.add(node.getNodeId());
        }
        nodeConnections.values().retainAll(nodes);
        for (Wanted w : List.copyOf(wanted.values())) {
            RedisClusterNode master = cluster().getPartitions().getMasterBySlot(w.slot);
            if (master != null && !master.getNodeId().equals(w.node)) {
                log.debug("relay channel {} moves to {}", w.channel, master.getNodeId());
                place(w);
            }
        }
    }

    /** A connection came back: if it is one to a master, its channels are subscribed again. */
    private void reconnected(Object connection) {
        String node = nodeConnections.get(connection);
        if (closed || node == null) {
            return; // another connection, or one that has not served a subscription yet
        }
        for (Wanted w : List.copyOf(wanted.values())) {
            if (node.equals(w.node)) {
                place(w);
            }
        }
    }

    /** {@code node} ended a shard subscription: redone where the slot is now, if still wanted. */
    private void ended(String node, String channel) {
        Wanted w = wanted.get(channel);
        if (closed || w == null || !node.equals(w.node)) {
            return; // not wanted, or one this node ended itself when the channel moved
        }
        int attempt = w.attempt;
        log.debug("{} ended the subscription of relay channel {}", node, channel);
        refreshThen(
                () -> {
                    if (wanted.get(channel) == w && w.attempt == attempt) {
                        place(w);
                    }
                });
    }

    /** {@code node} confirmed a shard subscription: undone unless the channel is placed there. */
    private void confirmedBy(String node, String channel) {
        Wanted w = wanted.get(channel);
        if (closed || (w != null && node.equals(w.node))) {
            return;
        }
        log.debug("undoing a stray subscription of {} on {}", channel, node);
        leave(node, channel.getBytes(StandardCharsets.UTF_8));
    }

    /** Reads the cluster's topology again, then runs {@code next}; one refresh at a time. */
    private void refreshThen(Runnable next) {
        if (afterRefresh != null) {
            afterRefresh.add(next);
            return;
        }
        afterRefresh = new ArrayList<>();
        afterRefresh.add(next);
        CompletionStage<Void> refresh;
        try {
            refresh = ((RedisClusterClient) redis.client()).refreshPartitionsAsync();
        } catch (RuntimeException e) {
            refresh = CompletableFuture.failedFuture(e);
        }
        refresh.whenComplete(
                (v, error) ->
                        later(
                                () -> {
                                    if (error != null) {
                                        log.debug(
                                                "could not read the cluster topology: {}",
                                                error.toString());
                                    }
                                    List<Runnable> waiting = afterRefresh;
                                    afterRefresh = null;
                                    if (!closed) {
                                        waiting.forEach(Runnable::run);
                                    }
                                }));
    }

    // -- answers and retries

    private void answered(Wanted w, int attempt, Throwable error) {
        boolean current = wanted.get(w.channel) == w && w.attempt == attempt;
        if (!current) {
            if (wanted.get(w.channel) != w) {
                w.confirmed.complete(null); // unwanted since: whoever waits hears no more
            }
            return; // a later subscription of the channel answers for it
        }
        w.confirmed.complete(null);
        if (error == null) {
            failing.remove(w);
            if (failing.isEmpty()) {
                retryDelay = FIRST_RETRY;
            }
            return;
        }
        log.debug("subscribing to relay channel {} failed (tried again): {}", w.channel, error);
        failing.add(w);
        if (!retryScheduled && !closed) {
            retryScheduled = true;
            Duration delay = retryDelay;
            retryDelay = min(retryDelay.multipliedBy(2), LAST_RETRY);
            try {
                CompletableFuture.delayedExecutor(
                                delay.toMillis(), TimeUnit.MILLISECONDS, redis.thread())
                        .execute(this::retry);
            } catch (RejectedExecutionException e) {
                // the connections are closed
            }
        }
    }

    /** Tries every failed subscription again; on a cluster after reading the topology again. */
    private void retry() {
        retryScheduled = false;
        List<Wanted> again = new ArrayList<>(failing);
        failing.clear();
        if (closed || again.isEmpty()) {
            return;
        }
        if (!sharded) {
            again.forEach(this::subscribeClassic);
            return;
        }
        refreshThen(
                () -> {
                    for (Wanted w : again) {
                        if (wanted.get(w.channel) == w) {
                            place(w);
                        }
                    }
                });
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    // -- threads

    /** Runs {@code task} on the cluster thread, unless the connections are closed. */
    private void later(Runnable task) {
        try {
            redis.thread()
                    .execute(
                            () -> {
                                try {
                                    task.run();
                                } catch (RuntimeException e) {
                                    log.warn("relay subscription bookkeeping failed", e);
                                }
                            });
        } catch (RejectedExecutionException e) {
            // the connections are closed: nothing to keep subscribed
        }
    }

    @SuppressWarnings("unchecked")
    private StatefulRedisClusterPubSubConnection<byte[], byte[]> cluster() {
        return (StatefulRedisClusterPubSubConnection<byte[], byte[]>) subscriber;
    }

    /**
     * Stops following the topology and delivering; the subscriptions end with the connections,
     * which belong to {@link RedisConnections}.
     */
    @Override
    public void close() {
        closed = true;
        if (receiver == null) {
            return;
        }
        if (!sharded) {
            subscriber.removeListener(receiver);
            return;
        }
        cluster().removeListener(clusterReceiver);
        topologyChanges.dispose();
        redis.client().removeListener(reconnections);
    }

    /** A cluster's messages and subscription notices, from every node, on Lettuce's I/O threads. */
    private final class ClusterReceiver extends RedisClusterPubSubAdapter<byte[], byte[]> {

        @Override
        public void message(RedisClusterNode node, byte[] channel, byte[] message) {
            receiver.message(channel, message); // classic: the node commands, among others
        }

        @Override
        public void smessage(RedisClusterNode node, byte[] channel, byte[] message) {
            if (node != null
                    && node.getNodeId()
                            .equals(placed.get(new String(channel, StandardCharsets.UTF_8)))) {
                receiver.smessage(channel, message);
            }
        }

        @Override
        public void ssubscribed(RedisClusterNode node, byte[] channel, long count) {
            if (node != null) {
                String id = node.getNodeId();
                String name = new String(channel, StandardCharsets.UTF_8);
                later(() -> confirmedBy(id, name));
            }
        }

        @Override
        public void sunsubscribed(RedisClusterNode node, byte[] channel, long count) {
            if (node != null) {
                String id = node.getNodeId();
                String name = new String(channel, StandardCharsets.UTF_8);
                later(() -> ended(id, name));
            }
        }
    }
}
