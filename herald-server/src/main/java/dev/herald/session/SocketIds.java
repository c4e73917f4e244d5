package dev.herald.session;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Socket ids of the form {@code <node>.<sequence>} (docs/protocol.md §2.2: a string matching {@code
 * ^\d+\.\d+$}, unique across the cluster). The node part is random per process, so nodes started
 * independently do not collide; the sequence part never repeats within a process.
 */
public final class SocketIds {

    /**
     * Longest string taken for a socket id: two longs and a dot, with room to spare. Ids come back
     * from clients and app servers (an API call's {@code socket_id}), and are relayed to every
     * node, so a longer one is refused rather than carried.
     */
    public static final int MAX_LENGTH = 48;

    private final long node;
    private final AtomicLong sequence;

    public SocketIds() {
        SecureRandom random = new SecureRandom();
        this.node = 1 + (random.nextLong() & Long.MAX_VALUE) % 9_999_999_999L;
        this.sequence = new AtomicLong(random.nextInt(1_000_000));
    }

    /** This process's part of every socket id; also its node id in a cluster. */
    public String node() {
        return Long.toString(node);
    }

    public String next() {
        return node + "." + sequence.incrementAndGet();
    }

    /** Whether a string is shaped like a socket id. */
    public static boolean isValid(String socketId) {
        if (socketId == null || socketId.length() > MAX_LENGTH) {
            return false;
        }
        int dot = socketId.indexOf('.');
        if (dot <= 0 || dot == socketId.length() - 1) {
            return false;
        }
        for (int i = 0; i < socketId.length(); i++) {
            char c = socketId.charAt(i);
            if (i != dot && (c < '0' || c > '9')) {
                return false;
            }
        }
        return true;
    }
}
