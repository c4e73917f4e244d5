package dev.herald.bench.run;

import dev.herald.bench.stats.Snapshot;
import java.util.BitSet;
import java.util.Map;

/** A share of the WebSocket connections: in this process or in a child process. */
interface Worker extends AutoCloseable {
    /** Starts the ramp-up; returns at once. */
    void start();

    void startActivity();

    void stopActivity();

    /** reconnect-storm: arms the storm, due at {@code at} (Clock.now() epoch nanos). */
    void storm(long at);

    /**
     * reconnect-storm: the marker channels (by number) with a client of this share waiting for a
     * marker, as last known; not to be modified.
     */
    BitSet waitingMarkers();

    /** Latest cumulative counters; any thread. */
    long[] counters();

    /** Counters and histograms since the previous call; the sampler thread only. */
    Snapshot snapshot();

    Map<String, Long> errors();

    String transportName();

    /** Closes the connections and waits for them (and the process) to end. */
    @Override
    void close();
}
