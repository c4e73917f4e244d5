package dev.herald.cluster;

import dev.herald.apps.App;
import dev.herald.observers.ChannelObserver;
import dev.herald.protocol.ChannelKind;
import dev.herald.protocol.Member;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one test node holds, standing in for the hub: sockets in channels and presence members,
 * reported to the cluster engine's local events in the order and under the rules the hub follows
 * (first subscriber occupies, a user's first socket joins, the last ones leave and vacate). Called
 * from the test thread; the engines read it from theirs, hence synchronized.
 */
final class HeldChannels implements LocalChannels {

    private record Key(String appId, String channel) {}

    /** Sockets per channel, and for presence channels each socket's member. */
    private final Map<Key, Map<String, Member>> sockets = new LinkedHashMap<>();

    private ChannelObserver events = ChannelObserver.NOOP;

    /** Where local changes are reported from now on: the engine's {@code localEvents}. */
    void reportTo(ChannelObserver events) {
        this.events = events;
    }

    /** A socket subscribes to a channel that is not a presence channel. */
    void subscribe(App app, String channel, String socketId) {
        join(app, channel, socketId, null);
    }

    /** A socket subscribes; to a presence channel as {@code member}. */
    void join(App app, String channel, String socketId, Member member) {
        boolean occupied;
        boolean joined;
        int count;
        synchronized (this) {
            Map<String, Member> here =
                    sockets.computeIfAbsent(new Key(app.id(), channel), k -> new LinkedHashMap<>());
            occupied = here.isEmpty();
            joined =
                    member != null
                            && here.values().stream()
                                    .noneMatch(
                                            m -> m != null && m.userId().equals(member.userId()));
            here.put(socketId, member);
            count = here.size();
        }
        if (occupied) {
            events.occupied(app, channel);
        }
        if (joined) {
            events.memberJoined(app, channel, member, socketId);
        }
        events.subscriptionCountChanged(app, channel, count);
    }

    /** A socket leaves a channel (and its presence member with it if it was the user's last). */
    void unsubscribe(App app, String channel, String socketId) {
        Member member;
        boolean left;
        boolean vacated;
        int count;
        synchronized (this) {
            Key key = new Key(app.id(), channel);
            Map<String, Member> here = sockets.get(key);
            member = here.remove(socketId);
            left =
                    member != null
                            && here.values().stream()
                                    .noneMatch(
                                            m -> m != null && m.userId().equals(member.userId()));
            vacated = here.isEmpty();
            if (vacated) {
                sockets.remove(key);
            }
            count = here.size();
        }
        if (left) {
            events.memberLeft(app, channel, member.userId());
        }
        if (vacated) {
            events.vacated(app, channel);
        }
        events.subscriptionCountChanged(app, channel, count);
    }

    @Override
    public synchronized int subscriptionCount(String appId, String channel) {
        Map<String, Member> here = sockets.get(new Key(appId, channel));
        return here == null ? 0 : here.size();
    }

    @Override
    public synchronized int userCount(String appId, String channel) {
        return members(appId, channel).size();
    }

    @Override
    public synchronized List<Member> members(String appId, String channel) {
        Map<String, Member> here = sockets.get(new Key(appId, channel));
        if (here == null || !ChannelKind.of(channel).isPresence()) {
            return List.of();
        }
        Map<String, Member> byUser = new LinkedHashMap<>();
        for (Member m : here.values()) {
            byUser.putIfAbsent(m.userId(), m);
        }
        return List.copyOf(byUser.values());
    }

    @Override
    public synchronized Member member(String appId, String channel, String userId) {
        return members(appId, channel).stream()
                .filter(m -> m.userId().equals(userId))
                .findFirst()
                .orElse(null);
    }

    @Override
    public synchronized Collection<String> appIds() {
        Set<String> apps = new LinkedHashSet<>();
        sockets.keySet().forEach(k -> apps.add(k.appId()));
        return apps;
    }

    @Override
    public synchronized Collection<String> channelNames(String appId) {
        List<String> names = new ArrayList<>();
        sockets.keySet().stream()
                .filter(k -> k.appId().equals(appId))
                .forEach(k -> names.add(k.channel()));
        return names;
    }

    @Override
    public synchronized int connectionCount(String appId) {
        Set<String> ids = new HashSet<>();
        sockets.forEach(
                (k, v) -> {
                    if (k.appId().equals(appId)) {
                        ids.addAll(v.keySet());
                    }
                });
        return ids.size();
    }
}
