package dev.herald.webhooks;

import dev.herald.internal.GuardedExecutor;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The one thread that owns the dispatcher's state, its timers and the clocks it reads. An interface
 * so a test can run the dispatcher on its own thread and move time forward itself: debounces, batch
 * waits and retry backoffs are seconds to minutes long.
 */
interface WebhookThread {

    /** Runs the task on the thread, after those already queued; any thread may call it. */
    void execute(Runnable task) throws RejectedExecutionException;

    /**
     * Runs the task once, {@code delayMillis} from now; cancelling the future keeps it from
     * running.
     */
    Future<?> schedule(Runnable task, long delayMillis);

    /** Runs the task every {@code periodMillis}, measured from the end of the last run. */
    void scheduleWithFixedDelay(Runnable task, long periodMillis);

    /** Runs the task on the thread and answers its result through the future. */
    <T> Future<T> submit(Callable<T> task);

    /** The monotonic clock of timeouts and ages, as {@link System#nanoTime()}. */
    long nanoTime();

    /** The wall clock of the bodies' {@code time_ms}, as {@link System#currentTimeMillis()}. */
    long currentTimeMillis();

    /** Stops the thread; queued and scheduled tasks do not run. */
    void shutdownNow();

    /** A daemon thread named {@code name} on the system clocks. */
    static WebhookThread guarded(String name) {
        // guarded: a fatal error in a webhook task halts the node instead of vanishing in its
        // future
        GuardedExecutor executor = GuardedExecutor.singleThread(name);
        // a cancelled debounce leaves the queue at once rather than when it would have fired
        executor.setRemoveOnCancelPolicy(true);
        return new WebhookThread() {
            @Override
            public void execute(Runnable task) {
                executor.execute(task);
            }

            @Override
            public Future<?> schedule(Runnable task, long delayMillis) {
                return executor.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
            }

            @Override
            public void scheduleWithFixedDelay(Runnable task, long periodMillis) {
                executor.scheduleWithFixedDelay(
                        task, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
            }

            @Override
            public <T> Future<T> submit(Callable<T> task) {
                return executor.submit(task);
            }

            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public long currentTimeMillis() {
                return System.currentTimeMillis();
            }

            @Override
            public void shutdownNow() {
                executor.shutdownNow();
            }
        };
    }
}
