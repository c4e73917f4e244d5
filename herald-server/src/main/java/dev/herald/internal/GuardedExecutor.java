package dev.herald.internal;

import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * A single daemon thread that runs scheduled tasks and {@link Fatal#surface surfaces} a fatal error
 * thrown by one of them.
 *
 * <p>A plain scheduled executor keeps whatever a task throws inside the task's future, where nobody
 * looks: an {@link OutOfMemoryError} on Herald's webhook or cluster thread would leave the process
 * running without that thread's work. This one inspects each finished task instead.
 */
public final class GuardedExecutor extends ScheduledThreadPoolExecutor {

    private GuardedExecutor(String threadName) {
        super(
                1,
                runnable -> {
                    Thread thread = new Thread(runnable, threadName);
                    thread.setDaemon(true);
                    return thread;
                });
    }

    /** One daemon thread named {@code threadName}. */
    public static GuardedExecutor singleThread(String threadName) {
        return new GuardedExecutor(threadName);
    }

    @Override
    protected void afterExecute(Runnable task, Throwable thrown) {
        super.afterExecute(task, thrown);
        if (thrown == null && task instanceof Future<?> future && future.isDone()) {
            try {
                future.get();
            } catch (ExecutionException e) {
                thrown = e.getCause();
            } catch (CancellationException e) {
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Fatal.surface(thrown);
    }
}
