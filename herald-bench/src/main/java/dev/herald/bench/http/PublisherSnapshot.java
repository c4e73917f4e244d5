package dev.herald.bench.http;

import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Cumulative publisher counters plus histograms since the previous snapshot.
 *
 * @param sent requests written
 * @param ok 2xx answers
 * @param failed non-2xx answers
 * @param ioErrors requests lost to a broken connection
 * @param expected deliveries expected from the ok publishes (sum of the channels' subscribers)
 * @param rtt request written to response read, nanoseconds
 * @param lag how late requests were written after their scheduled time, nanoseconds
 */
public record PublisherSnapshot(
        long sent,
        long ok,
        long failed,
        long ioErrors,
        long expected,
        Histogram rtt,
        Histogram lag,
        Map<String, Long> errors) {}
