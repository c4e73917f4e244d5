package dev.herald.redis;

import dev.herald.apps.App;
import dev.herald.apps.AppStore;
import dev.herald.cluster.LocalChannels;
import dev.herald.internal.Fatal;
import dev.herald.internal.GuardedExecutor;
import dev.herald.observers.ChannelObserver;
import dev.herald.observers.ClusterObserver;
import dev.herald.protocol.ChannelKind;
import dev.herald.protocol.Member;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's share of the cluster state in Redis, and the cluster-wide decisions built on it.
 *
 * <p><b>Decisions.</b> The hub reports local first joins and last leaves to {@link #localEvents()},
 * which turns them into cluster-wide ones for the {@link ClusterObserver} given at construction
 * (called on Lettuce's threads and on the heartbeat thread): a channel is occupied when its first
 * subscriber anywhere arrives, a presence member is added when the user's first socket anywhere
 * joins, and so on, each decided by one atomic script, so exactly one node passes it on (to member
 * events, watchlists and webhooks). The bookkeeping is level-based: on the cluster thread it
 * compares what the hub holds now with what this node last wrote, so racing joins and leaves on
 * different event loops cannot leave Redis wrong.
 *
 * <p><b>Leases.</b> Every heartbeat renews this node's lease in {@code herald:nodes}. Answers count
 * only nodes whose lease is live, so a dead node's members and counts disappear when its lease runs
 * out; the first node to notice then claims the dead node (one atomic {@code ZREM}) and fires the
 * member-removed and vacated events its death implies, once.
 *
 * <p><b>Outages.</b> While Redis is away, local clients keep being served and local decisions stand
 * in for cluster ones. When Redis is back (possibly empty after a restart) the heartbeat notices
 * the missing marker key and writes this node's state again, without firing events.
 */
public final class RedisClusterState implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisClusterState.class);

    private final RedisConnections connections;
    private final RedisClusterAsyncCommands<String, String> redis;
    private final RedisClusterCommands<String, String> sync;
    private final RedisKeys keys;
    private final String node;
    private final LocalChannels hub;
    private final AppStore apps;
    private final long leaseMillis;
    private final ScheduledExecutorService heartbeat;
    private final AtomicBoolean reachable = new AtomicBoolean(true);

    /** What this node last wrote; touched only on the cluster thread. */
    private final Set<ChannelHere> occupiedHere = new HashSet<>();

    private final Set<MemberHere> membersHere = new HashSet<>();
    private volatile Map<String, Integer> remoteConnections = Map.of();
    private volatile int liveNodes = 1;
    private final ClusterObserver downstream;

    /**
     * @param hub what this node holds, read on the cluster and heartbeat threads
     * @param downstream hears the cluster-wide decisions this node makes
     */
    public RedisClusterState(
            RedisConnections connections,
            String node,
            LocalChannels hub,
            AppStore apps,
            long leaseMillis,
            ClusterObserver downstream) {
        this.connections = connections;
        this.downstream = downstream;
        this.redis = connections.commands();
        this.sync = connections.sync();
        this.keys = connections.keys();
        this.node = node;
        this.hub = hub;
        this.apps = apps;
        this.leaseMillis = leaseMillis;
        this.heartbeat = GuardedExecutor.singleThread("herald-cluster-lease");
    }

    /** Registers the lease and starts the heartbeat; call before accepting connections. */
    public void start() {
        if (sync.zscore(keys.nodes(), node) != null) {
            throw new IllegalStateException("node id " + node + " is already registered in Redis");
        }
        beat();
        long every = Math.max(250, Math.min(5_000, leaseMillis / 4));
        heartbeat.scheduleWithFixedDelay(this::beat, every, every, TimeUnit.MILLISECONDS);
    }

    /** Connections of the app on other live nodes, as of the last heartbeat. */
    public int remoteConnections(String appId) {
        return remoteConnections.getOrDefault(appId, 0);
    }

    /** Live nodes as of the last heartbeat (at least 1). */
    public int liveNodes() {
        return liveNodes;
    }

    /** Whether Redis answered the last heartbeat and the connections are up. */
    public boolean healthy() {
        return reachable.get() && connections.connected();
    }

    // -- decisions

    /**
     * What the hub reports local changes to: each one is handed to the cluster thread, which
     * decides what it means cluster-wide.
     */
    public ChannelObserver localEvents() {
        return new Decisions();
    }

    private final class Decisions implements ChannelObserver {
        @Override
        public void occupied(App app, String channel) {
            connections.thread().execute(() -> reconcileChannel(app, channel));
        }

        @Override
        public void vacated(App app, String channel) {
            connections.thread().execute(() -> reconcileChannel(app, channel));
        }

        @Override
        public void subscriptionCountChanged(App app, String channel, int count) {
            connections.thread().execute(() -> reconcileChannel(app, channel));
        }

        @Override
        public void memberJoined(App app, String channel, Member member, String socketId) {
            connections
                    .thread()
                    .execute(() -> reconcileMember(app, channel, member.userId(), socketId));
        }

        @Override
        public void memberLeft(App app, String channel, String userId) {
            connections.thread().execute(() -> reconcileMember(app, channel, userId, null));
        }
    }

    private String now() {
        return Long.toString(System.currentTimeMillis());
    }

    private record ChannelHere(String appId, String channel) {}

    private record MemberHere(String appId, String channel, String userId) {}

    private void reconcileChannel(App app, String channel) {
        int count = hub.subscriptionCount(app.id(), channel);
        ChannelHere here = new ChannelHere(app.id(), channel);
        String sKey = keys.subscriptions(node, app.id());
        String sSuffix = RedisKeys.subscriptionsSuffix(app.id());
        if (count > 0 && occupiedHere.add(here)) {
            decide(
                    redis.eval(
                            Scripts.OCCUPY,
                            ScriptOutputType.INTEGER,
                            new String[] {keys.nodes(), sKey, keys.nodeKeys(node)},
                            now(),
                            node,
                            channel,
                            Integer.toString(count),
                            keys.nodePrefix(),
                            sSuffix),
                    () -> downstream.channelOccupied(app, channel));
        } else if (count == 0 && occupiedHere.remove(here)) {
            decide(
                    redis.eval(
                            Scripts.VACATE,
                            ScriptOutputType.INTEGER,
                            new String[] {keys.nodes(), sKey},
                            now(),
                            node,
                            channel,
                            keys.nodePrefix(),
                            sSuffix),
                    () -> downstream.channelVacated(app, channel));
        } else if (count > 0) {
            redis.hset(sKey, channel, Integer.toString(count)).exceptionally(this::ignore);
        }
    }

    private void reconcileMember(App app, String channel, String userId, String socketId) {
        Member member = hub.member(app.id(), channel, userId);
        MemberHere here = new MemberHere(app.id(), channel, userId);
        String pKey = keys.members(node, app.id(), channel);
        String suffix = RedisKeys.membersSuffix(app.id(), channel);
        if (member != null && membersHere.add(here)) {
            String info = member.userInfo() == null ? "" : member.userInfo();
            decide(
                    redis.eval(
                            Scripts.JOIN,
                            ScriptOutputType.INTEGER,
                            new String[] {keys.nodes(), pKey, keys.nodeKeys(node)},
                            now(),
                            node,
                            userId,
                            info,
                            keys.nodePrefix(),
                            suffix),
                    () -> downstream.memberAdded(app, channel, member, socketId));
        } else if (member == null && membersHere.remove(here)) {
            decide(
                    redis.eval(
                            Scripts.LEAVE,
                            ScriptOutputType.INTEGER,
                            new String[] {keys.nodes(), pKey},
                            now(),
                            node,
                            userId,
                            keys.nodePrefix(),
                            suffix),
                    () -> downstream.memberRemoved(app, channel, userId));
        }
    }

    /** Passes the change on when the script says this node decides it, or when Redis cannot say. */
    private void decide(CompletionStage<Long> verdict, Runnable passOn) {
        verdict.whenComplete(
                (result, error) -> {
                    if (error != null) {
                        Fatal.surface(
                                error); // Lettuce completes a command with what its event loop
                        // caught
                        log.debug(
                                "cluster decision unavailable, deciding locally: {}",
                                error.toString());
                        passOn.run();
                    } else if (result == 1L) {
                        passOn.run();
                    }
                });
    }

    private <T> T ignore(Throwable error) {
        Fatal.surface(error);
        log.debug("cluster write failed: {}", error.toString());
        return null;
    }

    // -- heartbeat: lease, resync, quotas, reaping

    private void beat() {
        try {
            long now = System.currentTimeMillis();
            sync.zadd(keys.nodes(), now + leaseMillis, node);
            if (sync.exists(keys.alive(node)) == 0) {
                resync();
            }
            writeConnections();
            readRemoteConnections(now);
            liveNodes =
                    Math.max(
                            1,
                            sync.zcount(keys.nodes(), Range.create(now, Double.POSITIVE_INFINITY))
                                    .intValue());
            reapDeadNodes(now);
            if (reachable.compareAndSet(false, true)) {
                log.info("Redis is reachable again; cluster state restored");
            }
        } catch (RuntimeException e) {
            if (reachable.compareAndSet(true, false)) {
                log.warn(
                        "Redis unreachable ({}); serving local clients only until it returns",
                        e.toString());
            }
        }
    }

    /** Writes this node's whole state again, without deciding anything (no events). */
    private void resync() {
        for (String appId : hub.appIds()) {
            Map<String, String> counts = new HashMap<>();
            for (String channel : hub.channelNames(appId)) {
                int count = hub.subscriptionCount(appId, channel);
                if (count == 0) {
                    continue; // vacated since the names were read
                }
                counts.put(channel, Integer.toString(count));
                if (ChannelKind.of(channel).isPresence()) {
                    Map<String, String> members = new HashMap<>();
                    for (Member m : hub.members(appId, channel)) {
                        members.put(m.userId(), m.userInfo() == null ? "" : m.userInfo());
                    }
                    if (!members.isEmpty()) {
                        String pKey = keys.members(node, appId, channel);
                        sync.hset(pKey, members);
                        sync.sadd(keys.nodeKeys(node), pKey);
                    }
                }
            }
            if (!counts.isEmpty()) {
                String sKey = keys.subscriptions(node, appId);
                sync.hset(sKey, counts);
                sync.sadd(keys.nodeKeys(node), sKey);
            }
        }
        sync.set(keys.alive(node), "1");
        log.info("Wrote this node's cluster state to Redis (node {})", node);
    }

    private void writeConnections() {
        Map<String, String> counts = new HashMap<>();
        for (String appId : hub.appIds()) {
            counts.put(appId, Integer.toString(hub.connectionCount(appId)));
        }
        if (!counts.isEmpty()) {
            sync.hset(keys.connections(node), counts);
        }
    }

    private void readRemoteConnections(long now) {
        List<Object> flat =
                sync.eval(
                        Scripts.REMOTE_CONNECTIONS,
                        ScriptOutputType.MULTI,
                        new String[] {keys.nodes()},
                        Long.toString(now),
                        node,
                        keys.nodePrefix(),
                        RedisKeys.connectionsSuffix());
        Map<String, Integer> sums = new HashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            sums.put((String) flat.get(i), Integer.parseInt((String) flat.get(i + 1)));
        }
        remoteConnections = sums;
    }

    private void reapDeadNodes(long now) {
        List<String> dead = sync.zrangebyscore(keys.nodes(), Range.create(0, now - 1));
        for (String deadNode : dead) {
            if (deadNode.equals(node) || sync.zrem(keys.nodes(), deadNode) != 1) {
                continue; // another node claimed it
            }
            log.warn("Node {} missed its lease: removing its members and subscriptions", deadNode);
            reap(deadNode, now);
        }
    }

    /** Fires what a dead node's departure means, for channels and users no live node still has. */
    private void reap(String deadNode, long now) {
        Set<String> nodeKeys = sync.smembers(keys.nodeKeys(deadNode));
        for (String key : nodeKeys) {
            RedisKeys.AppChannel presence = keys.readMembersKey(deadNode, key);
            if (presence == null) {
                continue;
            }
            App app = apps.byId(presence.appId()).orElse(null);
            String suffix = RedisKeys.membersSuffix(presence.appId(), presence.channel());
            List<Object> live =
                    sync.eval(
                            Scripts.MEMBERS,
                            ScriptOutputType.MULTI,
                            new String[] {keys.nodes()},
                            Long.toString(now),
                            keys.nodePrefix(),
                            suffix);
            Set<Object> liveUsers = new HashSet<>();
            for (int i = 0; i < live.size(); i += 2) {
                liveUsers.add(live.get(i));
            }
            for (String user : sync.hkeys(key)) {
                if (app != null && !liveUsers.contains(user)) {
                    downstream.memberRemoved(app, presence.channel(), user);
                }
            }
        }
        for (String key : nodeKeys) {
            String appId = keys.readSubscriptionsKey(deadNode, key);
            if (appId == null) {
                continue;
            }
            App app = apps.byId(appId).orElse(null);
            for (String channel : sync.hkeys(key)) {
                Long left =
                        sync.eval(
                                Scripts.SUBSCRIPTIONS,
                                ScriptOutputType.INTEGER,
                                new String[] {keys.nodes()},
                                Long.toString(now),
                                channel,
                                keys.nodePrefix(),
                                RedisKeys.subscriptionsSuffix(appId));
                if (app != null && left == 0) {
                    downstream.channelVacated(app, channel);
                }
            }
        }
        if (!nodeKeys.isEmpty()) {
            sync.del(nodeKeys.toArray(new String[0]));
        }
        sync.del(keys.nodeKeys(deadNode), keys.connections(deadNode), keys.alive(deadNode));
    }

    @Override
    public void close() {
        heartbeat.shutdown();
        try {
            heartbeat.awaitTermination(
                    5, TimeUnit.SECONDS); // a beat in progress finishes, not interrupted
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            // let the bookkeeping of the connections just closed reach Redis before saying goodbye
            connections.thread().submit(() -> {}).get(2, TimeUnit.SECONDS);
            Thread.sleep(200);
        } catch (Exception e) {
            log.debug("cluster bookkeeping not drained: {}", e.toString());
        }
        try {
            // a clean goodbye: others stop counting this node at once, without waiting for the
            // lease
            sync.zadd(keys.nodes(), 1, node);
            reapDeadNodes(System.currentTimeMillis());
        } catch (RuntimeException e) {
            log.debug("could not say goodbye to Redis: {}", e.toString());
        }
    }
}
