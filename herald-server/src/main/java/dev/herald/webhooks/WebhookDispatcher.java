package dev.herald.webhooks;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.herald.activity.ActivityEvent;
import dev.herald.activity.ActivityTap;
import dev.herald.apps.App;
import dev.herald.apps.WebhookTarget;
import dev.herald.auth.Authenticators;
import dev.herald.auth.HmacSigner;
import dev.herald.cluster.ClusterView;
import dev.herald.internal.Redact;
import dev.herald.metrics.HeraldMetrics;
import dev.herald.observers.ChannelObserver;
import dev.herald.observers.ClusterObserver;
import dev.herald.protocol.ChannelKind;
import dev.herald.protocol.ClientInput;
import dev.herald.protocol.Json;
import dev.herald.protocol.Member;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns channel changes into signed, batched webhooks (docs/protocol.md §6).
 *
 * <p>Observer calls arrive on event loops (cluster decisions, in a cluster, on Redis client and
 * heartbeat threads) and only put the event in the {@link Intake}: per-app queues bounded together
 * in events and bytes, which shed by {@link EventType} rank and by fair share when full. They never
 * queue a task: at most one drain task is ever waiting, so a flood costs the intake's bound and no
 * more. One dedicated webhook thread owns all other state:
 *
 * <ul>
 *   <li>the 3 s debounce of {@code channel_vacated} and {@code member_removed} (a return within it
 *       cancels both the removal and the re-add, so a page reload sends nothing), for at most
 *       {@value #MAX_PENDING_REMOVALS} keys; past that, removals are sent without the wait;
 *   <li>one batch per (app, target, rank), with that target's filters applied before the body is
 *       built and signed; a batch holds events of one rank, so its rank is all of theirs;
 *   <li>one {@link TargetOutbox} per target, bounded in batches and bytes.
 * </ul>
 *
 * The thread's own task queue stays bounded by construction: one drain, the drop report, one timer
 * per pending removal, batch and outbox, one completion per request in flight (one per outbox) and
 * at most {@value #MAX_ASYNC} answers from the cluster (removal marks, subscription counts); the
 * drain pauses while that many are outstanding. The HTTP client runs on its own small executor with
 * a bounded queue ({@link WebhookSender#http}). Everything shed is counted per app, type and reason
 * and summarised in the log by {@link Drops}.
 *
 * <p>For the console, each batch's attempts go to a bounded delivery log, and batches given up to a
 * bounded replay store ({@link WebhookHistory}); {@link #report} and {@link #replay} read them from
 * any thread. Each attempt is also reported to the debug stream ({@link ActivityTap}) while someone
 * watches the app.
 */
public final class WebhookDispatcher implements ChannelObserver, ClusterObserver, AutoCloseable {

    /**
     * Debounced removals held at once; more would let a channel-name flood grow the timer queue.
     */
    static final int MAX_PENDING_REMOVALS = 10_000;

    /** Cluster look-ups outstanding at once, before the drain waits for answers. */
    static final int MAX_ASYNC = 1_024;

    /** Events taken from the intake per drain task, so timers and completions interleave. */
    private static final int DRAIN_CHUNK = 64;

    private static final Logger log = LoggerFactory.getLogger(WebhookDispatcher.class);

    private final WebhookSettings settings;
    private final RemovalMarks marks;
    private final ClusterView view;
    private final Authenticators authenticators;
    private final HeraldMetrics metrics;
    private final Drops drops;
    private final Intake intake;
    private final WebhookThread thread;
    private final WebhookSender sender;
    private final ActivityTap tap;
    private final String node;
    private final WebhookHistory history;

    /** Batch ids: random per start, so that an id from before a restart finds nothing. */
    private final String idPrefix;

    private final AtomicLong ids = new AtomicLong();
    private final AtomicBoolean tapFailed = new AtomicBoolean();

    /** Each app as its last batch saw it: a replay is signed with its secret of now. */
    private final Map<String, App> latestApps = new HashMap<>();

    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final DrainTask drain = new DrainTask();
    private final Map<String, PendingRemoval> pendingRemovals = new HashMap<>();
    private final Map<String, Pending> batches = new HashMap<>();
    private final Map<String, TargetOutbox> outboxes = new HashMap<>();
    private final List<WebhookEvent> drained = new ArrayList<>(DRAIN_CHUNK);
    private int asyncInFlight;
    private volatile int queueDepth;
    private volatile long outboxBytes;

    /** A removal waiting out the debounce. */
    private record PendingRemoval(Future<?> timer, WebhookEvent event) {}

    /** Events gathered for one (app, target) pair, waiting to become a batch. */
    private static final class Pending {
        final App app;
        final WebhookTarget target;
        final List<ObjectNode> events = new ArrayList<>();
        final int[] typeCounts = new int[EventType.values().length];
        int rank;
        EventType firstType;
        long bytes;
        Future<?> timer;

        final String outboxKey;

        Pending(App app, WebhookTarget target, String outboxKey) {
            this.app = app;
            this.target = target;
            this.outboxKey = outboxKey;
        }
    }

    public WebhookDispatcher(
            WebhookSettings settings,
            Authenticators authenticators,
            HeraldMetrics metrics,
            ClusterView view) {
        this(settings, authenticators, metrics, view, RemovalMarks.LOCAL);
    }

    /**
     * @param view where cluster-wide counts come from ({@code subscription_count})
     * @param marks how the removal debounce spans nodes
     */
    public WebhookDispatcher(
            WebhookSettings settings,
            Authenticators authenticators,
            HeraldMetrics metrics,
            ClusterView view,
            RemovalMarks marks) {
        this(settings, authenticators, metrics, view, marks, ActivityTap.NOOP, "local");
    }

    /**
     * @param view where cluster-wide counts come from ({@code subscription_count})
     * @param marks how the removal debounce spans nodes
     * @param tap where each attempt is reported while someone watches the app's debug stream
     * @param node this node's name in what is reported there
     */
    public WebhookDispatcher(
            WebhookSettings settings,
            Authenticators authenticators,
            HeraldMetrics metrics,
            ClusterView view,
            RemovalMarks marks,
            ActivityTap tap,
            String node) {
        this(
                settings,
                authenticators,
                metrics,
                view,
                marks,
                WebhookThread.guarded("herald-webhooks"),
                WebhookSender.http(settings.timeout()),
                tap,
                node);
    }

    /**
     * @param thread where the state lives and the timers run, and the clocks they read
     * @param sender how batches reach their receivers
     */
    WebhookDispatcher(
            WebhookSettings settings,
            Authenticators authenticators,
            HeraldMetrics metrics,
            ClusterView view,
            RemovalMarks marks,
            WebhookThread thread,
            WebhookSender sender) {
        this(
                settings,
                authenticators,
                metrics,
                view,
                marks,
                thread,
                sender,
                ActivityTap.NOOP,
                "local");
    }

    WebhookDispatcher(
            WebhookSettings settings,
            Authenticators authenticators,
            HeraldMetrics metrics,
            ClusterView view,
            RemovalMarks marks,
            WebhookThread thread,
            WebhookSender sender,
            ActivityTap tap,
            String node) {
        this.tap = Objects.requireNonNull(tap, "tap");
        this.node = Objects.requireNonNull(node, "node");
        this.history = new WebhookHistory(thread::currentTimeMillis);
        StringBuilder prefix = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            prefix.append(Character.forDigit(ThreadLocalRandom.current().nextInt(36), 36));
        }
        this.idPrefix = prefix.append('-').toString();
        this.view = view;
        this.marks = marks;
        this.settings = settings;
        this.authenticators = authenticators;
        this.metrics = metrics;
        this.thread = thread;
        this.sender = sender;
        this.drops = new Drops(metrics, thread::nanoTime, Drops.DEFAULT_LOG_INTERVAL);
        this.intake = new Intake(settings.queueMaxBytes(), settings.queueMaxEvents(), drops);
        thread.scheduleWithFixedDelay(drops::reportDue, Drops.DEFAULT_LOG_INTERVAL.toMillis());
        metrics.webhookQueueDepth(() -> queueDepth);
        metrics.webhookHeldBytes("queue", intake::bytes);
        metrics.webhookHeldBytes("outbox", () -> outboxBytes);
    }

    // -- observer: called on event loops, hands off at once

    @Override
    public void channelOccupied(App app, String channel) {
        if (wants(app, "channel_occupied", "channel_vacated")) {
            submit(WebhookEvent.of(app, EventType.CHANNEL_OCCUPIED, channel));
        }
    }

    @Override
    public void channelVacated(App app, String channel) {
        if (wants(app, "channel_occupied", "channel_vacated")) {
            submit(WebhookEvent.of(app, EventType.CHANNEL_VACATED, channel));
        }
    }

    @Override
    public void memberAdded(App app, String channel, Member member, String socketId) {
        if (wants(app, "member_added", "member_removed")) {
            submit(WebhookEvent.member(app, EventType.MEMBER_ADDED, channel, member.userId()));
        }
    }

    @Override
    public void memberRemoved(App app, String channel, String userId) {
        if (wants(app, "member_added", "member_removed")) {
            submit(WebhookEvent.member(app, EventType.MEMBER_REMOVED, channel, userId));
        }
    }

    @Override
    public void cacheMiss(App app, String channel) {
        if (wants(app, "cache_miss", "cache_miss")) {
            submit(WebhookEvent.of(app, EventType.CACHE_MISS, channel));
        }
    }

    @Override
    public void subscriptionCountChanged(App app, String channel, int count) {
        // like the client-side event, subscription_count webhooks belong to apps that turn the
        // feature on
        if (app.features().subscriptionCount()
                && wants(app, "subscription_count", "subscription_count")
                && !ChannelKind.of(channel).isPresence()
                && !ChannelKind.of(channel).isHidden()) {
            submit(WebhookEvent.count(app, channel, count));
        }
    }

    @Override
    public void clientEvent(
            App app, String channel, String event, String data, String socketId, String userId) {
        if (wants(app, "client_event", "client_event")) {
            submit(WebhookEvent.client(app, channel, event, data, socketId, userId));
        }
    }

    private void submit(WebhookEvent event) {
        intake.offer(event);
        wake();
    }

    /**
     * Schedules the drain unless it is already waiting: the only task an event loop ever queues.
     */
    private void wake() {
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                thread.execute(drain);
            } catch (RejectedExecutionException closed) {
                // shutting down: what is left in the intake is not sent
            }
        }
    }

    private static boolean wants(App app, String type, String pairedType) {
        for (WebhookTarget target : app.webhooks()) {
            if (target.wantsType(type) || target.wantsType(pairedType)) {
                return true;
            }
        }
        return false;
    }

    // -- on the webhook thread

    /** Takes a chunk of events from the intake and handles them, then makes way for timers. */
    private final class DrainTask implements Runnable {
        @Override
        public void run() {
            int room = Math.min(DRAIN_CHUNK, MAX_ASYNC - asyncInFlight);
            if (room > 0) {
                drained.clear();
                intake.drainTo(drained, room);
                for (WebhookEvent event : drained) {
                    handle(event);
                }
                drained.clear();
            }
            // cleared only now, so the next drain is queued behind the timers that fell due
            // meanwhile
            // (a batch's flush, a debounce) rather than ahead of them
            drainScheduled.set(false);
            if (!intake.isEmpty() && asyncInFlight < MAX_ASYNC) {
                wake();
            }
            // else, with no room, an answer from the cluster wakes the drain again
        }
    }

    private void handle(WebhookEvent e) {
        switch (e.type()) {
            case CHANNEL_OCCUPIED, MEMBER_ADDED -> arrived(e);
            case CHANNEL_VACATED, MEMBER_REMOVED -> leaving(e);
            case SUBSCRIPTION_COUNT ->
                    async(
                            view.subscriptionCount(e.app().id(), e.channel()),
                            (total, error) ->
                                    emit(
                                            e,
                                            json(e).put(
                                                            "subscription_count",
                                                            error != null
                                                                    ? e.localCount()
                                                                    : total)));
            case CLIENT_EVENT, CACHE_MISS -> emit(e, json(e));
        }
    }

    private static ObjectNode json(WebhookEvent e) {
        ObjectNode node =
                Json.MAPPER
                        .createObjectNode()
                        .put("name", e.type().wireName())
                        .put("channel", e.channel());
        if (e.type() == EventType.CLIENT_EVENT) {
            node.put("event", e.event()).put("data", e.data()).put("socket_id", e.socketId());
        }
        if (e.userId() != null) {
            node.put("user_id", e.userId());
        }
        return node;
    }

    /**
     * Waits for a cluster answer without blocking; the answer is handled on this thread. Counted,
     * so the drain stops taking events while {@value #MAX_ASYNC} answers are outstanding.
     */
    private <T> void async(CompletionStage<T> stage, BiConsumer<T, Throwable> then) {
        asyncInFlight++;
        stage.whenComplete(
                (value, error) ->
                        thread.execute(
                                () -> {
                                    asyncInFlight--;
                                    then.accept(value, error);
                                    if (asyncInFlight < MAX_ASYNC && !intake.isEmpty()) {
                                        wake();
                                    }
                                }));
    }

    private static String key(App app, String channel, String userId) {
        return app.id() + '|' + channel + (userId == null ? "" : '|' + userId);
    }

    /**
     * An occupation or join: if it cancels a pending removal, here or on another node, neither is
     * sent.
     */
    private void arrived(WebhookEvent event) {
        String key = key(event.app(), event.channel(), event.userId());
        PendingRemoval pending = pendingRemovals.remove(key);
        if (pending != null) {
            pending.timer().cancel(false);
            marks.clear(key);
            return;
        }
        async(
                marks.clear(key),
                (cancelledElsewhere, error) -> {
                    if (!Boolean.TRUE.equals(cancelledElsewhere)) {
                        emit(event, json(event));
                    }
                });
    }

    private void leaving(WebhookEvent event) {
        String key = key(event.app(), event.channel(), event.userId());
        if (pendingRemovals.size() >= MAX_PENDING_REMOVALS && !pendingRemovals.containsKey(key)) {
            emit(event, json(event)); // too many waiting: no debounce for this one
            return;
        }
        marks.mark(key);
        Future<?> timer =
                thread.schedule(() -> debounced(key, event), settings.debounce().toMillis());
        PendingRemoval previous = pendingRemovals.put(key, new PendingRemoval(timer, event));
        if (previous != null) {
            previous.timer().cancel(false);
        }
    }

    private void debounced(String key, WebhookEvent event) {
        pendingRemovals.remove(key);
        async(
                marks.confirm(key),
                (stillGone, error) -> {
                    if (error != null || Boolean.TRUE.equals(stillGone)) {
                        emit(event, json(event));
                    }
                });
    }

    /**
     * Adds the event to each interested target's batch; a batch goes when full in events or bytes,
     * or old.
     */
    private void emit(WebhookEvent e, ObjectNode event) {
        App app = e.app();
        EventType type = e.type();
        for (WebhookTarget target : app.webhooks()) {
            if (!target.wants(type.wireName(), e.channel())) {
                continue;
            }
            String outboxKey = outboxKey(app, target);
            // one batch per rank, so shedding a batch of junk never takes an occupancy event along
            String key = outboxKey + '\u0000' + type.rank();
            Pending pending =
                    batches.computeIfAbsent(key, k -> new Pending(app, target, outboxKey));
            pending.events.add(event);
            pending.typeCounts[type.ordinal()]++;
            pending.rank = Math.max(pending.rank, type.rank());
            if (pending.firstType == null) {
                pending.firstType = type;
            }
            pending.bytes += e.bytes();
            if (pending.events.size() >= settings.batchMaxEvents()
                    || pending.bytes >= maxBatchBytes()) {
                flush(key, pending);
            } else if (pending.timer == null) {
                pending.timer =
                        thread.schedule(
                                () -> flush(key, pending), settings.batchMaxWait().toMillis());
            }
        }
    }

    /**
     * A batch this large goes at once: a batch of large client events must fit its outbox several
     * times over, or each would be dropped whole as it arrives.
     */
    private long maxBatchBytes() {
        return settings.outboxMaxBytes() / 8;
    }

    private void flush(String key, Pending pending) {
        if (pending.timer != null) {
            pending.timer.cancel(false);
            pending.timer = null;
        }
        if (pending.events.isEmpty()) {
            return;
        }
        batches.remove(key);
        long now = thread.currentTimeMillis();
        byte[] body = body(now, pending.events);
        HmacSigner signer = authenticators.signer(pending.app);
        Batch batch =
                new Batch(
                        nextId(),
                        body,
                        signer.signHex(body),
                        pending.events.size(),
                        pending.typeCounts,
                        pending.rank,
                        pending.firstType,
                        thread.nanoTime(),
                        now,
                        null);
        latestApps.put(pending.app.id(), pending.app);
        outboxes.computeIfAbsent(pending.outboxKey, k -> outbox(pending.app, pending.target))
                .enqueue(batch);
        updateDepth();
    }

    private static String outboxKey(App app, WebhookTarget target) {
        return app.id() + '\u0000' + target;
    }

    private String nextId() {
        return idPrefix + Long.toString(ids.incrementAndGet(), 36);
    }

    private TargetOutbox outbox(App app, WebhookTarget target) {
        return new TargetOutbox(
                app,
                target,
                settings,
                sender,
                thread,
                new TargetOutbox.Counters(
                        metrics.webhooksSent(app.id()),
                        metrics.webhookAttemptsFailed(app.id()),
                        metrics.webhooksRetried(app.id()),
                        metrics.webhooksDropped(app.id(), "expired"),
                        metrics.webhooksDropped(app.id(), "outbox_full")),
                drops,
                history,
                this::attempted);
    }

    /** One attempt, to the debug stream, while someone watches the app. */
    private void attempted(App app, WebhookTarget target, Batch batch, TargetOutbox.Attempt a) {
        if (!tap.watching(app.id())) {
            return;
        }
        Map<String, Object> details = new HashMap<>();
        details.put("target", Redact.url(target.url().toString()));
        details.put("status", a.status());
        details.put("attempt", a.number());
        details.put("latency_ms", a.latencyMs());
        details.put("events", batch.events());
        details.put("outcome", a.outcome().wireName());
        details.put("batch", batch.id());
        if (a.reason() != null) {
            details.put("reason", a.reason());
        }
        if (a.nextRetryAt() >= 0) {
            details.put("next_retry_at", a.nextRetryAt());
        }
        try {
            tap.record(
                    new ActivityEvent(
                            thread.currentTimeMillis(),
                            node,
                            app.id(),
                            ActivityEvent.Kind.WEBHOOK,
                            null,
                            null,
                            batch.firstType().wireName(),
                            -1,
                            null,
                            details));
        } catch (RuntimeException e) {
            // the debug stream is for watching: a fault there must not stop an outbox mid-batch
            if (tapFailed.compareAndSet(false, true)) {
                log.warn(
                        "the debug stream refused a webhook attempt; further faults not logged", e);
            }
        }
    }

    // -- for the console: any thread

    /**
     * What this node did with the app's webhooks lately: each target's recent deliveries, the
     * batches given up (kept for replay or not), and the events dropped. A copy, made under the
     * history's monitor (never waiting for the webhook thread); an unknown app has an empty report.
     */
    public WebhookReport report(String appId) {
        Objects.requireNonNull(appId, "appId");
        return history.report(appId, drops.counts(appId));
    }

    /**
     * Sends a failed batch again to the target it failed at, through that target's outbox like any
     * batch: signed afresh (with the app's secret as its last batch saw it), with a new {@code
     * time_ms}, retried and counted as usual, and logged under a new id. The batch stays in the
     * replay store, not replayable meanwhile, until the replay is delivered; if the replay fails or
     * is shed, it can be replayed again. Never waits for the webhook thread.
     *
     * @param batchId an id from {@link #report}
     */
    public ReplayResult replay(String appId, String batchId) {
        Objects.requireNonNull(appId, "appId");
        Objects.requireNonNull(batchId, "batchId");
        if (batchId.length() > WebhookHistory.MAX_ID_CHARS) {
            return ReplayResult.refused(
                    ReplayResult.Status.NOT_FOUND,
                    "batch " + ClientInput.quote(batchId) + ": not found: not an id Herald makes");
        }
        WebhookHistory.Claim claim = history.claim(appId, batchId);
        if (claim.refusal() != null) {
            return claim.refusal();
        }
        WebhookHistory.Kept kept = claim.kept();
        String deliveryId = nextId();
        try {
            // the store's bound bounds these tasks: a batch is claimed once until its replay ends
            thread.execute(() -> resend(kept, claim.body(), deliveryId));
        } catch (RejectedExecutionException closed) {
            history.release(kept);
            return ReplayResult.refused(
                    ReplayResult.Status.UNAVAILABLE, "webhooks are shutting down: not replayed");
        }
        return ReplayResult.replayed(
                "batch " + batchId + " queued again for " + kept.url + " as " + deliveryId,
                deliveryId);
    }

    /** On the webhook thread: the kept events in a new body, signed now, into the outbox. */
    private void resend(WebhookHistory.Kept kept, byte[] keptBody, String deliveryId) {
        App app = latestApps.getOrDefault(kept.app.id(), kept.app);
        WebhookTarget target = kept.target;
        for (WebhookTarget t : app.webhooks()) {
            if (t.url().equals(kept.target.url())) {
                target = t; // the same receiver as configured now: its outbox
                break;
            }
        }
        List<ObjectNode> events = new ArrayList<>(kept.events);
        try {
            for (JsonNode e : Json.MAPPER.readTree(keptBody).path("events")) {
                events.add((ObjectNode) e);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("a kept webhook body does not parse", e);
        }
        long now = thread.currentTimeMillis();
        byte[] body = body(now, events);
        Batch batch =
                new Batch(
                        deliveryId,
                        body,
                        authenticators.signer(app).signHex(body),
                        kept.events,
                        kept.typeCounts,
                        kept.rank,
                        kept.firstType,
                        thread.nanoTime(),
                        now,
                        kept);
        App sendAs = app;
        WebhookTarget sendTo = target;
        outboxes.computeIfAbsent(outboxKey(app, target), k -> outbox(sendAs, sendTo))
                .enqueue(batch);
        updateDepth();
    }

    static byte[] body(long timeMs, List<ObjectNode> events) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + 96 * events.size());
        try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("time_ms", timeMs);
            g.writeArrayFieldStart("events");
            for (ObjectNode e : events) {
                g.writeTree(e);
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private void updateDepth() {
        int depth = 0;
        long held = 0;
        for (TargetOutbox outbox : outboxes.values()) {
            depth += outbox.depth();
            held += outbox.bytes();
        }
        queueDepth = depth;
        outboxBytes = held;
    }

    /** The delivery log and the replay store. */
    WebhookHistory history() {
        return history;
    }

    /** Bytes waiting in the intake now (the dispatcher's own estimate). */
    long queuedBytes() {
        return intake.bytes();
    }

    /** The most bytes the intake ever held at once. */
    long peakQueuedBytes() {
        return intake.peakBytes();
    }

    /** Bytes held by all outboxes, as of the last change. */
    long outboxBytes() {
        return outboxBytes;
    }

    /** The most bytes any one outbox ever held (asked of the webhook thread, which owns them). */
    long peakOutboxBytes() throws Exception {
        return thread.submit(
                        () -> {
                            long peak = 0;
                            for (TargetOutbox outbox : outboxes.values()) {
                                peak = Math.max(peak, outbox.peakBytes());
                            }
                            return peak;
                        })
                .get();
    }

    /**
     * Sends what is pending now (debounced removals included) and waits up to {@code grace} for the
     * outboxes to drain, then stops the webhook thread.
     */
    public void close(Duration grace) {
        try {
            thread.submit(
                            () -> {
                                // shutting down: what the event loops handed over is handled now
                                while (intake.drainTo(drained, DRAIN_CHUNK) > 0) {
                                    drained.forEach(WebhookDispatcher.this::handle);
                                    drained.clear();
                                }
                                // ... and removals still waiting are final
                                for (PendingRemoval pending :
                                        new ArrayList<>(pendingRemovals.values())) {
                                    pending.timer().cancel(false);
                                    emit(pending.event(), json(pending.event()));
                                }
                                pendingRemovals.clear();
                                for (Map.Entry<String, Pending> e :
                                        new ArrayList<>(batches.entrySet())) {
                                    flush(e.getKey(), e.getValue());
                                }
                                return null;
                            })
                    .get(grace.toMillis(), TimeUnit.MILLISECONDS);
            // the grace is the process's own time, whatever clock the thread keeps
            long deadline = System.nanoTime() + grace.toNanos();
            while (System.nanoTime() < deadline && !thread.submit(this::allIdle).get()) {
                Thread.sleep(50);
            }
        } catch (Exception e) {
            log.warn("webhooks not fully flushed at shutdown: {}", e.toString());
        } finally {
            thread.shutdownNow();
            sender.close();
            drops.reportDue();
        }
    }

    private boolean allIdle() {
        updateDepth();
        for (TargetOutbox outbox : outboxes.values()) {
            if (!outbox.idle()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
