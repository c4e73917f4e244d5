package dev.herald.bench.run;

/**
 * One second of the timeline.
 *
 * @param t seconds since the run started (end of the interval)
 * @param throughput the scenario's main rate: deliveries/s, requests/s, joins/s, cycles/s
 * @param secondary publishes/s, member events/s or client events sent/s (scenario-dependent)
 * @param p50 latency percentiles of the interval in ms, NaN when nothing was recorded
 */
public record Point(
        double t,
        String phase,
        long open,
        double throughput,
        double secondary,
        double p50,
        double p90,
        double p99,
        double p999,
        double max,
        long count,
        double serverCpuPct,
        double serverRssMb,
        double generatorCpuPct) {}
