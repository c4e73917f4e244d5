package dev.herald.hub;

import java.util.Arrays;

/**
 * The open connections of one event loop, for whole-node actions such as a graceful shutdown.
 * Confined to that loop. Each connection remembers its slot, so removal is O(1).
 */
final class LoopConnections {

    private Connection[] connections = new Connection[64];
    private int size;

    void add(Connection c) {
        if (size == connections.length) {
            connections = Arrays.copyOf(connections, size * 2);
        }
        c.registrySlot = size;
        connections[size++] = c;
    }

    void remove(Connection c) {
        int slot = c.registrySlot;
        if (slot < 0 || slot >= size || connections[slot] != c) {
            return;
        }
        Connection last = connections[--size];
        connections[slot] = last;
        last.registrySlot = slot;
        connections[size] = null;
        c.registrySlot = -1;
    }

    /** A copy, so the caller may close connections while walking it. */
    Connection[] snapshot() {
        return Arrays.copyOf(connections, size);
    }

    int size() {
        return size;
    }
}
