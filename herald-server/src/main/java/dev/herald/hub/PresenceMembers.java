package dev.herald.hub;

import dev.herald.protocol.Member;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The members of one presence channel on this node: distinct users, each with the number of sockets
 * it joined with. Sockets of one user on different event loops share it, so it is guarded by its
 * own monitor; presence changes are rare next to message traffic.
 */
final class PresenceMembers {

    private static final class Entry {
        final Member member;
        int sockets;

        Entry(Member member) {
            this.member = member;
        }
    }

    /** Outcome of a join: whether the user is new, and the member list including it. */
    record Join(boolean added, boolean refused, List<Member> members) {}

    private final Map<String, Entry> users = new LinkedHashMap<>();

    synchronized Join join(Member member, int maxMembers) {
        Entry entry = users.get(member.userId());
        boolean added = entry == null;
        if (added) {
            if (users.size() >= maxMembers) {
                return new Join(false, true, List.of());
            }
            entry = new Entry(member);
            users.put(member.userId(), entry);
        }
        entry.sockets++;
        return new Join(added, false, snapshot());
    }

    /** Returns whether this was the user's last socket here. */
    synchronized boolean leave(String userId) {
        Entry entry = users.get(userId);
        if (entry == null) {
            return false;
        }
        if (--entry.sockets == 0) {
            users.remove(userId);
            return true;
        }
        return false;
    }

    synchronized Member member(String userId) {
        Entry entry = users.get(userId);
        return entry == null ? null : entry.member;
    }

    synchronized List<Member> snapshot() {
        List<Member> list = new ArrayList<>(users.size());
        for (Entry e : users.values()) {
            list.add(e.member);
        }
        return list;
    }

    synchronized int userCount() {
        return users.size();
    }
}
