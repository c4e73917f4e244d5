package dev.herald.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import dev.herald.internal.Fatal;
import java.io.PrintStream;
import java.util.Objects;
import java.util.function.IntConsumer;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

/**
 * Halts the process on a {@link VirtualMachineError} (out of memory, stack overflow), wherever it
 * is caught, so that a supervisor restarts the node. Without this, an {@link OutOfMemoryError} on
 * an event loop is caught and logged by Netty, the loop goes on or dies, and the process stays up
 * answering nothing, not even {@code /health}.
 *
 * <p>Three paths lead here:
 *
 * <ul>
 *   <li>the default uncaught-exception handler, for threads that die of the error, and for {@link
 *       Fatal#surface}, which our own code calls where it catches a {@link Throwable};
 *   <li>a Logback turbo filter that sees every log call before its level is checked: Netty logs
 *       what its event loops catch ("A task raised an exception", an exception that reached the end
 *       of a pipeline), and executors and Lettuce log theirs, so a fatal error in any of them
 *       passes through a log call;
 *   <li>{@code -XX:+ExitOnOutOfMemoryError}, which {@code bin/herald} adds, for heap exhaustion the
 *       JVM itself detects (it exits with the same code).
 * </ul>
 *
 * <p>The halt skips shutdown hooks and the graceful drain: after such an error nothing can be
 * trusted to finish, and a drain that never ends is worse than a restart.
 */
public final class FatalErrors implements AutoCloseable {

    /**
     * The exit status after a fatal error; the JVM's own {@code -XX:+ExitOnOutOfMemoryError} uses 3
     * too.
     */
    public static final int EXIT_CODE = 3;

    private final IntConsumer halt;
    private final PrintStream err;
    private final Guard guard = new Guard();
    private Thread.UncaughtExceptionHandler previous;
    private LoggerContext logback;

    /**
     * @param halt what to do instead of {@link Runtime#halt} (tests record the call)
     * @param err where the one-line notice goes before halting
     */
    public FatalErrors(IntConsumer halt, PrintStream err) {
        this.halt = Objects.requireNonNull(halt, "halt");
        this.err = Objects.requireNonNull(err, "err");
    }

    /** The guard of a real server: halts the JVM, notice on standard error. */
    public static FatalErrors halting() {
        return new FatalErrors(Runtime.getRuntime()::halt, System.err);
    }

    /** Becomes the default uncaught-exception handler and watches every log call. */
    public FatalErrors install() {
        previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler(this::uncaught);
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            logback = context;
            guard.setName("herald-fatal-errors");
            guard.start();
            context.addTurboFilter(guard);
        }
        return this;
    }

    /** Halts if {@code t} or one of its causes is fatal; returns otherwise. */
    public void check(Throwable t) {
        if (Fatal.isFatal(t)) {
            halt(t);
        }
    }

    private void uncaught(Thread thread, Throwable t) {
        if (Fatal.isFatal(t)) {
            halt(t);
        } else if (previous != null) {
            previous.uncaughtException(thread, t);
        } else {
            // what the JVM prints without a default handler; ThreadGroup.uncaughtException would
            // hand it straight back to this handler, which is the default one, without end
            err.print("Exception in thread \"" + thread.getName() + "\" ");
            t.printStackTrace(err);
            err.flush();
        }
    }

    private void halt(Throwable t) {
        try {
            // one line, no stack trace: allocating may fail now, and the status says enough
            err.println(
                    "herald: fatal "
                            + t.getClass().getName()
                            + " on thread "
                            + Thread.currentThread().getName()
                            + "; halting with exit code "
                            + EXIT_CODE);
            err.flush();
        } catch (Throwable ignored) {
            // best effort: the halt below is what matters
        } finally {
            halt.accept(EXIT_CODE);
        }
    }

    /** Restores the previous uncaught-exception handler and stops watching log calls. */
    @Override
    public void close() {
        Thread.setDefaultUncaughtExceptionHandler(previous);
        if (logback != null) {
            logback.getTurboFilterList().remove(guard);
            guard.stop();
        }
    }

    /** Sees each log call's throwable, given alone or among the arguments, and never filters. */
    private final class Guard extends TurboFilter {
        @Override
        public FilterReply decide(
                Marker marker,
                Logger logger,
                Level level,
                String format,
                Object[] params,
                Throwable t) {
            check(t);
            if (params != null) {
                for (Object param : params) {
                    if (param instanceof Throwable thrown) {
                        check(thrown);
                    }
                }
            }
            return FilterReply.NEUTRAL;
        }
    }
}
