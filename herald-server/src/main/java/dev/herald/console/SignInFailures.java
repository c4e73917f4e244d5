package dev.herald.console;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Failed sign-ins per address: past {@link #MAX_PER_MINUTE} in a minute, an address is refused
 * until its minute is over, so a token cannot be guessed at the speed of the network. Bounded: the
 * map sweeps expired windows, and when it is full of live ones every unknown address is refused too
 * (failing closed is the safe side for an admin page).
 */
final class SignInFailures {

    static final int MAX_PER_MINUTE = 10;
    static final int MAX_ADDRESSES = 10_000;
    private static final long WINDOW_MILLIS = 60_000;

    private record Window(long start, int count) {}

    private final Map<String, Window> windows = new HashMap<>();

    /** Whether this address may try now. */
    synchronized boolean allowed(String address, long now) {
        Window w = windows.get(address);
        if (w == null || now - w.start() >= WINDOW_MILLIS) {
            return windows.size() < MAX_ADDRESSES || sweep(now);
        }
        return w.count() < MAX_PER_MINUTE;
    }

    synchronized void failed(String address, long now) {
        Window w = windows.get(address);
        if (w == null || now - w.start() >= WINDOW_MILLIS) {
            if (windows.size() >= MAX_ADDRESSES && !sweep(now)) {
                return;
            }
            windows.put(address, new Window(now, 1));
        } else {
            windows.put(address, new Window(w.start(), w.count() + 1));
        }
    }

    /** Drops expired windows; true if there is room afterwards. */
    private boolean sweep(long now) {
        for (Iterator<Window> it = windows.values().iterator(); it.hasNext(); ) {
            if (now - it.next().start() >= WINDOW_MILLIS) {
                it.remove();
            }
        }
        return windows.size() < MAX_ADDRESSES;
    }
}
