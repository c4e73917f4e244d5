package dev.herald.activity;

import java.util.Map;

/**
 * One app's figures over a span, node by node: {@code connections.get(node)[i]} belongs to the step
 * that starts at {@code start + i * span.stepMillis()}.
 */
public record StatsSeries(
        Span span, long start, Map<String, long[]> connections, Map<String, long[]> messages) {

    public enum Span {
        HOUR(10_000, 360),
        DAY(60_000, 1_440);

        private final long stepMillis;
        private final int steps;

        Span(long stepMillis, int steps) {
            this.stepMillis = stepMillis;
            this.steps = steps;
        }

        public long stepMillis() {
            return stepMillis;
        }

        public int steps() {
            return steps;
        }

        /** The first step of a span whose last step holds {@code now}. */
        public long start(long now) {
            return (now - now % stepMillis) - (long) (steps - 1) * stepMillis;
        }
    }

    public StatsSeries {
        connections = Map.copyOf(connections);
        messages = Map.copyOf(messages);
    }

    /** Every node's figures added up, step by step. */
    public long[] totalConnections() {
        return sum(connections);
    }

    public long[] totalMessages() {
        return sum(messages);
    }

    private long[] sum(Map<String, long[]> byNode) {
        long[] total = new long[span.steps()];
        for (long[] one : byNode.values()) {
            for (int i = 0; i < total.length && i < one.length; i++) {
                total[i] += one[i];
            }
        }
        return total;
    }
}
