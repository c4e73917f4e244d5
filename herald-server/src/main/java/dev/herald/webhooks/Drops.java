package dev.herald.webhooks;

import dev.herald.apps.App;
import dev.herald.metrics.HeraldMetrics;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts the webhook events Herald gives up, per app, type and reason, and says so in the log at
 * most once per app per interval, with the counts since the last line. A flood sheds thousands of
 * events a second; a line for each would bury the log (and cost more than the events did).
 * Thread-safe: the intake sheds on event loops, the outboxes on the webhook thread.
 */
final class Drops {

    static final Duration DEFAULT_LOG_INTERVAL = Duration.ofSeconds(10);
    private static final Logger log = LoggerFactory.getLogger(Drops.class);

    /** Why events were given up; the value of the {@code reason} tag. */
    enum Reason {
        /** The intake between the event loops and the webhook thread was full. */
        QUEUE_FULL("queue_full"),
        /** The target's outbox was full: its receiver is slower than the app's events. */
        OUTBOX_FULL("outbox_full"),
        /** Retried for the whole retry window without a 2xx. */
        EXPIRED("expired");

        final String tag;

        Reason(String tag) {
            this.tag = tag;
        }
    }

    private static final int REASONS = Reason.values().length;
    private static final int SLOTS = EventType.values().length * REASONS;

    private final HeraldMetrics metrics;
    private final LongSupplier nanoClock;
    private final long intervalNanos;
    private final ConcurrentHashMap<String, AppDrops> apps = new ConcurrentHashMap<>();

    /** One app's counters, created on its first drop. */
    private final class AppDrops {
        final String appId;
        final AtomicReferenceArray<Counter> counters = new AtomicReferenceArray<>(SLOTS);
        final LongAdder[] sinceLast = new LongAdder[SLOTS];
        final AtomicLong lastLogNanos;
        volatile String lastFailure;

        AppDrops(String appId) {
            this.appId = appId;
            for (int i = 0; i < SLOTS; i++) {
                sinceLast[i] = new LongAdder();
            }
            // the first drop is reported at once
            lastLogNanos = new AtomicLong(nanoClock.getAsLong() - intervalNanos);
        }

        Counter counter(EventType type, Reason reason) {
            int slot = slot(type, reason);
            Counter c = counters.get(slot);
            if (c == null) {
                c = metrics.webhookEventsDropped(appId, type.wireName(), reason.tag);
                counters.set(slot, c);
            }
            return c;
        }
    }

    /**
     * @param nanoClock {@link System#nanoTime} outside tests
     * @param logInterval the shortest time between two summaries for one app
     */
    Drops(HeraldMetrics metrics, LongSupplier nanoClock, Duration logInterval) {
        this.metrics = metrics;
        this.nanoClock = nanoClock;
        this.intervalNanos = logInterval.toNanos();
    }

    private static int slot(EventType type, Reason reason) {
        return type.ordinal() * REASONS + reason.ordinal();
    }

    void dropped(App app, EventType type, Reason reason, long events) {
        dropped(app, type, reason, events, null);
    }

    /**
     * @param failure why the last attempt failed, for {@link Reason#EXPIRED}; else {@code null}
     */
    void dropped(App app, EventType type, Reason reason, long events, String failure) {
        AppDrops drops = apps.computeIfAbsent(app.id(), AppDrops::new);
        drops.counter(type, reason).increment(events);
        drops.sinceLast[slot(type, reason)].add(events);
        if (failure != null) {
            drops.lastFailure = failure;
        }
        report(drops);
    }

    /**
     * The events given up for the app since the node started, by type and reason, those with a
     * count only; any thread.
     */
    List<WebhookReport.DropCount> counts(String appId) {
        AppDrops drops = apps.get(appId);
        if (drops == null) {
            return List.of();
        }
        List<WebhookReport.DropCount> counts = new ArrayList<>();
        for (int i = 0; i < SLOTS; i++) {
            Counter c = drops.counters.get(i);
            long n = c == null ? 0 : (long) c.count();
            if (n > 0) {
                counts.add(
                        new WebhookReport.DropCount(
                                EventType.byOrdinal(i / REASONS).wireName(),
                                Reason.values()[i % REASONS].tag,
                                n));
            }
        }
        return counts;
    }

    /**
     * Logs the summaries that are due; the webhook thread calls it every interval for trailing
     * drops.
     */
    void reportDue() {
        for (AppDrops drops : apps.values()) {
            report(drops);
        }
    }

    private void report(AppDrops drops) {
        long now = nanoClock.getAsLong();
        long last = drops.lastLogNanos.get();
        if (now - last < intervalNanos) {
            return;
        }
        StringJoiner counts = new StringJoiner(", ");
        long total = 0;
        for (int i = 0; i < SLOTS; i++) {
            long n = drops.sinceLast[i].sum();
            if (n > 0) {
                counts.add(
                        EventType.byOrdinal(i / REASONS).wireName()
                                + ' '
                                + Reason.values()[i % REASONS].tag
                                + '='
                                + n);
                total += n;
            }
        }
        if (total == 0 || !drops.lastLogNanos.compareAndSet(last, now)) {
            return;
        }
        for (LongAdder a : drops.sinceLast) {
            a.reset();
        }
        String failure = drops.lastFailure;
        drops.lastFailure = null;
        log.warn(
                "webhooks of app {}: {} events dropped since the last report ({}){}",
                drops.appId,
                total,
                counts,
                failure == null ? "" : "; last failure: " + failure);
    }
}
