package dev.herald.hub;

import dev.herald.apps.App;
import dev.herald.broker.Broker;
import dev.herald.broker.BrokerListener;
import dev.herald.broker.NodeCommand;
import dev.herald.metrics.AppMeters;
import dev.herald.metrics.HeraldMetrics;
import dev.herald.protocol.EncodedEvent;
import dev.herald.protocol.Member;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * This node's channels and their local subscribers, and fan-out to them.
 *
 * <p>Subscribers are grouped by the event loop that owns their connection. A publication is
 * encoded once, upstream; fan-out then queues it on each event loop that has subscribers (not
 * once per subscriber), and that loop's {@link LoopOutbox} writes the same frame to each of its
 * subscribers (straight to an idle socket, else a retained duplicate through the pipeline with
 * one flush per connection per batch). Channel membership is changed only on the subscriber's
 * own loop, so the per-loop lists need no locks; the channel map's per-key lock keeps the
 * subscription count and the channel's existence consistent across loops.
 */
public final class Hub implements BrokerListener {

    private final Map<EventExecutor, Integer> loopIndex = new IdentityHashMap<>();
    private final EventExecutor[] loops;
    private final LoopConnections[] open;
    private final LoopOutbox[] outboxes;
    private final Broker broker;
    private final HeraldMetrics metrics;
    private final ConcurrentHashMap<String, AppState> apps = new ConcurrentHashMap<>();
    private ChannelObserver observer = ChannelObserver.NOOP;
    private java.util.function.ToIntFunction<String> remoteConnections = appId -> 0;

    /** One app's slice of the hub; its counters are what the app's gauges read. */
    private static final class AppState {
        final ConcurrentHashMap<String, LocalChannel> channels = new ConcurrentHashMap<>();
        final AtomicInteger connections = new AtomicInteger();
        final AtomicInteger subscriptions = new AtomicInteger();
        final AppMeters meters;

        AppState(String appId, HeraldMetrics metrics) {
            this.meters = metrics.forApp(appId);
            metrics.appGauges(appId, connections::get, channels::size, subscriptions::get);
        }
    }

    private AppState state(String appId) {
        AppState state = apps.get(appId);
        return state != null ? state : apps.computeIfAbsent(appId, id -> new AppState(id, metrics));
    }

    /** The app's traffic meters. */
    public AppMeters meters(String appId) {
        return state(appId).meters;
    }

    /** Outcome of a subscription attempt. */
    public record Joined(Subscription subscription, boolean memberAdded, boolean presenceFull, List<Member> members) {
    }

    public Hub(List<? extends EventExecutor> eventLoops, Broker broker, HeraldMetrics metrics) {
        this.metrics = metrics;
        this.loops = eventLoops.toArray(new EventExecutor[0]);
        this.open = new LoopConnections[loops.length];
        this.outboxes = new LoopOutbox[loops.length];
        for (int i = 0; i < loops.length; i++) {
            open[i] = new LoopConnections();
            outboxes[i] = new LoopOutbox(i, loops[i]);
        }
        for (int i = 0; i < loops.length; i++) {
            loopIndex.put(loops[i], i);
        }
        this.broker = broker;
    }

    /** Set once at start-up, before any connection is accepted. */
    public void observe(ChannelObserver observer) {
        this.observer = observer;
    }

    /**
     * Counts a new connection of the app against its quota; returns {@code false}, counting
     * nothing, when the app already has {@code max} (0 = no limit).
     */
    public boolean tryAddConnection(App app) {
        AtomicInteger count = state(app.id()).connections;
        int max = app.limits().maxConnections();
        if (count.incrementAndGet() + (max > 0 ? remoteConnections.applyAsInt(app.id()) : 0) > max && max > 0) {
            count.decrementAndGet();
            return false;
        }
        return true;
    }

    public void removeConnection(App app) {
        state(app.id()).connections.decrementAndGet();
    }

    /** The app's connections on this node. */
    public int connectionCount(String appId) {
        AppState state = apps.get(appId);
        return state == null ? 0 : state.connections.get();
    }

    /** Registers a started connection; called on its event loop. */
    void opened(Connection c) {
        open[c.loopIndex()].add(c);
    }

    /** Called on the connection's event loop when it is gone. */
    void closed(Connection c) {
        open[c.loopIndex()].remove(c);
    }

    /**
     * Closes every connection with {@code error}, spread evenly over {@code spreadMillis} so that
     * clients reconnect elsewhere gradually rather than all at once.
     */
    public void closeAll(dev.herald.protocol.PusherError error, String message, long spreadMillis) {
        for (int i = 0; i < loops.length; i++) {
            LoopConnections connections = open[i];
            EventExecutor loop = loops[i];
            loop.execute(() -> {
                Connection[] all = connections.snapshot();
                for (int k = 0; k < all.length; k++) {
                    Connection c = all[k];
                    long at = all.length <= 1 ? 0 : spreadMillis * k / all.length;
                    loop.schedule(() -> c.close(error, message), at, java.util.concurrent.TimeUnit.MILLISECONDS);
                }
            });
        }
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
     * Subscribes a connection; called on its event loop. For presence channels {@code member}
     * joins the member list, unless the channel is full ({@link Joined#presenceFull()}).
     */
    public Joined subscribe(Connection c, String name, Member member, int maxPresenceMembers) {
        App app = c.app();
        AppState state = state(app.id());
        ConcurrentHashMap<String, LocalChannel> channels = state.channels;
        boolean[] created = new boolean[1];
        // observers hear occupied/vacated inside the map's per-key lock, so they hear them in the
        // order they happened even when two event loops race on one channel
        LocalChannel channel = channels.compute(name, (n, existing) -> {
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
            broker.subscribe(app.id(), name).whenComplete((v, error) -> channel.routed.complete(null));
        }
        boolean added = false;
        List<Member> members = List.of();
        PresenceMembers presence = channel.members();
        if (presence != null) {
            PresenceMembers.Join join;
            synchronized (presence) { // likewise for member added/removed
                join = presence.join(member, maxPresenceMembers);
                if (join.added()) {
                    observer.memberAdded(app, name, member, c.socketId());
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
        Subscription subscription = new Subscription(channel, presence != null ? member : null);
        c.addSubscription(subscription);
        observer.subscriptionCountChanged(app, channel);
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
        AppState state = state(c.app().id());
        state.subscriptions.decrementAndGet();
        boolean memberRemoved = false;
        if (subscription.member() != null) {
            String userId = subscription.member().userId();
            synchronized (channel.members()) {
                memberRemoved = channel.members().leave(userId);
                if (memberRemoved) {
                    observer.memberRemoved(c.app(), channel.name(), userId);
                }
            }
        }
        release(c.app(), state.channels, channel);
        // also when it reached 0: watchers of the count (webhooks) hear the drop
        observer.subscriptionCountChanged(c.app(), channel);
        return memberRemoved;
    }

    /** Returns whether the channel was vacated. */
    private boolean release(App app, ConcurrentHashMap<String, LocalChannel> channels, LocalChannel channel) {
        boolean[] vacated = new boolean[1];
        channels.computeIfPresent(channel.name(), (n, ch) -> {
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


    /** The channel if it has subscribers on this node, else {@code null}. */
    public LocalChannel channel(String appId, String name) {
        AppState state = apps.get(appId);
        return state == null ? null : state.channels.get(name);
    }

    /** The app's channels with subscribers on this node (a live, weakly consistent view). */
    public Collection<LocalChannel> channels(String appId) {
        AppState state = apps.get(appId);
        return state == null ? List.of() : state.channels.values();
    }

    /** Whether the channel has subscribers on this node (what a broker routes by). */
    @Override
    public boolean hasSubscribers(String appId, String channel) {
        return channel(appId, channel) != null;
    }

    /** The user's member entry if it has a socket in the presence channel on this node, else {@code null}. */
    public Member localMember(String appId, String channel, String userId) {
        LocalChannel local = channel(appId, channel);
        return local == null || local.members() == null ? null : local.members().member(userId);
    }

    /** Apps with state on this node. */
    public Collection<String> appIds() {
        return apps.keySet();
    }

    /**
     * Also counts the app's connections on other nodes against its quota (0 when alone); set once
     * at start-up by a cluster engine.
     */
    public void remoteConnections(java.util.function.ToIntFunction<String> remote) {
        this.remoteConnections = remote;
    }

    /** Presence members of a channel on this node, in join order. */
    public List<Member> members(String appId, String name) {
        LocalChannel channel = channel(appId, name);
        return channel == null || channel.members() == null ? List.of() : channel.members().snapshot();
    }

    /** The message a terminated user's connections get with 4009. */
    public static final String TERMINATED = "You got disconnected by the app.";

    @Override
    public void onCommand(NodeCommand command) {
        if (command.type() == NodeCommand.Type.TERMINATE_USER) {
            forEachSubscriber(command.appId(), dev.herald.protocol.ChannelKind.userChannel(command.subject()),
                    Hub::terminate);
        }
    }

    private static void terminate(Connection c) {
        c.close(dev.herald.protocol.PusherError.UNAUTHORIZED_CLOSE, TERMINATED);
    }

    @Override
    public void onPublication(String appId, String channelName, EncodedEvent event, String excludeSocketId) {
        AppState state = apps.get(appId);
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
