package dev.herald.hub;

import dev.herald.cluster.LocalChannels;
import dev.herald.metrics.AppMeters;
import dev.herald.metrics.HeraldMetrics;
import dev.herald.protocol.Member;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * This node's channels and connection counts, by app: the state the {@link Hub} changes and the
 * cluster engines read. Made before the hub, so that what the hub reports to (a cluster engine, the
 * features) can be built with it and handed to the hub's constructor.
 */
public final class ChannelTable implements LocalChannels {

    private final HeraldMetrics metrics;
    private final ConcurrentHashMap<String, AppState> apps = new ConcurrentHashMap<>();

    public ChannelTable(HeraldMetrics metrics) {
        this.metrics = metrics;
    }

    /** One app's slice of the table; its counters are what the app's gauges read. */
    static final class AppState {
        final ConcurrentHashMap<String, LocalChannel> channels = new ConcurrentHashMap<>();
        final AtomicInteger connections = new AtomicInteger();
        final AtomicInteger subscriptions = new AtomicInteger();
        final AppMeters meters;

        AppState(String appId, HeraldMetrics metrics) {
            this.meters = metrics.forApp(appId);
            metrics.appGauges(appId, connections::get, channels::size, subscriptions::get);
        }
    }

    AppState state(String appId) {
        AppState state = apps.get(appId);
        return state != null ? state : apps.computeIfAbsent(appId, id -> new AppState(id, metrics));
    }

    /** The app's state if it has any on this node, else {@code null}; creates nothing. */
    AppState existing(String appId) {
        return apps.get(appId);
    }

    /** The app's traffic meters. */
    public AppMeters meters(String appId) {
        return state(appId).meters;
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

    @Override
    public Collection<String> channelNames(String appId) {
        AppState state = apps.get(appId);
        return state == null ? List.of() : state.channels.keySet();
    }

    @Override
    public int subscriptionCount(String appId, String channel) {
        LocalChannel local = channel(appId, channel);
        return local == null ? 0 : local.subscriptionCount();
    }

    @Override
    public int userCount(String appId, String channel) {
        LocalChannel local = channel(appId, channel);
        return local == null ? 0 : local.userCount();
    }

    @Override
    public List<Member> members(String appId, String channel) {
        LocalChannel local = channel(appId, channel);
        return local == null || local.members() == null ? List.of() : local.members().snapshot();
    }

    @Override
    public Member member(String appId, String channel, String userId) {
        LocalChannel local = channel(appId, channel);
        return local == null || local.members() == null ? null : local.members().member(userId);
    }

    @Override
    public Collection<String> appIds() {
        return apps.keySet();
    }

    @Override
    public int connectionCount(String appId) {
        AppState state = apps.get(appId);
        return state == null ? 0 : state.connections.get();
    }
}
