package dev.herald.webhooks;

import dev.herald.apps.App;
import dev.herald.apps.WebhookTarget;
import dev.herald.internal.Redact;
import dev.herald.webhooks.WebhookReport.Outcome;
import io.micrometer.core.instrument.Counter;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batches waiting for one (app, target) pair, delivered one at a time and in order. A failed
 * attempt (non-2xx, timeout, refused connection) is retried with exponential backoff and jitter
 * until the batch is older than the retry window, then dropped and counted. The queue is bounded in
 * batches and in bytes, the one in flight included, so a receiver that never recovers costs a fixed
 * amount of memory. When a batch does not fit, the waiting batch with the lowest rank (its
 * highest-ranked event, see {@link EventType}) no higher than the new one's goes, oldest first; if
 * every waiting batch outranks the new one, the new one goes. Each answer and each shed batch is
 * reported to the {@link WebhookHistory} and the {@link Listener}. Confined to the webhook thread,
 * except the HTTP client's completion, which hands back to it.
 */
final class TargetOutbox {

    private static final Logger log = LoggerFactory.getLogger(TargetOutbox.class);
    private static final long FIRST_BACKOFF_MILLIS = 500;
    private static final long MAX_BACKOFF_MILLIS = 30_000;

    private final App app;
    private final WebhookTarget target;
    private final WebhookSettings settings;
    private final WebhookSender sender;
    private final WebhookThread thread;
    private final Counters counters;
    private final Drops drops;
    private final WebhookHistory history;
    private final Listener listener;
    private final ArrayDeque<Batch> queue = new ArrayDeque<>();
    private long bytes;
    private long peakBytes;
    private boolean inFlight;
    private int attempts;

    /** The log entry of the batch in flight, once its first attempt was answered. */
    private WebhookHistory.Entry logged;

    /**
     * One attempt's result.
     *
     * @param number 1 for the first attempt
     * @param status the HTTP status, or -1 when there was none
     * @param reason why there was none ({@code timeout}, {@code connection refused}...), else
     *     {@code null}
     * @param latencyMs from the request to its answer or failure
     * @param outcome the batch's state after it
     * @param nextRetryAt when the next attempt is due, epoch milliseconds; -1 if none
     */
    record Attempt(
            int number,
            int status,
            String reason,
            long latencyMs,
            Outcome outcome,
            long nextRetryAt) {}

    /** Hears of every attempt's result, on the webhook thread (the debug stream). */
    interface Listener {
        void attempted(App app, WebhookTarget target, Batch batch, Attempt attempt);
    }

    /** The meters one outbox updates. */
    record Counters(
            Counter sent,
            Counter failed,
            Counter retried,
            Counter droppedExpired,
            Counter droppedFull) {}

    TargetOutbox(
            App app,
            WebhookTarget target,
            WebhookSettings settings,
            WebhookSender sender,
            WebhookThread thread,
            Counters counters,
            Drops drops,
            WebhookHistory history,
            Listener listener) {
        this.app = app;
        this.target = target;
        this.settings = settings;
        this.sender = sender;
        this.thread = thread;
        this.counters = counters;
        this.drops = drops;
        this.history = history;
        this.listener = listener;
    }

    int depth() {
        return queue.size();
    }

    /** Bytes held by the waiting batches and the one in flight. */
    long bytes() {
        return bytes;
    }

    /** The most bytes this outbox ever held: never above its bound. */
    long peakBytes() {
        return peakBytes;
    }

    boolean idle() {
        return queue.isEmpty() && !inFlight;
    }

    void enqueue(Batch batch) {
        while (queue.size() >= settings.outboxLimit()
                || bytes + batch.bytes() > settings.outboxMaxBytes()) {
            if (!removeLowestWaiting(batch.rank())) {
                dropped(batch, Drops.Reason.OUTBOX_FULL, null);
                counters.droppedFull().increment();
                return;
            }
        }
        queue.addLast(batch);
        bytes += batch.bytes();
        peakBytes = Math.max(peakBytes, bytes);
        sendNext();
    }

    /**
     * Drops the oldest waiting batch of the lowest rank not above {@code maxRank}; false if none.
     */
    private boolean removeLowestWaiting(int maxRank) {
        Batch victim = null;
        Iterator<Batch> it = queue.iterator();
        if (inFlight && it.hasNext()) {
            it.next(); // the head is being sent
        }
        while (it.hasNext()) {
            Batch b = it.next();
            if (b.rank() <= maxRank && (victim == null || b.rank() < victim.rank())) {
                victim = b;
            }
        }
        if (victim == null) {
            return false;
        }
        removeWaiting(victim);
        bytes -= victim.bytes();
        counters.droppedFull().increment();
        dropped(victim, Drops.Reason.OUTBOX_FULL, null);
        return true;
    }

    private void removeWaiting(Batch victim) {
        Iterator<Batch> it = queue.iterator();
        if (inFlight && it.hasNext()) {
            it.next();
        }
        while (it.hasNext()) {
            if (it.next() == victim) {
                it.remove();
                return;
            }
        }
    }

    private void dropped(Batch batch, Drops.Reason reason, String failure) {
        if (reason == Drops.Reason.OUTBOX_FULL) {
            history.shed(app, target, batch);
        }
        int[] counts = batch.typeCounts();
        for (int t = 0; t < counts.length; t++) {
            if (counts[t] > 0) {
                drops.dropped(app, EventType.byOrdinal(t), reason, counts[t], failure);
            }
        }
    }

    private void sendNext() {
        if (inFlight || queue.isEmpty()) {
            return;
        }
        inFlight = true;
        attempts = 0;
        logged = null;
        attempt();
    }

    private void attempt() {
        Batch batch = queue.peekFirst();
        attempts++;
        if (logged != null) {
            history.retryStarted(logged);
        }
        long sent = thread.nanoTime();
        sender.post(target.url(), app.key(), batch.signature(), batch.body())
                .whenComplete(
                        (status, error) -> {
                            // measured here, not when the webhook thread gets to it
                            long latency = thread.nanoTime() - sent;
                            thread.execute(() -> completed(batch, status, error, latency));
                        });
    }

    private void completed(Batch batch, Integer status, Throwable error, long latencyNanos) {
        long latencyMs = TimeUnit.NANOSECONDS.toMillis(latencyNanos);
        if (error == null && status / 100 == 2) {
            counters.sent().increment();
            report(batch, new Attempt(attempts, status, null, latencyMs, Outcome.DELIVERED, -1));
            finish();
            return;
        }
        counters.failed().increment();
        int code = error != null ? -1 : status;
        String reason = error != null ? reason(error) : null;
        String why =
                error != null
                        ? String.valueOf(error.getCause() != null ? error.getCause() : error)
                        : "HTTP " + status;
        long age = thread.nanoTime() - batch.createdNanos();
        if (age >= settings.retryFor().toNanos()) {
            counters.droppedExpired().increment();
            log.debug(
                    "webhook batch of {} events for app {} -> {} dropped after {} attempts over {} s: {}",
                    batch.events(),
                    app.id(),
                    target.url(),
                    attempts,
                    TimeUnit.NANOSECONDS.toSeconds(age),
                    why);
            dropped(batch, Drops.Reason.EXPIRED, target.url() + ": " + why);
            report(batch, new Attempt(attempts, code, reason, latencyMs, Outcome.FAILED, -1));
            finish();
            return;
        }
        counters.retried().increment();
        long backoff =
                Math.min(MAX_BACKOFF_MILLIS, FIRST_BACKOFF_MILLIS << Math.min(attempts - 1, 16));
        long jittered = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
        log.debug(
                "webhook to {} failed ({}), attempt {}; retrying in {} ms",
                Redact.url(target.url().toString()),
                why,
                attempts,
                jittered);
        report(
                batch,
                new Attempt(
                        attempts,
                        code,
                        reason,
                        latencyMs,
                        Outcome.RETRYING,
                        thread.currentTimeMillis() + jittered));
        thread.schedule(this::attempt, jittered);
    }

    private void report(Batch batch, Attempt attempt) {
        logged = history.attempted(logged, app, target, batch, attempt);
        listener.attempted(app, target, batch, attempt);
    }

    /**
     * A failure in a few words for the delivery log: the kinds a receiver's operator acts on by
     * name, else the exception's own message, cut to {@value WebhookHistory#MAX_REASON_CHARS}
     * characters (and any password in it masked).
     */
    static String reason(Throwable error) {
        Throwable e = error;
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        // a few causes deep: a chain that loops back on itself ends here too
        Throwable c = e;
        for (int depth = 0; c != null && depth < 8; c = c.getCause(), depth++) {
            if (c instanceof HttpTimeoutException) {
                return "timeout";
            }
            if (c instanceof ConnectException) {
                String message = c.getMessage();
                // the JDK's client says nothing when the port refuses
                return message == null || message.toLowerCase(Locale.ROOT).contains("refused")
                        ? "connection refused"
                        : cut("cannot connect: " + message);
            }
            if (c instanceof UnknownHostException || c instanceof UnresolvedAddressException) {
                return "unknown host";
            }
            if (c instanceof javax.net.ssl.SSLException) {
                return "TLS failure";
            }
        }
        String message = e.getMessage();
        return cut(
                e.getClass().getSimpleName()
                        + (message == null || message.isEmpty() ? "" : ": " + message));
    }

    /** At most {@value WebhookHistory#MAX_REASON_CHARS} characters, passwords masked. */
    private static String cut(String text) {
        // masked before the cut, so no password is left half-shown; the regex sees a bounded text
        int room = 4 * WebhookHistory.MAX_REASON_CHARS;
        String masked = Redact.url(text.length() > room ? text.substring(0, room) : text);
        return masked.length() > WebhookHistory.MAX_REASON_CHARS
                ? masked.substring(0, WebhookHistory.MAX_REASON_CHARS)
                : masked;
    }

    private void finish() {
        bytes -= queue.pollFirst().bytes();
        inFlight = false;
        logged = null;
        sendNext();
    }
}
