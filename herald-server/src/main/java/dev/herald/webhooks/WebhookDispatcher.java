package dev.herald.webhooks;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.herald.apps.App;
import dev.herald.apps.WebhookTarget;
import dev.herald.auth.HmacSigner;
import dev.herald.cluster.ClusterView;
import dev.herald.hub.Authenticators;
import dev.herald.hub.ChannelObserver;
import dev.herald.hub.LocalChannel;
import dev.herald.internal.GuardedExecutor;
import dev.herald.metrics.HeraldMetrics;
import dev.herald.protocol.Json;
import dev.herald.protocol.Member;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns channel changes into signed, batched webhooks (spec §6). Observer calls arrive on event
 * loops and only hand the event to one dedicated webhook thread, which owns all state: the 3 s
 * debounce of {@code channel_vacated} and {@code member_removed} (a return within it cancels both
 * the removal and the re-add, so a page reload sends nothing), one batch per (app, target) with
 * that target's filters applied before the body is built and signed, and one bounded
 * {@link TargetOutbox} per target.
 */
public final class WebhookDispatcher implements ChannelObserver, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WebhookDispatcher.class);

    private final WebhookSettings settings;
    private final RemovalMarks marks;
    private final ClusterView view;
    private final Authenticators authenticators;
    private final HeraldMetrics metrics;
    private final ScheduledExecutorService thread;
    private final HttpClient http;
    private final Map<String, PendingRemoval> pendingRemovals = new HashMap<>();
    private final Map<String, Pending> batches = new HashMap<>();
    private final Map<String, TargetOutbox> outboxes = new HashMap<>();
    private volatile int queueDepth;

    /** A removal waiting out the debounce. */
    private record PendingRemoval(ScheduledFuture<?> timer, App app, ObjectNode event) {
    }

    /** Events gathered for one (app, target) pair, waiting to become a batch. */
    private static final class Pending {
        final App app;
        final WebhookTarget target;
        final List<ObjectNode> events = new ArrayList<>();
        ScheduledFuture<?> timer;

        Pending(App app, WebhookTarget target) {
            this.app = app;
            this.target = target;
        }
    }

    public WebhookDispatcher(WebhookSettings settings, Authenticators authenticators, HeraldMetrics metrics,
            ClusterView view) {
        this(settings, authenticators, metrics, view, RemovalMarks.LOCAL);
    }

    /**
     * @param view  where cluster-wide counts come from ({@code subscription_count})
     * @param marks how the removal debounce spans nodes
     */
    public WebhookDispatcher(WebhookSettings settings, Authenticators authenticators, HeraldMetrics metrics,
            ClusterView view, RemovalMarks marks) {
        this.view = view;
        this.marks = marks;
        this.settings = settings;
        this.authenticators = authenticators;
        this.metrics = metrics;
        this.thread = GuardedExecutor.singleThread("herald-webhooks");
        this.http = HttpClient.newBuilder().connectTimeout(settings.timeout()).executor(thread).build();
        metrics.webhookQueueDepth(() -> queueDepth);
    }

    // -- observer: called on event loops, hands off at once

    @Override
    public void occupied(App app, String channel) {
        if (wants(app, "channel_occupied", "channel_vacated")) {
            thread.execute(() -> arrived(app, channel, null, event("channel_occupied", channel)));
        }
    }

    @Override
    public void vacated(App app, String channel) {
        if (wants(app, "channel_occupied", "channel_vacated")) {
            thread.execute(() -> leaving(app, channel, null, event("channel_vacated", channel)));
        }
    }

    @Override
    public void memberAdded(App app, String channel, Member member, String socketId) {
        if (wants(app, "member_added", "member_removed")) {
            String userId = member.userId();
            thread.execute(() -> arrived(app, channel, userId, member("member_added", channel, userId)));
        }
    }

    @Override
    public void memberRemoved(App app, String channel, String userId) {
        if (wants(app, "member_added", "member_removed")) {
            thread.execute(() -> leaving(app, channel, userId, member("member_removed", channel, userId)));
        }
    }

    @Override
    public void cacheMiss(App app, String channel) {
        if (wants(app, "cache_miss", "cache_miss")) {
            thread.execute(() -> emit(app, event("cache_miss", channel)));
        }
    }

    @Override
    public void subscriptionCountChanged(App app, LocalChannel channel) {
        // like the client-side event, subscription_count webhooks belong to apps that turn the feature on
        if (app.features().subscriptionCount() && wants(app, "subscription_count", "subscription_count")
                && !channel.kind().isPresence()
                && !channel.kind().isHidden()) {
            int local = channel.subscriptionCount();
            view.subscriptionCount(app.id(), channel.name()).whenComplete((total, error) -> thread.execute(() ->
                    emit(app, event("subscription_count", channel.name())
                            .put("subscription_count", error != null ? local : total))));
        }
    }

    @Override
    public void clientEvent(App app, String channel, String event, String data, String socketId, String userId) {
        if (wants(app, "client_event", "client_event")) {
            thread.execute(() -> {
                ObjectNode node = event("client_event", channel).put("event", event).put("data", data)
                        .put("socket_id", socketId);
                if (userId != null) {
                    node.put("user_id", userId);
                }
                emit(app, node);
            });
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

    private static ObjectNode event(String name, String channel) {
        return Json.MAPPER.createObjectNode().put("name", name).put("channel", channel);
    }

    private static ObjectNode member(String name, String channel, String userId) {
        return event(name, channel).put("user_id", userId);
    }

    // -- on the webhook thread

    private static String key(App app, String channel, String userId) {
        return app.id() + '|' + channel + (userId == null ? "" : '|' + userId);
    }

    /**
     * An occupation or join: if it cancels a pending removal, here or on another node, neither is
     * sent.
     */
    private void arrived(App app, String channel, String userId, ObjectNode event) {
        String key = key(app, channel, userId);
        PendingRemoval pending = pendingRemovals.remove(key);
        if (pending != null) {
            pending.timer().cancel(false);
            marks.clear(key);
            return;
        }
        marks.clear(key).whenComplete((cancelledElsewhere, error) -> thread.execute(() -> {
            if (!Boolean.TRUE.equals(cancelledElsewhere)) {
                emit(app, event);
            }
        }));
    }

    private void leaving(App app, String channel, String userId, ObjectNode event) {
        String key = key(app, channel, userId);
        marks.mark(key);
        ScheduledFuture<?> timer = thread.schedule(() -> {
            pendingRemovals.remove(key);
            marks.confirm(key).whenComplete((stillGone, error) -> thread.execute(() -> {
                if (error != null || Boolean.TRUE.equals(stillGone)) {
                    emit(app, event);
                }
            }));
        }, settings.debounce().toMillis(), TimeUnit.MILLISECONDS);
        PendingRemoval previous = pendingRemovals.put(key, new PendingRemoval(timer, app, event));
        if (previous != null) {
            previous.timer().cancel(false);
        }
    }

    private void emit(App app, ObjectNode event) {
        String type = event.get("name").asText();
        String channel = event.get("channel").asText();
        for (WebhookTarget target : app.webhooks()) {
            if (!target.wants(type, channel)) {
                continue;
            }
            String key = app.id() + '\u0000' + target;
            Pending pending = batches.computeIfAbsent(key, k -> new Pending(app, target));
            pending.events.add(event);
            if (pending.events.size() >= settings.batchMaxEvents()) {
                flush(key, pending);
            } else if (pending.timer == null) {
                pending.timer = thread.schedule(() -> flush(key, pending), settings.batchMaxWait().toMillis(),
                        TimeUnit.MILLISECONDS);
            }
        }
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
        byte[] body = body(System.currentTimeMillis(), pending.events);
        HmacSigner signer = authenticators.signer(pending.app);
        Batch batch = new Batch(body, signer.signHex(body), pending.events.size(), System.nanoTime());
        outboxes.computeIfAbsent(key, k -> new TargetOutbox(pending.app, pending.target, settings, http, thread,
                new TargetOutbox.Counters(metrics.webhooksSent(pending.app.id()),
                        metrics.webhookAttemptsFailed(pending.app.id()), metrics.webhooksRetried(pending.app.id()),
                        metrics.webhooksDropped(pending.app.id(), "expired"),
                        metrics.webhooksDropped(pending.app.id(), "outbox_full"))))
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
        for (TargetOutbox outbox : outboxes.values()) {
            depth += outbox.depth();
        }
        queueDepth = depth;
    }

    /**
     * Sends what is pending now (debounced removals included) and waits up to {@code grace} for
     * the outboxes to drain, then stops the webhook thread.
     */
    public void close(Duration grace) {
        try {
            thread.submit(() -> {
                // shutting down: removals still waiting are final now
                for (PendingRemoval pending : pendingRemovals.values()) {
                    pending.timer().cancel(false);
                    emit(pending.app(), pending.event());
                }
                pendingRemovals.clear();
                for (Map.Entry<String, Pending> e : new ArrayList<>(batches.entrySet())) {
                    flush(e.getKey(), e.getValue());
                }
            }).get(grace.toMillis(), TimeUnit.MILLISECONDS);
            long deadline = System.nanoTime() + grace.toNanos();
            while (System.nanoTime() < deadline && !thread.submit(this::allIdle).get()) {
                Thread.sleep(50);
            }
        } catch (Exception e) {
            log.warn("webhooks not fully flushed at shutdown: {}", e.toString());
        } finally {
            thread.shutdownNow();
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
