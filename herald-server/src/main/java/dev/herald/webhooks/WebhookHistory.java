package dev.herald.webhooks;

import dev.herald.apps.App;
import dev.herald.apps.WebhookTarget;
import dev.herald.internal.Redact;
import dev.herald.protocol.ClientInput;
import dev.herald.webhooks.WebhookReport.Outcome;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * What the console shows of webhooks: the delivery log (the last {@value #LOG_PER_TARGET} batches
 * of each target, without their bodies) and the replay store (the bodies of batches given up, kept
 * so that an operator can send them again).
 *
 * <p>Both are bounded, and neither by anything a client sends: a log entry holds counts, the
 * webhook event names (a fixed vocabulary), ids Herald makes and a failure reason cut to {@value
 * #MAX_REASON_CHARS} characters, so an event's name or data never reaches it; the store holds a
 * body, and its bounds count the body's bytes:
 *
 * <ul>
 *   <li>log: {@value #LOG_PER_TARGET} entries per target and {@value #LOG_MAX_ENTRIES} entries on
 *       the node; past that the log of the target that delivered least recently goes whole;
 *   <li>store: per app, the last {@value #KEPT_MAX_BATCHES} batches and {@value #KEPT_MAX_BYTES}
 *       bytes, whichever is reached first evicting the oldest; {@value #KEPT_MAX_TOTAL_BYTES} bytes
 *       for all apps together, past which the app holding the most evicts its oldest. A batch
 *       larger than an app's whole share is not kept. Every eviction is counted per app.
 * </ul>
 *
 * Batches shed from a full outbox are logged as {@link Outcome#SHED}; their events are not kept
 * (they were shed to free memory). Thread-safe: the webhook thread writes, the console reads and
 * claims batches for replay; one monitor guards it all, held for a few field updates, or for one
 * app's copy when the console asks.
 */
final class WebhookHistory {

    /** Batches logged per target. */
    static final int LOG_PER_TARGET = 50;

    /** Log entries on the node, all targets together. */
    static final int LOG_MAX_ENTRIES = 50_000;

    /** Failed batches kept per app. */
    static final int KEPT_MAX_BATCHES = 100;

    /** Bytes of failed batches kept per app. */
    static final long KEPT_MAX_BYTES = 10L << 20;

    /** Bytes of failed batches kept on the node, all apps together. */
    static final long KEPT_MAX_TOTAL_BYTES = 64L << 20;

    /** Characters of a failure's reason kept: it may come from a receiver's answer. */
    static final int MAX_REASON_CHARS = 120;

    /** The longest id Herald makes; a longer one asked for is not looked up. */
    static final int MAX_ID_CHARS = 40;

    /**
     * A log entry's heap besides its strings: the object and its fields, its slot in the log, the
     * array of counts by type it shares with its batch.
     */
    static final int ENTRY_BYTES = 192;

    /** A String object and its array header. */
    private static final int STRING_BYTES = 40;

    /**
     * The most one entry is counted for: its id, the replayed id and its reason at their longest.
     */
    static final long ENTRY_MAX_BYTES =
            ENTRY_BYTES
                    + 2L * (STRING_BYTES + 2L * MAX_ID_CHARS)
                    + STRING_BYTES
                    + 2L * MAX_REASON_CHARS;

    /** The most one target's log is counted for. */
    static final long LOG_MAX_BYTES_PER_TARGET = LOG_PER_TARGET * ENTRY_MAX_BYTES;

    /** A kept batch's heap besides its body and id. */
    private static final int KEPT_BYTES = 256;

    static final String SHED_REASON = "outbox full";
    static final String SHED_NOT_KEPT = "shed from a full outbox: its events were not kept";
    static final String TOO_LARGE = "larger than an app's share of the replay store: not kept";
    static final String EVICTED = "evicted from the replay store by newer failures";
    static final String BEING_REPLAYED = "being replayed now";

    private final LongSupplier clock;

    /** Every target's log, the least recently active first. */
    private final LinkedHashMap<LogKey, TargetLog> logs = new LinkedHashMap<>(16, 0.75f, true);

    private final Map<String, AppKept> kept = new HashMap<>();
    private int logEntries;
    private long logBytes;

    /** Orders changes made within one millisecond. */
    private long changes;

    private long keptBytes;

    /** A target's log is per app and per target as configured, as its outbox is. */
    private record LogKey(String appId, WebhookTarget target) {}

    private static final class TargetLog {
        final String url;

        /** Oldest activity first. */
        final ArrayDeque<Entry> entries = new ArrayDeque<>();

        long bytes;

        TargetLog(String url) {
            this.url = url;
        }
    }

    /** One batch in the log. Changed only under the history's monitor. */
    static final class Entry {
        final String id;
        final String url;
        final long time;
        final int events;
        final int[] typeCounts;
        final EventType firstType;
        final long bodyBytes;
        final String replayOf;
        long at;
        long order;
        int status;
        String reason;
        int attempts;
        long latencyMs = -1;
        long nextRetryAt = -1;
        Outcome outcome;
        String notKept;

        /** The id of the replay that delivered this failed batch, else {@code null}. */
        String replayedAs;

        Entry(Batch batch, String url) {
            this.id = batch.id();
            this.url = url;
            this.time = batch.createdMillis();
            this.events = batch.events();
            this.typeCounts = batch.typeCounts();
            this.firstType = batch.firstType();
            this.bodyBytes = batch.body().length;
            this.replayOf = batch.replayOf() == null ? null : batch.replayOf().id;
        }

        long bytes() {
            return ENTRY_BYTES
                    + STRING_BYTES
                    + 2L * id.length()
                    + (replayOf == null ? 0 : STRING_BYTES + 2L * replayOf.length())
                    + (reason == null ? 0 : STRING_BYTES + 2L * reason.length());
        }
    }

    /** A failed batch kept for replay: its body and where it went. */
    static final class Kept {
        final String id;
        final App app;
        final WebhookTarget target;
        final String url;
        final long time;
        final int events;
        final int[] typeCounts;
        final int rank;
        final EventType firstType;
        final int bodyBytes;
        final Entry entry;

        /** The events, until the batch leaves the store: a replay on its way holds no body. */
        byte[] body;

        long failedAt;
        long order;
        int status;
        String reason;
        int attempts;
        boolean stored = true;
        boolean replaying;

        Kept(App app, WebhookTarget target, Batch batch, Entry entry) {
            this.id = batch.id();
            this.app = app;
            this.target = target;
            this.url = entry.url;
            this.time = batch.createdMillis();
            this.events = batch.events();
            this.typeCounts = batch.typeCounts();
            this.rank = batch.rank();
            this.firstType = batch.firstType();
            this.body = batch.body();
            this.bodyBytes = body.length;
            this.entry = entry;
            failedAgain(entry);
        }

        void failedAgain(Entry last) {
            failedAt = last.at;
            order = last.order;
            status = last.status;
            reason = last.reason;
            attempts = last.attempts;
        }

        long bytes() {
            return KEPT_BYTES + bodyBytes + STRING_BYTES + 2L * id.length();
        }
    }

    /** One app's kept batches, oldest first, and what its bounds evicted. */
    private static final class AppKept {
        final ArrayDeque<Kept> batches = new ArrayDeque<>();
        long bytes;
        long evictedByCount;
        long evictedByBytes;
        long evictedNodeWide;
        long tooLarge;
    }

    /** A batch handed to a replay with its events, or why none was. */
    record Claim(Kept kept, byte[] body, ReplayResult refusal) {}

    /**
     * @param clock the wall clock of the log's times, milliseconds since the epoch
     */
    WebhookHistory(LongSupplier clock) {
        this.clock = clock;
    }

    // -- the webhook thread reports

    /**
     * An attempt was answered (or failed without an answer).
     *
     * @param entry the batch's entry from its previous attempt, or {@code null} on its first
     * @return the batch's entry, to pass on its next attempt
     */
    synchronized Entry attempted(
            Entry entry, App app, WebhookTarget target, Batch batch, TargetOutbox.Attempt attempt) {
        TargetLog log = log(app.id(), target);
        if (entry == null) {
            entry = new Entry(batch, log.url);
        } else if (log.entries.remove(entry)) {
            // moved to the newest place below, and counted again with its new reason
            forget(log, entry);
        }
        entry.at = clock.getAsLong();
        entry.order = ++changes;
        entry.status = attempt.status();
        entry.reason = cut(attempt.reason());
        entry.attempts = attempt.number();
        entry.latencyMs = attempt.latencyMs();
        entry.nextRetryAt = attempt.nextRetryAt();
        entry.outcome = attempt.outcome();
        add(log, entry);
        Kept replayed = batch.replayOf();
        switch (attempt.outcome()) {
            case DELIVERED -> {
                if (replayed != null && replayed.stored) {
                    remove(replayed);
                    replayed.entry.replayedAs = entry.id;
                }
            }
            case FAILED -> {
                if (replayed != null && replayed.stored) {
                    // the same events failed again: the batch already kept stands for them
                    replayed.replaying = false;
                    replayed.failedAgain(entry);
                } else {
                    keep(app, target, batch, entry);
                }
            }
            default -> {}
        }
        return entry;
    }

    /** A retry is being sent: none is scheduled while it is in flight. */
    synchronized void retryStarted(Entry entry) {
        entry.nextRetryAt = -1;
    }

    /** A batch was shed from a full outbox before any attempt. */
    synchronized void shed(App app, WebhookTarget target, Batch batch) {
        TargetLog log = log(app.id(), target);
        Entry entry = new Entry(batch, log.url);
        entry.at = clock.getAsLong();
        entry.order = ++changes;
        entry.reason = SHED_REASON;
        entry.outcome = Outcome.SHED;
        entry.notKept = SHED_NOT_KEPT;
        add(log, entry);
        Kept replayed = batch.replayOf();
        if (replayed != null) {
            // the replay is gone, the batch it replays is still kept: it can be replayed again
            replayed.replaying = false;
        }
    }

    private TargetLog log(String appId, WebhookTarget target) {
        return logs.computeIfAbsent(
                new LogKey(appId, target), k -> new TargetLog(Redact.url(target.url().toString())));
    }

    private void add(TargetLog log, Entry entry) {
        log.entries.addLast(entry);
        long bytes = entry.bytes();
        log.bytes += bytes;
        logBytes += bytes;
        logEntries++;
        while (log.entries.size() > LOG_PER_TARGET) {
            forget(log, log.entries.pollFirst());
        }
        Iterator<TargetLog> eldest = logs.values().iterator();
        while (logEntries > LOG_MAX_ENTRIES && eldest.hasNext()) {
            TargetLog victim = eldest.next();
            if (victim != log) {
                eldest.remove();
                logEntries -= victim.entries.size();
                logBytes -= victim.bytes;
            }
        }
    }

    private void forget(TargetLog log, Entry entry) {
        long bytes = entry.bytes();
        log.bytes -= bytes;
        logBytes -= bytes;
        logEntries--;
    }

    private static String cut(String reason) {
        return reason == null || reason.length() <= MAX_REASON_CHARS
                ? reason
                : reason.substring(0, MAX_REASON_CHARS);
    }

    private void keep(App app, WebhookTarget target, Batch batch, Entry entry) {
        AppKept own = kept.computeIfAbsent(app.id(), k -> new AppKept());
        Kept batchKept = new Kept(app, target, batch, entry);
        long bytes = batchKept.bytes();
        if (bytes > KEPT_MAX_BYTES) {
            own.tooLarge++;
            entry.notKept = TOO_LARGE;
            return;
        }
        own.batches.addLast(batchKept);
        own.bytes += bytes;
        keptBytes += bytes;
        while (own.batches.size() > KEPT_MAX_BATCHES) {
            evict(own);
            own.evictedByCount++;
        }
        while (own.bytes > KEPT_MAX_BYTES) {
            evict(own);
            own.evictedByBytes++;
        }
        while (keptBytes > KEPT_MAX_TOTAL_BYTES) {
            AppKept largest = null;
            for (AppKept a : kept.values()) {
                if (!a.batches.isEmpty() && (largest == null || a.bytes > largest.bytes)) {
                    largest = a;
                }
            }
            evict(largest);
            largest.evictedNodeWide++;
        }
    }

    private void evict(AppKept from) {
        Kept oldest = from.batches.pollFirst();
        take(from, oldest);
        oldest.entry.notKept = EVICTED;
    }

    private void remove(Kept batch) {
        AppKept from = kept.get(batch.app.id());
        if (from != null && from.batches.remove(batch)) {
            take(from, batch);
        }
    }

    private void take(AppKept from, Kept batch) {
        long bytes = batch.bytes();
        from.bytes -= bytes;
        keptBytes -= bytes;
        batch.stored = false;
        batch.body = null;
    }

    // -- the console asks

    /**
     * Hands a kept batch to a replay: it stays kept, not replayable, until the replay is delivered
     * (then it goes), fails or is shed (then it can be replayed again).
     */
    synchronized Claim claim(String appId, String id) {
        AppKept own = kept.get(appId);
        if (own != null) {
            for (Kept batch : own.batches) {
                if (batch.id.equals(id)) {
                    if (batch.replaying) {
                        return refused(ReplayResult.Status.NOT_REPLAYABLE, id, BEING_REPLAYED);
                    }
                    batch.replaying = true;
                    return new Claim(batch, batch.body, null);
                }
            }
        }
        Entry logged = find(appId, id);
        if (logged == null) {
            return refused(
                    ReplayResult.Status.NOT_FOUND,
                    id,
                    "not found: no batch of app "
                            + ClientInput.quote(appId)
                            + " has this id on this node");
        }
        String why =
                switch (logged.outcome) {
                    case DELIVERED -> "already delivered";
                    case RETRYING -> "still being retried";
                    case SHED -> SHED_NOT_KEPT;
                    case FAILED ->
                            logged.replayedAs != null
                                    ? "already replayed: delivered as " + logged.replayedAs
                                    : logged.notKept != null ? logged.notKept : EVICTED;
                };
        return refused(ReplayResult.Status.NOT_REPLAYABLE, id, why);
    }

    private static Claim refused(ReplayResult.Status status, String id, String why) {
        return new Claim(null, null, ReplayResult.refused(status, "batch " + id + ": " + why));
    }

    /** A claimed batch that could not be handed over after all. */
    synchronized void release(Kept batch) {
        batch.replaying = false;
    }

    private Entry find(String appId, String id) {
        for (Map.Entry<LogKey, TargetLog> log : logs.entrySet()) {
            if (log.getKey().appId().equals(appId)) {
                for (Entry entry : log.getValue().entries) {
                    if (entry.id.equals(id)) {
                        return entry;
                    }
                }
            }
        }
        return null;
    }

    /** A copy of what this node holds for the app; {@code drops} is added as given. */
    synchronized WebhookReport report(String appId, List<WebhookReport.DropCount> drops) {
        AppKept own = kept.getOrDefault(appId, new AppKept());
        Map<String, Kept> keptById = new HashMap<>();
        for (Kept batch : own.batches) {
            keptById.put(batch.id, batch);
        }
        List<WebhookReport.TargetLog> targets = new ArrayList<>();
        List<Listed> failed = new ArrayList<>();
        for (Map.Entry<LogKey, TargetLog> e : logs.entrySet()) {
            if (!e.getKey().appId().equals(appId)) {
                continue;
            }
            TargetLog log = e.getValue();
            List<WebhookReport.Delivery> deliveries = new ArrayList<>();
            for (Iterator<Entry> it = log.entries.descendingIterator(); it.hasNext(); ) {
                Entry entry = it.next();
                Kept batch = keptById.get(entry.id);
                deliveries.add(delivery(entry, batch != null && !batch.replaying));
                boolean given = entry.outcome == Outcome.FAILED || entry.outcome == Outcome.SHED;
                // a failed replay of a batch still kept is that batch, listed once below
                boolean standsFor = entry.replayOf != null && keptById.containsKey(entry.replayOf);
                if (given && batch == null && !standsFor && entry.replayedAs == null) {
                    failed.add(new Listed(entry.order, notKept(entry)));
                }
            }
            targets.add(new WebhookReport.TargetLog(log.url, deliveries));
        }
        // the most recently active target first, as its entries are
        Collections.reverse(targets);
        for (Kept batch : own.batches) {
            failed.add(new Listed(batch.order, kept(batch)));
        }
        failed.sort(
                Comparator.comparingLong((Listed l) -> l.batch().failedAt())
                        .thenComparingLong(Listed::order)
                        .reversed());
        return new WebhookReport(
                appId,
                targets,
                failed.stream().map(Listed::batch).toList(),
                drops,
                new WebhookReport.Kept(
                        own.batches.size(),
                        own.bytes,
                        own.evictedByCount,
                        own.evictedByBytes,
                        own.evictedNodeWide,
                        own.tooLarge));
    }

    /** A batch given up, and the order it was given up in. */
    private record Listed(long order, WebhookReport.FailedBatch batch) {}

    private static WebhookReport.Delivery delivery(Entry e, boolean replayable) {
        return new WebhookReport.Delivery(
                e.id,
                e.time,
                e.url,
                e.events,
                types(e.typeCounts),
                e.firstType.wireName(),
                e.bodyBytes,
                e.status,
                e.reason,
                e.attempts,
                e.latencyMs,
                e.nextRetryAt < 0 ? null : e.nextRetryAt,
                e.outcome,
                replayable,
                e.replayOf);
    }

    private static WebhookReport.FailedBatch notKept(Entry e) {
        return new WebhookReport.FailedBatch(
                e.id,
                e.time,
                e.at,
                e.url,
                e.events,
                types(e.typeCounts),
                e.bodyBytes,
                e.outcome,
                e.status,
                e.reason,
                e.attempts,
                false,
                e.notKept != null ? e.notKept : EVICTED);
    }

    private static WebhookReport.FailedBatch kept(Kept b) {
        return new WebhookReport.FailedBatch(
                b.id,
                b.time,
                b.failedAt,
                b.url,
                b.events,
                types(b.typeCounts),
                b.bodyBytes,
                Outcome.FAILED,
                b.status,
                b.reason,
                b.attempts,
                !b.replaying,
                b.replaying ? BEING_REPLAYED : null);
    }

    private static Map<String, Integer> types(int[] counts) {
        Map<String, Integer> types = new LinkedHashMap<>();
        for (int t = 0; t < counts.length; t++) {
            if (counts[t] > 0) {
                types.put(EventType.byOrdinal(t).wireName(), counts[t]);
            }
        }
        return Collections.unmodifiableMap(types);
    }

    // -- for tests and gauges

    synchronized int logEntries() {
        return logEntries;
    }

    synchronized long logBytes() {
        return logBytes;
    }

    /** The bytes one target's log is counted for, 0 if it has none. */
    synchronized long logBytes(String appId, WebhookTarget target) {
        TargetLog log = logs.get(new LogKey(appId, target));
        return log == null ? 0 : log.bytes;
    }

    synchronized long keptBytes() {
        return keptBytes;
    }
}
