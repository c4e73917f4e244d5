package dev.herald.webhooks;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.PriorityQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;

/**
 * The webhook thread as the test's own: tasks run on the test's thread when it calls {@link
 * #runReady()} or {@link #advance}, and time moves only when the test moves it. Timers fall due in
 * order of their time, then of their scheduling; a failing task fails the test.
 */
final class ManualWebhookThread implements WebhookThread {

    /** Any wall-clock start: bodies carry {@code time_ms} from it. */
    static final long START_MILLIS = 1_700_000_000_000L;

    private final ArrayDeque<Runnable> ready = new ArrayDeque<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private long nanos;
    private long scheduled;
    private boolean shutDown;

    /**
     * A task due at a time: once ({@code task}) or every {@code periodNanos} ({@code repeated}).
     */
    private record Timer(
            long dueNanos, long order, FutureTask<?> task, Runnable repeated, long periodNanos)
            implements Comparable<Timer> {
        @Override
        public int compareTo(Timer other) {
            int byTime = Long.compare(dueNanos, other.dueNanos);
            return byTime != 0 ? byTime : Long.compare(order, other.order);
        }
    }

    @Override
    public synchronized void execute(Runnable task) {
        if (shutDown) {
            throw new RejectedExecutionException("shut down");
        }
        ready.addLast(task);
    }

    @Override
    public synchronized Future<?> schedule(Runnable task, long delayMillis) {
        FutureTask<?> future = new FutureTask<>(task, null);
        timers.add(
                new Timer(
                        nanos + Duration.ofMillis(delayMillis).toNanos(),
                        scheduled++,
                        future,
                        null,
                        0));
        return future;
    }

    @Override
    public synchronized void scheduleWithFixedDelay(Runnable task, long periodMillis) {
        long period = Duration.ofMillis(periodMillis).toNanos();
        timers.add(new Timer(nanos + period, scheduled++, null, task, period));
    }

    /** Runs what is queued first, as the real thread would before a task submitted now. */
    @Override
    public <T> Future<T> submit(Callable<T> task) {
        runReady();
        FutureTask<T> future = new FutureTask<>(task);
        future.run();
        return future;
    }

    @Override
    public synchronized long nanoTime() {
        return nanos;
    }

    @Override
    public synchronized long currentTimeMillis() {
        return START_MILLIS + Duration.ofNanos(nanos).toMillis();
    }

    @Override
    public synchronized void shutdownNow() {
        shutDown = true;
        ready.clear();
        timers.clear();
    }

    /** Runs the queued tasks, and those they queue, until none is left. */
    void runReady() {
        for (Runnable task; (task = poll()) != null; ) {
            task.run();
        }
    }

    private synchronized Runnable poll() {
        return ready.pollFirst();
    }

    /**
     * Moves time forward by {@code time}, running each timer at its own time and what it queues.
     */
    void advance(Duration time) {
        long until;
        synchronized (this) {
            until = nanos + time.toNanos();
        }
        runReady();
        for (Timer due; (due = nextDue(until)) != null; ) {
            if (due.repeated() != null) {
                due.repeated().run();
                synchronized (this) {
                    if (shutDown) {
                        return;
                    }
                    timers.add(
                            new Timer(
                                    nanos + due.periodNanos(),
                                    scheduled++,
                                    null,
                                    due.repeated(),
                                    due.periodNanos()));
                }
            } else {
                due.task().run();
                rethrow(due.task());
            }
            runReady();
        }
        synchronized (this) {
            nanos = until;
        }
    }

    private synchronized Timer nextDue(long until) {
        Timer next = timers.peek();
        if (next == null || next.dueNanos() > until) {
            return null;
        }
        timers.poll();
        nanos = next.dueNanos();
        return next;
    }

    private static void rethrow(FutureTask<?> task) {
        if (task.isCancelled()) {
            return;
        }
        try {
            task.get();
        } catch (ExecutionException e) {
            throw new AssertionError("a webhook task failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
