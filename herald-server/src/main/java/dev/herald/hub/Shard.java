package dev.herald.hub;

import java.util.Arrays;

/**
 * The subscribers of one channel that live on one event loop. Mutated and iterated only on that
 * loop; {@link #size} is volatile so publishers on other threads can skip empty shards without
 * scheduling a task.
 */
final class Shard {

    private Connection[] members = new Connection[4];
    private volatile int size;

    int size() {
        return size;
    }

    Connection get(int i) {
        return members[i];
    }

    void add(Connection c) {
        int n = size;
        if (n == members.length) {
            members = Arrays.copyOf(members, n * 2);
        }
        members[n] = c;
        size = n + 1;
    }

    /** Swap-remove: order among subscribers carries no meaning. */
    void remove(Connection c) {
        int n = size;
        for (int i = 0; i < n; i++) {
            if (members[i] == c) {
                members[i] = members[n - 1];
                members[n - 1] = null;
                size = n - 1;
                if (n - 1 < members.length / 4 && members.length > 4) {
                    members = Arrays.copyOf(members, Math.max(4, members.length / 2));
                }
                return;
            }
        }
    }
}
