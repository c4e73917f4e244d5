package dev.herald.webhooks;

import dev.herald.apps.App;
import dev.herald.apps.WebhookTarget;
import io.micrometer.core.instrument.Counter;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayDeque;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batches waiting for one (app, target) pair, delivered one at a time and in order. A failed
 * attempt (non-2xx, timeout, refused connection) is retried with exponential backoff and jitter
 * until the batch is older than the retry window, then dropped and counted. The queue is bounded:
 * when full, the oldest batch is dropped and counted, so a receiver that never recovers costs a
 * fixed amount of memory. Confined to the webhook thread, except the HTTP client's completion,
 * which hands back to it.
 */
final class TargetOutbox {

    private static final Logger log = LoggerFactory.getLogger(TargetOutbox.class);
    private static final long FIRST_BACKOFF_MILLIS = 500;
    private static final long MAX_BACKOFF_MILLIS = 30_000;

    private final App app;
    private final WebhookTarget target;
    private final WebhookSettings settings;
    private final HttpClient http;
    private final ScheduledExecutorService thread;
    private final Counters counters;
    private final ArrayDeque<Batch> queue = new ArrayDeque<>();
    private boolean inFlight;
    private int attempts;

    /** The meters one outbox updates. */
    record Counters(Counter sent, Counter failed, Counter retried, Counter droppedExpired, Counter droppedFull) {
    }

    TargetOutbox(App app, WebhookTarget target, WebhookSettings settings, HttpClient http,
            ScheduledExecutorService thread, Counters counters) {
        this.app = app;
        this.target = target;
        this.settings = settings;
        this.http = http;
        this.thread = thread;
        this.counters = counters;
    }

    int depth() {
        return queue.size();
    }

    boolean idle() {
        return queue.isEmpty() && !inFlight;
    }

    void enqueue(Batch batch) {
        if (queue.size() >= settings.outboxLimit()) {
            Batch dropped = queue.size() > 1 || !inFlight ? removeOldestWaiting() : null;
            if (dropped != null) {
                counters.droppedFull().increment();
                log.warn("webhook outbox for app {} -> {} is full ({} batches): dropped the oldest batch of {} events",
                        app.id(), target.url(), settings.outboxLimit(), dropped.events());
            }
        }
        queue.addLast(batch);
        sendNext();
    }

    /** The oldest batch not being sent right now. */
    private Batch removeOldestWaiting() {
        if (!inFlight) {
            return queue.pollFirst();
        }
        Batch head = queue.pollFirst();
        Batch oldestWaiting = queue.pollFirst();
        queue.addFirst(head);
        return oldestWaiting;
    }

    private void sendNext() {
        if (inFlight || queue.isEmpty()) {
            return;
        }
        inFlight = true;
        attempts = 0;
        attempt();
    }

    private void attempt() {
        Batch batch = queue.peekFirst();
        attempts++;
        HttpRequest request = HttpRequest.newBuilder(target.url())
                .timeout(settings.timeout())
                .header("Content-Type", "application/json")
                .header("X-Pusher-Key", app.key())
                .header("X-Pusher-Signature", batch.signature())
                .POST(HttpRequest.BodyPublishers.ofByteArray(batch.body()))
                .build();
        http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                .whenComplete((response, error) -> thread.execute(() -> completed(batch, response, error)));
    }

    private void completed(Batch batch, HttpResponse<Void> response, Throwable error) {
        if (error == null && response.statusCode() / 100 == 2) {
            counters.sent().increment();
            finish();
            return;
        }
        counters.failed().increment();
        String why = error != null ? String.valueOf(error.getCause() != null ? error.getCause() : error)
                : "HTTP " + response.statusCode();
        long age = System.nanoTime() - batch.createdNanos();
        if (age >= settings.retryFor().toNanos()) {
            counters.droppedExpired().increment();
            log.warn("webhook batch of {} events for app {} -> {} dropped after {} attempts over {} s: {}",
                    batch.events(), app.id(), target.url(), attempts, TimeUnit.NANOSECONDS.toSeconds(age), why);
            finish();
            return;
        }
        counters.retried().increment();
        long backoff = Math.min(MAX_BACKOFF_MILLIS, FIRST_BACKOFF_MILLIS << Math.min(attempts - 1, 16));
        long jittered = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
        log.debug("webhook to {} failed ({}), attempt {}; retrying in {} ms", target.url(), why, attempts, jittered);
        thread.schedule(this::attempt, jittered, TimeUnit.MILLISECONDS);
    }

    private void finish() {
        queue.pollFirst();
        inFlight = false;
        sendNext();
    }
}
