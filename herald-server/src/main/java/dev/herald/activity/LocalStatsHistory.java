package dev.herald.activity;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The history of one node, in memory: per app and node, a ring of 360 ten-second steps and one of
 * 1,440 minutes, each slot stamped with its step so a stale slot reads as 0.
 */
public final class LocalStatsHistory implements StatsHistory {

    private final Map<String, Map<String, Rings>> apps = new ConcurrentHashMap<>();

    @Override
    public LocalStatsHistory start() {
        return this;
    }

    @Override
    public void record(String node, String appId, long stepStart, long connections, long messages) {
        Rings rings =
                apps.computeIfAbsent(appId, k -> new ConcurrentHashMap<>())
                        .computeIfAbsent(node, k -> new Rings());
        synchronized (rings) {
            rings.hour.put(stepStart, connections, messages);
            rings.recordMinute(stepStart, connections, messages);
        }
    }

    @Override
    public StatsSeries series(String appId, StatsSeries.Span span, long now) {
        long start = span.start(now);
        Map<String, long[]> connections = new HashMap<>();
        Map<String, long[]> messages = new HashMap<>();
        apps.getOrDefault(appId, Map.of())
                .forEach(
                        (node, rings) -> {
                            long[] c = new long[span.steps()];
                            long[] m = new long[span.steps()];
                            synchronized (rings) {
                                Ring ring = span == StatsSeries.Span.HOUR ? rings.hour : rings.day;
                                for (int i = 0; i < span.steps(); i++) {
                                    ring.read(start + i * span.stepMillis(), c, m, i);
                                }
                            }
                            connections.put(node, c);
                            messages.put(node, m);
                        });
        return new StatsSeries(span, start, connections, messages);
    }

    @Override
    public void close() {
        apps.clear();
    }

    private static final class Rings {
        final Ring hour = new Ring(StatsSeries.Span.HOUR);
        final Ring day = new Ring(StatsSeries.Span.DAY);

        /** Steps of this minute already counted, so recording a step again replaces it. */
        private final Map<Long, long[]> minuteSteps = new HashMap<>();

        private long minute = -1;

        void recordMinute(long stepStart, long connections, long messages) {
            long start = stepStart - stepStart % StatsSeries.Span.DAY.stepMillis();
            if (start != minute) {
                minute = start;
                minuteSteps.clear();
            }
            minuteSteps.put(stepStart, new long[] {connections, messages});
            long peak = 0;
            long sum = 0;
            for (long[] step : minuteSteps.values()) {
                peak = Math.max(peak, step[0]);
                sum += step[1];
            }
            day.put(start, peak, sum);
        }
    }

    private static final class Ring {
        final StatsSeries.Span span;
        final long[] stamps;
        final long[] connections;
        final long[] messages;

        Ring(StatsSeries.Span span) {
            this.span = span;
            this.stamps = new long[span.steps()];
            this.connections = new long[span.steps()];
            this.messages = new long[span.steps()];
            Arrays.fill(stamps, -1);
        }

        void put(long stepStart, long c, long m) {
            int i = slot(stepStart);
            stamps[i] = stepStart;
            connections[i] = c;
            messages[i] = m;
        }

        void read(long stepStart, long[] c, long[] m, int into) {
            int i = slot(stepStart);
            if (stamps[i] == stepStart) {
                c[into] = connections[i];
                m[into] = messages[i];
            }
        }

        private int slot(long stepStart) {
            return (int) Math.floorMod(stepStart / span.stepMillis(), (long) span.steps());
        }
    }
}
