package dev.herald.bench.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * Parent and child generator processes talk in JSON lines. The parent writes the {@code
 * FleetConfig} as the first line on the child's stdin, then commands ({@code start}, {@code
 * activity}, {@code stop}, {@code storm <epoch nanos>}, {@code close}); the child writes {@code
 * hello}, a {@code snap} every 100 ms (cumulative counters and compressed interval histograms), in
 * reconnect-storm a {@code wait} when its clients waiting for a marker change, and {@code bye}.
 * Closing the child's stdin has the same effect as {@code close}.
 */
final class ChildProtocol {
    static final String START = "start";
    static final String ACTIVITY = "activity";
    static final String STOP = "stop";
    static final String CLOSE = "close";

    /** {@code storm <epoch nanos>}: reconnect-storm's moment; closes after it are the storm's. */
    static final String STORM = "storm";

    static final long SNAP_INTERVAL_MS = 100;

    /**
     * reconnect-storm: how often a child looks whether its clients waiting for a marker changed,
     * and if so writes {@code {"type":"wait","w":[marker channel numbers]}}: the markers go only to
     * channels with a client waiting, so this is part of every back time.
     */
    static final long WAIT_INTERVAL_MS = 10;

    static final ObjectMapper JSON =
            new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private ChildProtocol() {}
}
