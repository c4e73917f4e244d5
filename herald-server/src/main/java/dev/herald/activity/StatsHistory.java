package dev.herald.activity;

/**
 * Connections and messages per app over the last day, for the console's charts: each node records
 * its own figures every {@link #STEP_MILLIS}; any node reads the cluster's, node by node.
 *
 * <p>Two spans: the last hour in 10-second steps and the last 24 hours in minute steps. A minute's
 * connections are the most seen in any of its 10-second steps, its messages their sum. What is
 * older than its span is forgotten, so the history is bounded by apps × nodes × (360 + 1,440)
 * points. The local engine keeps it in memory; the Redis engine keeps it in Redis, so a restarted
 * node, and every other node, still shows it.
 */
public interface StatsHistory extends AutoCloseable {

    long STEP_MILLIS = 10_000;

    /**
     * Records one node's figures for the 10-second step that starts at {@code stepStart} (a
     * multiple of {@link #STEP_MILLIS}). Recording a step again replaces it.
     *
     * @param connections the app's connections on the node at the end of the step
     * @param messages messages the node counted for the app during the step
     */
    void record(String node, String appId, long stepStart, long connections, long messages);

    /**
     * The app's figures over a span ending at {@code now}, one series per node that recorded any;
     * steps a node did not record are 0.
     */
    StatsSeries series(String appId, StatsSeries.Span span, long now);

    StatsHistory start();

    @Override
    void close();
}
