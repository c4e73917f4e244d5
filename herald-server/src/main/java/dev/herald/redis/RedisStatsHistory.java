package dev.herald.redis;

import dev.herald.activity.StatsHistory;
import dev.herald.activity.StatsSeries;
import dev.herald.apps.AppIds;
import dev.herald.internal.Fatal;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every node's connections and messages per app in Redis, so a restarted node and every other node
 * chart them.
 *
 * <p>Per app and node one hash holds two rings, like the local engine's: 360 ten-second slots and
 * 1,440 minute slots, each value stamped with its step, so the hash never grows past 1,800 fields
 * and a slot from an older lap reads as 0. Recording a step is one script, which also recomputes
 * the step's minute from the 10-second steps of that minute (most connections, sum of messages), so
 * recording a step again replaces it in both spans. An index per app lists the nodes that recorded,
 * scored by their last step; a node silent for longer than {@link #KEEP} leaves it, and every key
 * expires {@link #KEEP} after its last write, so a vanished node's figures, and an app's, go by
 * themselves. Reading a span, hour or day, every node's, is one script: one round trip.
 */
public final class RedisStatsHistory implements StatsHistory {

    private static final Logger log = LoggerFactory.getLogger(RedisStatsHistory.class);

    /** The longest span and 10 minutes more, so nothing still charted has expired. */
    static final Duration KEEP = Duration.ofDays(1).plusMinutes(10);

    /**
     * The largest figure recorded: six of them still add up exactly in Lua's numbers (doubles), far
     * beyond any real count.
     */
    static final long MAX_FIGURE = 1_000_000_000_000_000L;

    private final RedisClusterAsyncCommands<String, String> async;
    private final RedisClusterCommands<String, String> sync;
    private final RedisKeys keys;

    public RedisStatsHistory(RedisConnections connections) {
        this.async = connections.commands();
        this.sync = connections.sync();
        this.keys = connections.keys();
    }

    @Override
    public RedisStatsHistory start() {
        return this;
    }

    /**
     * Sends the step to Redis without waiting.
     *
     * @throws IllegalArgumentException for an invalid app id or node id, a step not on a multiple
     *     of {@link #STEP_MILLIS}, or a figure below 0 or over {@link #MAX_FIGURE}
     */
    @Override
    public void record(String node, String appId, long stepStart, long connections, long messages) {
        checkApp(appId);
        Relay.nodeId(node);
        if (stepStart < 0 || stepStart % STEP_MILLIS != 0) {
            throw new IllegalArgumentException(
                    "a step starts on a multiple of " + STEP_MILLIS + " ms: " + stepStart);
        }
        checkFigure("connections", connections);
        checkFigure("messages", messages);
        try {
            async.<Long>eval(
                            Scripts.STATS_RECORD,
                            ScriptOutputType.INTEGER,
                            new String[] {keys.statsNodes(appId), keys.statsRings(appId, node)},
                            node,
                            Long.toString(stepStart),
                            Long.toString(connections),
                            Long.toString(messages),
                            Long.toString(KEEP.toMillis()),
                            Long.toString(StatsSeries.Span.HOUR.stepMillis()),
                            Integer.toString(StatsSeries.Span.HOUR.steps()),
                            Long.toString(StatsSeries.Span.DAY.stepMillis()),
                            Integer.toString(StatsSeries.Span.DAY.steps()))
                    .whenComplete(
                            (v, error) -> {
                                if (error != null) {
                                    notRecorded(appId, error);
                                }
                            });
        } catch (RuntimeException e) {
            notRecorded(appId, e); // the connections are closed
        }
    }

    /**
     * Asks Redis and waits for its answer (one round trip, up to the connection's timeout), so call
     * it off the event loops.
     *
     * @throws IllegalStateException when Redis does not answer
     */
    @Override
    public StatsSeries series(String appId, StatsSeries.Span span, long now) {
        checkApp(appId);
        if (now < 0) {
            throw new IllegalArgumentException("now is before the epoch: " + now);
        }
        long start = span.start(now);
        List<Object> flat;
        try {
            flat =
                    sync.eval(
                            Scripts.STATS_SERIES,
                            ScriptOutputType.MULTI,
                            new String[] {keys.statsNodes(appId)},
                            keys.statsRingsPrefix(appId),
                            span == StatsSeries.Span.HOUR ? "h" : "d",
                            Long.toString(start),
                            Long.toString(span.stepMillis()),
                            Integer.toString(span.steps()),
                            Integer.toString(span.steps()));
        } catch (RuntimeException e) {
            Fatal.surface(e);
            throw new IllegalStateException(
                    "Redis did not answer for the stats of app " + appId + ": " + e.getMessage(),
                    e);
        }
        Map<String, long[]> connections = new HashMap<>();
        Map<String, long[]> messages = new HashMap<>();
        for (int i = 0; i + 2 < flat.size(); i += 3) {
            String node = (String) flat.get(i);
            connections.put(node, figures(flat.get(i + 1), span.steps()));
            messages.put(node, figures(flat.get(i + 2), span.steps()));
        }
        return new StatsSeries(span, start, connections, messages);
    }

    private static void notRecorded(String appId, Throwable error) {
        Fatal.surface(error);
        log.debug("stats of app {} not recorded in Redis: {}", appId, error.toString());
    }

    private static long[] figures(Object list, int steps) {
        long[] figures = new long[steps];
        List<?> values = (List<?>) list;
        for (int i = 0; i < steps && i < values.size(); i++) {
            figures[i] = ((Number) values.get(i)).longValue();
        }
        return figures;
    }

    private static void checkApp(String appId) {
        if (!AppIds.isValid(appId)) {
            throw new IllegalArgumentException(AppIds.problem(appId));
        }
    }

    private static void checkFigure(String name, long value) {
        if (value < 0 || value > MAX_FIGURE) {
            throw new IllegalArgumentException(
                    name + " must be from 0 to " + MAX_FIGURE + ": " + value);
        }
    }

    /**
     * Waits up to 2 s for the figures recorded so far to reach Redis; the connections stay open,
     * they belong to {@link RedisConnections}.
     */
    @Override
    public void close() {
        try {
            // Redis answers one connection's commands in order: this comes back after every write
            async.ping().get(2, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            log.debug("stats not all recorded before closing: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
