package dev.herald.internal;

/**
 * Errors after which the JVM cannot be trusted ({@link VirtualMachineError}: out of memory, stack
 * overflow, internal error), and the one place they are sent when code that caught one cannot
 * rethrow it.
 *
 * <p>The destination is the default uncaught-exception handler: the server installs one that halts
 * the process ({@code server.FatalErrors}), so a node that ran out of memory exits and its
 * supervisor restarts it, instead of living on with dead threads. Without such a handler (a unit
 * test, an embedding) {@link #surface} does nothing.
 */
public final class Fatal {

    /** Causes followed before giving up, in case a chain loops. */
    private static final int MAX_DEPTH = 16;

    private Fatal() {}

    /** Whether {@code t}, or one of its causes, is a {@link VirtualMachineError}. Null-safe. */
    public static boolean isFatal(Throwable t) {
        for (int depth = 0; t != null && depth < MAX_DEPTH; depth++, t = t.getCause()) {
            if (t instanceof VirtualMachineError) {
                return true;
            }
        }
        return false;
    }

    /**
     * Hands {@code t} to the default uncaught-exception handler if it is fatal; returns otherwise.
     * Call it wherever a {@link Throwable} is caught and not rethrown (a future's error, a
     * pipeline's {@code exceptionCaught}).
     */
    public static void surface(Throwable t) {
        if (!isFatal(t)) {
            return;
        }
        Thread.UncaughtExceptionHandler handler = Thread.getDefaultUncaughtExceptionHandler();
        if (handler != null) {
            handler.uncaughtException(Thread.currentThread(), t);
        }
    }
}
