package dev.herald.hub;

import dev.herald.apps.App;
import dev.herald.broker.Broker;
import dev.herald.broker.BrokerListener;
import dev.herald.broker.NodeCommand;
import dev.herald.metrics.AppMeters;
import dev.herald.metrics.HeraldMetrics;
import dev.herald.observers.ChannelObserver;
import dev.herald.protocol.ChannelKind;
import dev.herald.protocol.EncodedEvent;
import dev.herald.protocol.Member;
import dev.herald.protocol.PusherError;
import dev.herald.transport.UringSender;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;

/**
 * This node's channels and their local subscribers, and fan-out to them.
 *
 * <p>Subscribers are grouped by the event loop that owns their connection. A publication is encoded
 * once, upstream; fan-out then queues it on each event loop that has subscribers (not once per
 * subscriber), and that loop's {@link LoopOutbox} writes the same frame to each of its subscribers
 * (straight to an idle socket, else a retained duplicate through the pipeline with one flush per
 * connection per batch). Channel membership is changed only on the subscriber's own loop, so the
 * per-loop lists need no locks; the channel map's per-key lock keeps the subscription count and the
 * channel's existence consistent across loops.
 */
public final class Hub implements BrokerListener {

    private final Map<EventExecutor, Integer> loopIndex = new IdentityHashMap<>();
    private final EventExecutor[] loops;
    private final LoopConnections[] open;
    private final LoopOutbox[] outboxes;
    private final ChannelTable table;
    private final Broker broker;
    private final ChannelObserver observer;
    private final ToIntFunction<String> remoteConnections;

    /** The app's traffic meters. */
    public AppMeters meters(String appId) {
        return table.meters(appId);
    }

    /** Outcome of a subscription attempt. */
    public record Joined(
            Subscription subscription,
            boolean memberAdded,
            boolean presenceFull,
            List<Member> members) {}

    /** A hub alone: its own table, no observers, no other nodes. */
    public Hub(List<? extends EventExecutor> eventLoops, Broker broker, HeraldMetrics metrics) {
        this(eventLoops, new ChannelTable(metrics), broker, ChannelObserver.NOOP, appId -> 0);
    }

    /**
     * @param observer hears every local change (see {@link ChannelObserver} for when)
     * @param remoteConnections the app's connections on other nodes, counted against its quota (0
     *     when alone)
     */
    public Hub(
            List<? extends EventExecutor> eventLoops,
            ChannelTable table,
            Broker broker,
            ChannelObserver observer,
            ToIntFunction<String> remoteConnections) {
        this(eventLoops, table, broker, observer, remoteConnections, List.of());
    }

    /**
     * @param sends each loop's io_uring batch of fan-out sends, by loop; empty (or a {@code null}
     *     element) for one send per socket. They belong to the loops' threads and outlive the hub.
     */
    public Hub(
            List<? extends EventExecutor> eventLoops,
            ChannelTable table,
            Broker broker,
            ChannelObserver observer,
            ToIntFunction<String> remoteConnections,
            List<UringSender> sends) {
        this.table = table;
        this.observer = observer;
        this.remoteConnections = remoteConnections;
        this.loops = eventLoops.toArray(new EventExecutor[0]);
        this.open = new LoopConnections[loops.length];
        this.outboxes = new LoopOutbox[loops.length];
        for (int i = 0; i < loops.length; i++) {
            open[i] = new LoopConnections();
            outboxes[i] = new LoopOutbox(i, loops[i], i < sends.size() ? sends.get(i) : null);
        }
        for (int i = 0; i < loops.length; i++) {
            loopIndex.put(loops[i], i);
        }
        this.broker = broker;
    }

    /**
     * Counts a new connection of the app against its quota; returns {@code false}, counting
     * nothing, when the app already has {@code max} (0 = no limit).
     */
    public boolean tryAddConnection(App app) {
        AtomicInteger count = table.state(app.id()).connections;
        int max = app.limits().maxConnections();
        if (count.incrementAndGet() + (max > 0 ? remoteConnections.applyAsInt(app.id()) : 0) > max
                && max > 0) {
            count.decrementAndGet();
            return false;
        }
        return true;
    }

    public void removeConnection(App app) {
        table.state(app.id()).connections.decrementAndGet();
    }

    /** The app's connections on this node. */
    public int connectionCount(String appId) {
        return table.connectionCount(appId);
    }

    /**
     * The app's connections in the cluster: this node's now, the others' as of their last
     * heartbeat.
     */
    public int clusterConnectionCount(String appId) {
        return connectionCount(appId) + remoteConnections.applyAsInt(appId);
    }

    /** Registers a started connection; called on its event loop. */
    public void opened(Connection c) {
        open[c.loopIndex()].add(c);
    }

    /** Called on the connection's event loop when it is gone. */
    public void closed(Connection c) {
        open[c.loopIndex()].remove(c);
    }

    /**
     * Closes every connection with {@code error}, spread evenly over {@code spreadMillis} from now
     * so that clients reconnect elsewhere gradually rather than all at once; with 0, at once. A
     * connection already closing keeps its close ({@link Connection#close} sends one only).
     *
     * <p>Each connection's time is fixed by this call, not by when its loop gets to the task: a
     * loop that is behind (busy with deliveries) closes at once every connection whose time has
     * passed and schedules only the rest, so the spread still ends {@code spreadMillis} from now,
     * or as soon as the loop catches up. Shifting the spread instead would leave closes scheduled
     * past the caller's deadline, and shutting the loops down cancels those: the clients would be
     * cut without the code that tells them to reconnect.
     *
     * @return completes when every loop has taken its connections: closed those whose time had come
     *     and scheduled the rest; a loop that is behind does so late, a stuck one never
     */
    public CompletableFuture<Void> closeAll(PusherError error, String message, long spreadMillis) {
        long start = System.nanoTime();
        long spreadNanos = TimeUnit.MILLISECONDS.toNanos(spreadMillis);
        CompletableFuture<?>[] taken = new CompletableFuture<?>[loops.length];
        for (int i = 0; i < loops.length; i++) {
            LoopConnections connections = open[i];
            EventExecutor loop = loops[i];
            CompletableFuture<Void> loopTaken = new CompletableFuture<>();
            taken[i] = loopTaken;
            loop.execute(
                    () -> {
                        try {
                            Connection[] all = connections.snapshot();
                            long late = System.nanoTime() - start;
                            for (int k = 0; k < all.length; k++) {
                                Connection c = all[k];
                                // divided first: a huge spread must not overflow
                                long delay = spreadNanos / all.length * k - late;
                                if (delay <= 0) {
                                    c.close(error, message);
                                } else {
                                    loop.schedule(
                                            () -> c.close(error, message),
                                            delay,
                                            TimeUnit.NANOSECONDS);
                                }
                            }
                        } finally {
                            loopTaken.complete(null);
                        }
                    });
        }
        return CompletableFuture.allOf(taken);
    }

    /** Open connections on this node (all apps). */
    public int openConnections() {
        int n = 0;
        for (LoopConnections c : open) {
            n += c.size();
        }
        return n;
    }

    /**
     * Runs an action for every local subscriber of a channel, on each subscriber's own event loop.
     */
    public void forEachSubscriber(String appId, String name, Consumer<Connection> action) {
        LocalChannel channel = channel(appId, name);
        if (channel == null) {
            return;
        }
        for (int i = 0; i < loops.length; i++) {
            Shard shard = channel.shard(i);
            if (shard == null || shard.size() == 0) {
                continue;
            }
            loops[i].execute(new ForEachTask(shard, action));
        }
    }

    private record ForEachTask(Shard shard, Consumer<Connection> action) implements Runnable {
        @Override
        public void run() {
            // a snapshot: the action may close connections, which unsubscribes them later
            int n = shard.size();
            Connection[] targets = new Connection[n];
            for (int i = 0; i < n; i++) {
                targets[i] = shard.get(i);
            }
            for (Connection c : targets) {
                action.accept(c);
            }
        }
    }

    /** The index of an event loop of the server's group, for {@link Connection#loopIndex()}. */
    public int indexOf(EventLoop loop) {
        Integer i = loopIndex.get(loop);
        if (i == null) {
            throw new IllegalArgumentException("not one of the hub's event loops: " + loop);
        }
        return i;
    }

    /**
     * Subscribes a connection; called on its event loop. For presence channels {@code member} joins
     * the member list, unless the channel is full ({@link Joined#presenceFull()}).
     */
    public Joined subscribe(Connection c, String name, Member member, int maxPresenceMembers) {
        return subscribe(c, name, member, maxPresenceMembers, false);
    }

    /**
     * Subscribes a connection that may ask for positions: with {@code positions} its subscription
     * has a {@link Cursor}, recovering until the caller has replayed what it missed. Joining and
     * holding back live events start in the same step on the loop, so no event falls between them.
     */
    public Joined subscribe(
            Connection c, String name, Member member, int maxPresenceMembers, boolean positions) {
        App app = c.app();
        ChannelTable.AppState state = table.state(app.id());
        ConcurrentHashMap<String, LocalChannel> channels = state.channels;
        boolean[] created = new boolean[1];
        // observers hear occupied/vacated inside the map's per-key lock, so they hear them in the
        // order they happened even when two event loops race on one channel
        LocalChannel channel =
                channels.compute(
                        name,
                        (n, existing) -> {
                            LocalChannel ch = existing;
                            if (ch == null) {
                                ch = new LocalChannel(n, loops.length);
                                created[0] = true;
                                observer.occupied(app, n);
                            }
                            ch.addSubscription();
                            return ch;
                        });
        if (created[0]) {
            broker.subscribe(app.id(), name).whenComplete((v, error) -> channel.markRouted());
        }
        boolean added = false;
        List<Member> members = List.of();
        PresenceMembers presence = channel.members();
        if (presence != null) {
            PresenceMembers.Join join;
            synchronized (presence) { // likewise for member added/removed
                join = presence.join(member, maxPresenceMembers);
                if (join.added()) {
                    observer.memberJoined(app, name, member, c.socketId());
                }
            }
            if (join.refused()) {
                release(app, channels, channel);
                return new Joined(null, false, true, List.of());
            }
            added = join.added();
            members = join.members();
        }
        channel.shardForWrite(c.loopIndex()).add(c);
        state.subscriptions.incrementAndGet();
        Subscription subscription =
                new Subscription(
                        channel, presence != null ? member : null, positions ? new Cursor() : null);
        c.addSubscription(subscription);
        observer.subscriptionCountChanged(app, name, channel.subscriptionCount());
        return new Joined(subscription, added, false, members);
    }

    /**
     * Removes a subscription; called on the connection's event loop. Returns whether the
     * subscription's presence member left the channel with it (the user's last socket here).
     */
    public boolean unsubscribe(Connection c, Subscription subscription) {
        LocalChannel channel = subscription.channel();
        Shard shard = channel.shard(c.loopIndex());
        if (shard != null) {
            shard.remove(c);
        }
        c.removeSubscription(subscription);
        ChannelTable.AppState state = table.state(c.app().id());
        state.subscriptions.decrementAndGet();
        boolean memberRemoved = false;
        if (subscription.member() != null) {
            String userId = subscription.member().userId();
            synchronized (channel.members()) {
                memberRemoved = channel.members().leave(userId);
                if (memberRemoved) {
                    observer.memberLeft(c.app(), channel.name(), userId);
                }
            }
        }
        release(c.app(), state.channels, channel);
        // also when it reached 0: watchers of the count (webhooks) hear the drop
        observer.subscriptionCountChanged(c.app(), channel.name(), channel.subscriptionCount());
        return memberRemoved;
    }

    /** Returns whether the channel was vacated. */
    private boolean release(
            App app, ConcurrentHashMap<String, LocalChannel> channels, LocalChannel channel) {
        boolean[] vacated = new boolean[1];
        channels.computeIfPresent(
                channel.name(),
                (n, ch) -> {
                    if (ch != channel) {
                        return ch;
                    }
                    if (ch.removeSubscription() == 0) {
                        vacated[0] = true;
                        observer.vacated(app, n);
                        return null;
                    }
                    return ch;
                });
        if (vacated[0]) {
            broker.unsubscribe(app.id(), channel.name());
        }
        return vacated[0];
    }

    /** The state the hub changes, as others read it. */
    public ChannelTable table() {
        return table;
    }

    /** The channel if it has subscribers on this node, else {@code null}. */
    public LocalChannel channel(String appId, String name) {
        return table.channel(appId, name);
    }

    /** Whether the channel has subscribers on this node (what a broker routes by). */
    @Override
    public boolean hasSubscribers(String appId, String channel) {
        return table.channel(appId, channel) != null;
    }

    /** Presence members of a channel on this node, in join order. */
    public List<Member> members(String appId, String name) {
        return table.members(appId, name);
    }

    /** The message a terminated user's connections get with 4009. */
    public static final String TERMINATED = "You got disconnected by the app.";

    @Override
    public void onCommand(NodeCommand command) {
        if (command.type() == NodeCommand.Type.TERMINATE_USER) {
            forEachSubscriber(
                    command.appId(), ChannelKind.userChannel(command.subject()), Hub::terminate);
        }
    }

    private static void terminate(Connection c) {
        c.close(PusherError.UNAUTHORIZED_CLOSE, TERMINATED);
    }

    @Override
    public void onPublication(
            String appId, String channelName, EncodedEvent event, String excludeSocketId) {
        ChannelTable.AppState state = table.existing(appId);
        LocalChannel channel = state == null ? null : state.channels.get(channelName);
        if (channel == null) {
            return;
        }
        for (int i = 0; i < loops.length; i++) {
            Shard shard = channel.shard(i);
            if (shard == null || shard.size() == 0) {
                continue;
            }
            // always queued, even on the publisher's own loop: the publisher (an HTTP request, a
            // client event) is answered first, and the writes follow in one batch
            outboxes[i].add(channel, event.retain(), excludeSocketId, state.meters);
        }
    }
}
