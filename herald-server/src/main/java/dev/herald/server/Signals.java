package dev.herald.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGTERM and SIGINT start a graceful shutdown that ends with exit status 0, which a JVM shutdown
 * hook cannot give (the JVM exits 143 after a SIGTERM). Uses {@code sun.misc.Signal}, present in
 * every OpenJDK; where it is missing the caller falls back to a shutdown hook.
 */
final class Signals {

    private static final Logger log = LoggerFactory.getLogger(Signals.class);

    private Signals() {}

    static boolean onTermination(Runnable action) {
        try {
            SignalHandler handler = signal -> action.run();
            Signal.handle(new Signal("TERM"), handler);
            Signal.handle(new Signal("INT"), handler);
            return true;
        } catch (LinkageError | IllegalArgumentException e) {
            log.warn("cannot handle signals ({}); relying on a shutdown hook", e.toString());
            return false;
        }
    }
}
