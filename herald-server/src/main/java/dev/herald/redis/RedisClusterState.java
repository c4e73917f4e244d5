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
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 * joins, and so on, each decided by one atomic script on the channel's own keys (one hash slot, so
 * the same on a Redis Cluster), so exactly one node passes it on (to member events, watchlists and
 * webhooks). The bookkeeping is level-based: on the cluster thread it compares what the hub holds
 * now with what this node last wrote, so racing joins and leaves on different event loops cannot
 * leave Redis wrong. Beside the channel's keys the node keeps its own share ({@link
 * RedisKeys#subscriptions}, {@link RedisKeys#nodeKeys}), which listings and reaping read.
 *
 * <p><b>Leases.</b> Every heartbeat renews this node's lease in {@code herald:{g}:nodes}. Answers
 * count only nodes whose lease is live. A script cannot read the leases (another slot), so each
 * gets the nodes whose lease lapsed and that no one has reaped yet, and removes their entries in
 * its channel as it decides. The first node to notice a lapsed lease claims the dead node (one
 * script moves it from the leases to {@code herald:{g}:reaping}, where every node counts it gone
 * until it is reaped, and where a claim whose reaper died is taken over after a lease) and, channel
 * by channel, removes what it held and fires the member-removed and vacated events its death
 * implies. Whoever removes an entry decides what that means, so each is fired once. A node that
 * stops cleanly claims and reaps itself, so nobody waits for its lease or takes it for dead.
 *
 * <p><b>Outages.</b> While Redis is away, local clients keep being served and local decisions stand
 * in for cluster ones. No node could renew its lease meanwhile, so none is reaped until a lease
 * after Redis is back (a Sentinel failover takes a few seconds; a node on its way back is not taken
 * for dead and its members are not removed). The heartbeat writes this node's whole state again,
 * without firing events, when Redis is back, when the node's marker key is missing (Redis restarted
 * empty) and when a master's {@code run_id} changed (a restart or a failover, which may have lost
 * the last writes), removing what it no longer holds.
 */
public final class RedisClusterState implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisClusterState.class);

    /** Channels of a dead node whose reaping scripts are sent before their answers are read. */
    private static final int REAP_BATCH = 256;

    /** How long the heartbeat waits for a resync to reach Redis. */
    private static final Duration RESYNC_WAIT = Duration.ofSeconds(30);

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
    private final Map<ChannelHere, Integer> membersPerChannel = new HashMap<>();

    /**
     * Nodes whose lease lapsed and that are not reaped yet, as of the last heartbeat: the scripts
     * remove their entries as they decide.
     */
    private volatile List<String> lapsed = List.of();

    /**
     * Nodes this one claimed and has not finished reaping; touched only on the heartbeat thread.
     */
    private final Set<String> unreaped = new LinkedHashSet<>();

    /**
     * No node is reaped before this (epoch ms): a lease after Redis came back from an outage, which
     * kept every node from renewing; touched only on the heartbeat thread.
     */
    private long reapNotBefore;

    /** Set when the node starts draining ({@link #leaveAtClose}); read on the event loops. */
    private volatile boolean leavingAtClose;

    /** The masters' run_ids at the last heartbeat; touched only on the heartbeat thread. */
    private Set<String> runIds;

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

    /**
     * The node is draining: what its clients leave from now on stays in Redis until the goodbye in
     * {@link #close}, which removes it all at once and fires only what is still true then.
     *
     * <p>Why: a drained client reconnects to another node within seconds. Decided one by one, its
     * leaving would tell every member of its presence channels {@code member_removed} and then
     * {@code member_added} again when it is back, and cost Redis a script per subscription while
     * the other nodes take the reconnections; held until the goodbye, a member that is back
     * elsewhere by then was never gone, as when a node dies and is reaped after its lease.
     */
    public void leaveAtClose() {
        leavingAtClose = true;
    }

    private final class Decisions implements ChannelObserver {
        @Override
        public void occupied(App app, String channel) {
            connections.thread().execute(() -> reconcileChannel(app, channel));
        }

        @Override
        public void vacated(App app, String channel) {
            if (!leavingAtClose) {
                connections.thread().execute(() -> reconcileChannel(app, channel));
            }
        }

        @Override
        public void subscriptionCountChanged(App app, String channel, int count) {
            if (!leavingAtClose) {
                connections.thread().execute(() -> reconcileChannel(app, channel));
            }
        }

        @Override
        public void memberJoined(App app, String channel, Member member, String socketId) {
            connections
                    .thread()
                    .execute(() -> reconcileMember(app, channel, member.userId(), socketId));
        }

        @Override
        public void memberLeft(App app, String channel, String userId) {
            if (!leavingAtClose) {
                connections.thread().execute(() -> reconcileMember(app, channel, userId, null));
            }
        }
    }

    private record ChannelHere(String appId, String channel) {}

    private record MemberHere(String appId, String channel, String userId) {}

    private void reconcileChannel(App app, String channel) {
        int count = hub.subscriptionCount(app.id(), channel);
        ChannelHere here = new ChannelHere(app.id(), channel);
        String occupancy = keys.occupancy(app.id(), channel);
        String share = keys.subscriptions(node, app.id());
        String subscriptions = Integer.toString(count);
        if (count > 0 && occupiedHere.add(here)) {
            // listed before the channel is written, so a reaper finds whatever lands
            list(here);
            decide(
                    redis.eval(
                            Scripts.OCCUPY,
                            ScriptOutputType.INTEGER,
                            new String[] {occupancy},
                            withLapsed(node, subscriptions)),
                    () -> downstream.channelOccupied(app, channel),
                    () -> downstream.channelVacated(app, channel));
            redis.hset(share, channel, subscriptions).exceptionally(this::ignore);
        } else if (count == 0 && occupiedHere.remove(here)) {
            decide(
                    redis.eval(
                            Scripts.VACATE,
                            ScriptOutputType.INTEGER,
                            new String[] {occupancy},
                            withLapsed(node)),
                    () -> downstream.channelVacated(app, channel),
                    null);
            redis.hdel(share, channel).exceptionally(this::ignore);
            unlistIfEmpty(here);
        } else if (count > 0) {
            redis.hset(occupancy, node, subscriptions).exceptionally(this::ignore);
            redis.hset(share, channel, subscriptions).exceptionally(this::ignore);
        }
    }

    private void reconcileMember(App app, String channel, String userId, String socketId) {
        Member member = hub.member(app.id(), channel, userId);
        MemberHere here = new MemberHere(app.id(), channel, userId);
        ChannelHere where = new ChannelHere(app.id(), channel);
        String[] channelKeys = {
            keys.members(app.id(), channel, node), keys.memberNodes(app.id(), channel)
        };
        String stem = keys.membersStem(app.id(), channel);
        if (member != null && membersHere.add(here)) {
            if (membersPerChannel.merge(where, 1, Integer::sum) == 1) {
                list(where);
            }
            String info = member.userInfo() == null ? "" : member.userInfo();
            decide(
                    redis.eval(
                            Scripts.JOIN,
                            ScriptOutputType.INTEGER,
                            channelKeys,
                            withLapsed(stem, node, userId, info)),
                    () -> downstream.memberAdded(app, channel, member, socketId),
                    () -> downstream.memberRemoved(app, channel, userId));
        } else if (member == null && membersHere.remove(here)) {
            decide(
                    redis.eval(
                            Scripts.LEAVE,
                            ScriptOutputType.INTEGER,
                            channelKeys,
                            withLapsed(stem, node, userId)),
                    () -> downstream.memberRemoved(app, channel, userId),
                    null);
            if (membersPerChannel.merge(where, -1, (a, b) -> a + b == 0 ? null : a + b) == null) {
                unlistIfEmpty(where);
            }
        }
    }

    /** Lists the channel in this node's keys, for a reaper. */
    private void list(ChannelHere channel) {
        redis.sadd(keys.nodeKeys(node), keys.occupancy(channel.appId(), channel.channel()))
                .exceptionally(this::ignore);
    }

    /** Drops the channel from this node's keys once the node holds nothing there. */
    private void unlistIfEmpty(ChannelHere channel) {
        if (!occupiedHere.contains(channel) && !membersPerChannel.containsKey(channel)) {
            redis.srem(keys.nodeKeys(node), keys.occupancy(channel.appId(), channel.channel()))
                    .exceptionally(this::ignore);
        }
    }

    /** The script's own arguments, then the nodes whose lease lapsed and that are not reaped. */
    private String[] withLapsed(String... own) {
        List<String> gone = lapsed;
        String[] args = Arrays.copyOf(own, own.length + gone.size());
        for (int i = 0; i < gone.size(); i++) {
            args[own.length + i] = gone.get(i);
        }
        return args;
    }

    /**
     * Passes the change on when the script says this node decides it (1), after what the departure
     * of lapsed nodes means when the script says so (2), or when Redis cannot say.
     */
    private void decide(CompletionStage<Long> verdict, Runnable passOn, Runnable lapsedFirst) {
        verdict.whenComplete(
                (result, error) -> {
                    if (error != null) {
                        // Lettuce completes a command with what its event loop caught
                        Fatal.surface(error);
                        log.debug(
                                "cluster decision unavailable, deciding locally: {}",
                                error.toString());
                        passOn.run();
                    } else if (result == 1L) {
                        passOn.run();
                    } else if (result == 2L) {
                        lapsedFirst.run();
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
            Set<String> ids = masterRunIds();
            boolean replaced = ids != null && runIds != null && !ids.equals(runIds);
            if (replaced) {
                resync("a Redis master restarted or was replaced");
            } else if (!reachable.get()) {
                resync("Redis is reachable again");
            } else if (sync.exists(keys.alive(node)) == 0) {
                resync("this node's state is not in Redis");
            }
            if (ids != null) {
                runIds = ids; // after the resync: one that failed is tried again
            }
            writeConnections();
            List<String> live =
                    sync.zrangebyscore(keys.nodes(), Range.create(now, Double.POSITIVE_INFINITY));
            readRemoteConnections(live);
            liveNodes = Math.max(1, live.size());
            if (!reachable.get()) {
                // the other nodes could not renew their leases through the same outage: give them
                // a lease to come back before taking them for dead
                reapNotBefore = now + leaseMillis;
            }
            if (now >= reapNotBefore) {
                reapDeadNodes(now);
            }
            if (reachable.compareAndSet(false, true)) {
                log.info("Redis is reachable again; cluster state restored");
            }
        } catch (RuntimeException e) {
            Fatal.surface(e);
            if (reachable.compareAndSet(true, false)) {
                log.warn(
                        "Redis unreachable ({}); serving local clients only until it returns",
                        e.toString());
            }
        }
    }

    /** The masters' run_ids; {@code null} when one cannot be read (a master failing over). */
    private Set<String> masterRunIds() {
        try {
            return connections.masterRunIds();
        } catch (RuntimeException e) {
            Fatal.surface(e);
            log.debug("could not read the Redis masters' run_ids: {}", e.toString());
            return null;
        }
    }

    /**
     * Writes this node's whole state again, without deciding anything (no events), on the cluster
     * thread, so no decision runs meanwhile; waits until Redis has it.
     */
    private void resync(String why) {
        try {
            connections
                    .thread()
                    .submit(this::rewrite)
                    .get(RESYNC_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing the cluster state", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(
                    "could not write the cluster state: " + e.getMessage(), e);
        }
        log.info("Wrote this node's cluster state to Redis (node {}): {}", node, why);
    }

    /**
     * Writes what this node last decided, from the sets the decisions keep, and removes what Redis
     * still lists of this node's but the node no longer holds (writes a restart or a failover
     * lost). Runs on the cluster thread.
     */
    private void rewrite() {
        Set<String> listed = await(redis.smembers(keys.nodeKeys(node)));
        Set<ChannelHere> held = new HashSet<>(occupiedHere);
        held.addAll(membersPerChannel.keySet());
        Set<ChannelHere> stale = new HashSet<>();
        for (String key : listed) {
            RedisKeys.AppChannel where = keys.readOccupancy(key);
            if (where != null) {
                ChannelHere channel = new ChannelHere(where.appId(), where.channel());
                if (!held.contains(channel)) {
                    stale.add(channel);
                }
            }
        }
        Map<ChannelHere, Map<String, String>> users = new HashMap<>();
        for (MemberHere m : membersHere) {
            Member member = hub.member(m.appId(), m.channel(), m.userId());
            String info = member == null || member.userInfo() == null ? "" : member.userInfo();
            users.computeIfAbsent(new ChannelHere(m.appId(), m.channel()), c -> new HashMap<>())
                    .put(m.userId(), info);
        }
        Set<String> appIds = new HashSet<>();
        held.forEach(c -> appIds.add(c.appId()));
        stale.forEach(c -> appIds.add(c.appId()));

        // what Redis has in the hashes this node keeps, to remove what the node no longer holds
        Map<String, RedisFuture<List<String>>> shareFields = new HashMap<>();
        for (String appId : appIds) {
            shareFields.put(appId, redis.hkeys(keys.subscriptions(node, appId)));
        }
        Map<ChannelHere, RedisFuture<List<String>>> memberFields = new HashMap<>();
        for (ChannelHere c : held) {
            if (ChannelKind.of(c.channel()).isPresence()) {
                memberFields.put(c, redis.hkeys(keys.members(c.appId(), c.channel(), node)));
            }
        }

        List<RedisFuture<?>> writes = new ArrayList<>();
        for (ChannelHere c : stale) {
            writes.add(redis.hdel(keys.occupancy(c.appId(), c.channel()), node));
            writes.add(redis.del(keys.members(c.appId(), c.channel(), node)));
            writes.add(redis.srem(keys.memberNodes(c.appId(), c.channel()), node));
            writes.add(redis.srem(keys.nodeKeys(node), keys.occupancy(c.appId(), c.channel())));
        }
        Map<String, Map<String, String>> shares = new HashMap<>();
        for (ChannelHere c : held) {
            String occupancy = keys.occupancy(c.appId(), c.channel());
            writes.add(redis.sadd(keys.nodeKeys(node), occupancy));
            if (occupiedHere.contains(c)) {
                // a count of 0 is a vacate still queued, which then finds the entry to remove
                String count =
                        Integer.toString(
                                Math.max(1, hub.subscriptionCount(c.appId(), c.channel())));
                writes.add(redis.hset(occupancy, node, count));
                shares.computeIfAbsent(c.appId(), a -> new HashMap<>()).put(c.channel(), count);
            }
            RedisFuture<List<String>> fields = memberFields.get(c);
            if (fields == null) {
                continue;
            }
            String mine = keys.members(c.appId(), c.channel(), node);
            String memberNodes = keys.memberNodes(c.appId(), c.channel());
            Map<String, String> here = users.getOrDefault(c, Map.of());
            if (here.isEmpty()) {
                writes.add(redis.del(mine));
                writes.add(redis.srem(memberNodes, node));
                continue;
            }
            writes.add(redis.hset(mine, here));
            writes.add(redis.sadd(memberNodes, node));
            String[] gone =
                    await(fields).stream().filter(u -> !here.containsKey(u)).toArray(String[]::new);
            if (gone.length > 0) {
                writes.add(redis.hdel(mine, gone));
            }
        }
        for (String appId : appIds) {
            String share = keys.subscriptions(node, appId);
            Map<String, String> counts = shares.getOrDefault(appId, Map.of());
            if (!counts.isEmpty()) {
                writes.add(redis.hset(share, counts));
            }
            String[] gone =
                    await(shareFields.get(appId)).stream()
                            .filter(channel -> !counts.containsKey(channel))
                            .toArray(String[]::new);
            if (gone.length > 0) {
                writes.add(redis.hdel(share, gone));
            }
        }
        writes.forEach(RedisClusterState::await);
        await(redis.set(keys.alive(node), "1"));
    }

    /** Waits for one reply (a resync's, a reap's, a heartbeat read's). */
    private static <T> T await(RedisFuture<T> reply) {
        try {
            return reply.get(RESYNC_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Redis", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Redis refused: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Redis did not answer in " + RESYNC_WAIT, e);
        }
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

    /** Sums the connections of the other live nodes, node by node (each share its own slot). */
    private void readRemoteConnections(List<String> live) {
        List<RedisFuture<Map<String, String>>> replies = new ArrayList<>();
        for (String other : live) {
            if (!other.equals(node)) {
                replies.add(redis.hgetall(keys.connections(other)));
            }
        }
        Map<String, Integer> sums = new HashMap<>();
        for (RedisFuture<Map<String, String>> reply : replies) {
            await(reply)
                    .forEach((appId, n) -> sums.merge(appId, Integer.parseInt(n), Integer::sum));
        }
        remoteConnections = sums;
    }

    /**
     * Claims every node whose lease lapsed (and every claim whose reaper died before finishing),
     * then removes what each held. A node another node claimed stays counted as gone until that
     * node has reaped it; one this node could not finish is tried again at the next beat.
     */
    private void reapDeadNodes(long now) {
        Set<String> candidates = new LinkedHashSet<>();
        candidates.addAll(sync.zrangebyscore(keys.nodes(), Range.create(0, now - 1)));
        List<ScoredValue<String>> claims = sync.zrangeWithScores(keys.reaping(), 0, -1);
        claims.forEach(claim -> candidates.add(claim.getValue()));
        candidates.remove(node);
        Set<String> gone = new LinkedHashSet<>(unreaped);
        gone.addAll(candidates);
        lapsed = List.copyOf(gone);
        for (String other : candidates) {
            if (!unreaped.contains(other) && claim(other, now, false)) {
                unreaped.add(other);
                boolean takenOver =
                        claims.stream().anyMatch(claim -> claim.getValue().equals(other));
                log.warn(
                        takenOver
                                ? "Node {} was claimed for reaping by a node that did not finish:"
                                        + " removing its members and subscriptions"
                                : "Node {} missed its lease: removing its members and subscriptions",
                        other);
            }
        }
        for (String dead : List.copyOf(unreaped)) {
            reap(dead, gone);
            sync.zrem(keys.reaping(), dead);
            unreaped.remove(dead);
            gone.remove(dead);
            lapsed = List.copyOf(gone);
        }
    }

    /**
     * Moves {@code other} from the leases to the reaping set if its lease lapsed, its claim is
     * stale, or ({@code self}) this node is leaving; true if this node now reaps it.
     */
    private boolean claim(String other, long now, boolean self) {
        Long claimed =
                sync.eval(
                        Scripts.CLAIM,
                        ScriptOutputType.INTEGER,
                        new String[] {keys.nodes(), keys.reaping()},
                        Long.toString(now),
                        other,
                        Long.toString(leaseMillis),
                        self ? "1" : "0");
        return claimed == 1L;
    }

    /**
     * Removes what a dead node held, channel by channel (each a script in the channel's slot, sent
     * {@link #REAP_BATCH} at a time so a big node is reaped well within a lease), and fires what
     * its departure means for the channels and users no other node still has; then its own keys.
     */
    private void reap(String dead, Set<String> gone) {
        List<String> listed = new ArrayList<>(sync.smembers(keys.nodeKeys(dead)));
        List<String> others = gone.stream().filter(n -> !n.equals(dead)).toList();
        Set<String> appIds = new HashSet<>();
        for (int from = 0; from < listed.size(); from += REAP_BATCH) {
            Map<RedisKeys.AppChannel, RedisFuture<List<Object>>> verdicts = new LinkedHashMap<>();
            for (String key : listed.subList(from, Math.min(listed.size(), from + REAP_BATCH))) {
                RedisKeys.AppChannel where = keys.readOccupancy(key);
                if (where == null) {
                    continue;
                }
                appIds.add(where.appId());
                List<String> args = new ArrayList<>(others.size() + 2);
                args.add(keys.membersStem(where.appId(), where.channel()));
                args.add(dead);
                args.addAll(others);
                verdicts.put(
                        where,
                        redis.eval(
                                Scripts.REAP,
                                ScriptOutputType.MULTI,
                                new String[] {
                                    key, keys.memberNodes(where.appId(), where.channel())
                                },
                                args.toArray(new String[0])));
            }
            for (Map.Entry<RedisKeys.AppChannel, RedisFuture<List<Object>>> reaped :
                    verdicts.entrySet()) {
                List<Object> verdict = await(reaped.getValue());
                String channel = reaped.getKey().channel();
                App app = apps.byId(reaped.getKey().appId()).orElse(null);
                if (app == null) {
                    continue;
                }
                for (int i = 1; i < verdict.size(); i++) {
                    downstream.memberRemoved(app, channel, (String) verdict.get(i));
                }
                if ((Long) verdict.get(0) == 1L) {
                    downstream.channelVacated(app, channel);
                }
            }
        }
        List<String> own = new ArrayList<>();
        appIds.forEach(appId -> own.add(keys.subscriptions(dead, appId)));
        own.add(keys.nodeKeys(dead));
        own.add(keys.connections(dead));
        own.add(keys.alive(dead));
        sync.del(own.toArray(new String[0])); // one slot: the dead node's tag
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
            // a clean goodbye: the node claims itself, so others count it gone at once and never
            // take it for dead, then removes what it held and fires what its leaving means
            if (claim(node, System.currentTimeMillis(), true)) {
                Set<String> gone = new LinkedHashSet<>(lapsed);
                gone.add(node);
                reap(node, gone);
                sync.zrem(keys.reaping(), node);
                log.info("Left the cluster (node {})", node);
            }
        } catch (RuntimeException e) {
            log.debug("could not say goodbye to Redis: {}", e.toString());
        }
    }
}
