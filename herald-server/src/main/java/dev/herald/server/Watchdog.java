package dev.herald.server;

import dev.herald.http.Health;
import dev.herald.internal.GuardedExecutor;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Tells whether each event loop still turns. Every probe interval, from a thread of its own, it
 * posts a small task to each loop that records when it ran; a loop whose last task ran longer ago
 * than the stuck threshold is stuck: blocked by a task that never returns, spinning, or dead after
 * an error. {@link #health()} is what {@code /health} answers.
 *
 * <p>A loop gets its next probe only once the previous one has run, so a stuck loop's queue does
 * not fill with probes. The verdict is computed when asked, from the time of the last turn, so it
 * is right even when this thread itself is late.
 */
public final class Watchdog implements AutoCloseable {

    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);
    public static final Duration DEFAULT_STUCK_AFTER = Duration.ofSeconds(10);

    private final List<Probe> probes = new ArrayList<>();
    private final Duration interval;
    private final long stuckAfterNanos;
    private final LongSupplier clock = System::nanoTime;
    private GuardedExecutor thread;

    /**
     * @param loops the loops to watch, by the name {@code /health} reports
     * @param interval how often each loop is probed
     * @param stuckAfter how long a loop may go without running its probe before it is stuck
     */
    public Watchdog(Map<String, EventExecutor> loops, Duration interval, Duration stuckAfter) {
        if (interval.isZero() || interval.isNegative() || stuckAfter.compareTo(interval) <= 0) {
            throw new IllegalArgumentException(
                    "the stuck threshold ("
                            + stuckAfter
                            + ") must exceed the probe "
                            + "interval ("
                            + interval
                            + ")");
        }
        this.interval = interval;
        this.stuckAfterNanos = stuckAfter.toNanos();
        long now = clock.getAsLong();
        loops.forEach((name, loop) -> probes.add(new Probe(name, loop, now)));
    }

    public Watchdog start() {
        thread = GuardedExecutor.singleThread("herald-watchdog");
        thread.scheduleAtFixedRate(this::probeAll, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
        return this;
    }

    private void probeAll() {
        for (Probe probe : probes) {
            probe.post();
        }
    }

    /** The loops stuck right now, in the order they were given. */
    public Health health() {
        long now = clock.getAsLong();
        List<String> stuck = new ArrayList<>(0);
        for (Probe probe : probes) {
            if (now - probe.lastTurn > stuckAfterNanos) {
                stuck.add(probe.name);
            }
        }
        return stuck.isEmpty() ? Health.OK : new Health(stuck);
    }

    /** How many loops are stuck right now (the {@code herald_event_loops_stuck} gauge). */
    public int stuckLoops() {
        return health().stuckLoops().size();
    }

    @Override
    public void close() {
        if (thread != null) {
            thread.shutdownNow();
        }
    }

    /** One watched loop: its name, and when it last ran a probe. */
    private final class Probe implements Runnable {
        final String name;
        final EventExecutor loop;
        volatile long lastTurn;
        volatile boolean pending;

        Probe(String name, EventExecutor loop, long now) {
            this.name = name;
            this.loop = loop;
            this.lastTurn = now;
        }

        /** Called on the watchdog thread. */
        void post() {
            if (pending) {
                return;
            }
            pending = true;
            try {
                loop.execute(this);
            } catch (RejectedExecutionException e) {
                // the loop is shutting down with the server: nothing left to watch
                pending = false;
            }
        }

        /** Called on the watched loop. */
        @Override
        public void run() {
            lastTurn = clock.getAsLong();
            pending = false;
        }
    }
}
