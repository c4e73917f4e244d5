package dev.herald.redis;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisCommandExecutionException;
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
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
 *       turned replica) with a {@code sunsubscribe}: a channel still wanted is subscribed again at
 *       once where the topology says its slot is; a master that no longer has the slot answers with
 *       the one that has it ({@code MOVED}), where the subscription goes next while the topology is
 *       read again;
 *   <li>on every topology change Lettuce reports, a channel whose slot has another master now moves
 *       there (unsubscribed from the former one, if it still answers);
 *   <li>when a connection to a master is lost, its channels are tried again, and when it comes back
 *       they are subscribed again one by one;
 *   <li>a subscription that fails is tried again, all failed ones together, after 50 ms, doubling
 *       to every second while they keep failing, for as long as the channel is wanted (on one Redis
 *       too; on a cluster each try reads the topology first, so a failed-over master's channels
 *       move to its replica within about a second of the failover);
 *   <li>a shard subscription confirmed by a node the channel is not placed on (Lettuce
 *       re-subscribing its connection to a former master) is undone.
 * </ul>
 *
 * The connections to every master are opened ahead of need, at start and on each topology change.
 * So each wanted channel has at most one subscription that delivers, and an unwanted one none.
 */
final class RelaySubscriber implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RelaySubscriber.class);

    /** The first wait before failed subscriptions are tried again. */
    static final Duration FIRST_RETRY = Duration.ofMillis(50);

    /**
     * The longest wait between tries, reached by doubling while they keep failing: on a cluster
     * each try reads the topology again, so a failed-over master's channels move within about this
     * long of the failover.
     */
    static final Duration LAST_RETRY = Duration.ofMillis(500);

    /** The least time between two topology reads asked for by failed publications. */
    static final Duration PUBLISH_REFRESH = Duration.ofMillis(250);

    /** MOVED answers a subscription follows before it waits for the topology instead. */
    static final int MAX_REDIRECTS = 3;

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

        /** MOVED answers followed since the last subscription that held. */
        int redirects;

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

    private final AtomicLong nextPublishRefresh = new AtomicLong(System.nanoTime());

    private Duration retryDelay = FIRST_RETRY;
    private boolean retryScheduled;

    /** What waits for the topology refresh in flight; {@code null} when none is. Cluster thread. */
    private List<Runnable> afterRefresh;

    private RedisPubSubListener<byte[], byte[]> receiver;
    private ClusterReceiver clusterReceiver;
    private Disposable topologyChanges;
    private RedisConnectionStateListener reconnections;
    private volatile boolean closed;
    private volatile int strays;

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

                    @Override
                    public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                        later(() -> disconnected(connection));
                    }
                };
        redis.client().addListener(reconnections);
        later(this::connectMasters);
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

    /**
     * A publication failed (on any thread): on a cluster the master of its slot may have changed
     * (classic publications too go to the master of their channel's slot), so the topology is read
     * again, at most every {@link #PUBLISH_REFRESH}. Without this, a node that only publishes would
     * go on publishing to a failed master until Lettuce's next periodic refresh.
     */
    void publicationFailed() {
        if (!redis.target().isCluster() || closed) {
            return;
        }
        long now = System.nanoTime();
        long next = nextPublishRefresh.get();
        if (now - next >= 0
                && nextPublishRefresh.compareAndSet(next, now + PUBLISH_REFRESH.toNanos())) {
            later(() -> refreshThen(() -> {}));
        }
    }

    /** How many stray shard subscriptions were undone (tests). */
    int strays() {
        return strays;
    }

    /** The channels wanted now (tests). */
    Set<String> wanted() {
        return Set.copyOf(wanted.keySet());
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
        RedisClusterNode master = cluster().getPartitions().getMasterBySlot(w.slot);
        if (master == null) {
            answered(w, ++w.attempt, new IllegalStateException("no master serves slot " + w.slot));
            return;
        }
        placeOn(w, master.getNodeId());
    }

    /** Subscribes {@code w} on {@code node}, leaving the one it was on. */
    private void placeOn(Wanted w, String node) {
        int attempt = ++w.attempt;
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
        connectMasters();
        for (Wanted w : List.copyOf(wanted.values())) {
            RedisClusterNode master = cluster().getPartitions().getMasterBySlot(w.slot);
            if (master != null && !master.getNodeId().equals(w.node)) {
                log.debug("relay channel {} moves to {}", w.channel, master.getNodeId());
                place(w);
            }
        }
    }

    /**
     * Opens the connections to every master ahead of the first subscription there, so a channel
     * that moves is subscribed again without waiting for a connection.
     */
    private void connectMasters() {
        for (RedisClusterNode node : cluster().getPartitions()) {
            if (RedisConnections.servesSlots(node)) {
                connection(node.getNodeId())
                        .exceptionally(
                                e -> {
                                    log.debug(
                                            "could not connect to {}: {}",
                                            node.getUri(),
                                            e.toString());
                                    return null;
                                });
            }
        }
    }

    /**
     * A connection to a master was lost: its channels are tried again, on the master the topology
     * names then, until one takes them (the master may be failing over).
     */
    private void disconnected(Object connection) {
        String node = nodeConnections.get(connection);
        if (closed || node == null) {
            return;
        }
        for (Wanted w : wanted.values()) {
            if (node.equals(w.node)) {
                failing.add(w);
            }
        }
        retryLater();
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

    /**
     * {@code node} ended a shard subscription: redone at once where the topology says the slot is,
     * if still wanted. If that is where it was, the topology is behind: the node answers with the
     * slot's new master (MOVED), which {@link #answered} follows.
     */
    private void ended(String node, String channel) {
        Wanted w = wanted.get(channel);
        if (closed || w == null || !node.equals(w.node)) {
            return; // not wanted, or one this node ended itself when the channel moved
        }
        log.debug("{} ended the subscription of relay channel {}", node, channel);
        place(w);
    }

    /** {@code node} confirmed a shard subscription: undone unless the channel is placed there. */
    private void confirmedBy(String node, String channel) {
        Wanted w = wanted.get(channel);
        if (closed || (w != null && node.equals(w.node))) {
            return;
        }
        log.debug("undoing a stray subscription of {} on {}", channel, node);
        strays++;
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
        if (error == null) {
            w.confirmed.complete(null);
            w.redirects = 0;
            failing.remove(w);
            if (failing.isEmpty()) {
                retryDelay = FIRST_RETRY;
            }
            return;
        }
        String movedTo = sharded ? movedTo(error) : null;
        if (movedTo != null && !movedTo.equals(w.node) && w.redirects < MAX_REDIRECTS) {
            w.redirects++;
            log.debug("relay channel {} follows its slot to {}", w.channel, movedTo);
            placeOn(w, movedTo);
            refreshThen(() -> {}); // the topology is behind
            return;
        }
        w.confirmed.complete(null); // local subscribers are not held back while Redis is away
        log.debug(
                "subscribing to relay channel {} failed (tried again): {}",
                w.channel,
                error.toString());
        failing.add(w);
        retryLater();
    }

    /**
     * The node id of the master a {@code MOVED} error names, if the topology knows it; {@code null}
     * for any other error.
     */
    private String movedTo(Throwable error) {
        Throwable cause =
                error instanceof CompletionException && error.getCause() != null
                        ? error.getCause()
                        : error;
        String message =
                cause instanceof RedisCommandExecutionException ? cause.getMessage() : null;
        if (message == null || !message.startsWith("MOVED ")) {
            return null;
        }
        // MOVED <slot> <host>:<port>
        int space = message.lastIndexOf(' ');
        int colon = message.lastIndexOf(':');
        if (space < 0 || colon < space) {
            return null;
        }
        try {
            RedisClusterNode node =
                    cluster()
                            .getPartitions()
                            .getPartition(
                                    message.substring(space + 1, colon),
                                    Integer.parseInt(message.substring(colon + 1).trim()));
            return node == null ? null : node.getNodeId();
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Schedules one try of every failed subscription, unless one is scheduled already. */
    private void retryLater() {
        if (retryScheduled || closed || failing.isEmpty()) {
            return;
        }
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
