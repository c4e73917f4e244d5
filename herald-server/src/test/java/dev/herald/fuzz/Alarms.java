package dev.herald.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.netty.buffer.ByteBufUtil;
import io.netty.util.ResourceLeakDetector;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * What a fuzz input must never cause but the code under test only logs: a buffer leak (Netty's leak
 * detector, paranoid: every buffer is tracked) and an error the handlers catch and log (a warning
 * from Herald, or an exception that closed an HTTP connection without an answer).
 *
 * <p>A leak is reported when the garbage collector finds the lost buffer, so it can surface a few
 * inputs after the one that caused it; the report names the allocation site.
 */
final class Alarms {

    private static final List<String> raised = new ArrayList<>();

    /** The client left in the middle of a request: what the aggregator then reports is no error. */
    private static final String ROUTINE = "PrematureChannelClosureException";

    static {
        // paranoid (every buffer, with its allocation and accesses) unless the run chose a level:
        // long fuzzing runs use "simple" with io.netty.leakDetection.samplingInterval=1, which
        // still tracks every buffer but records no stack traces
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        }
        ByteBufUtil.setLeakListener((type, records) -> record("LEAK " + type + " " + records));
        watch("dev.herald", null);
        watch("io.netty", null);
        // the router closes a connection whose request threw, and says so only at debug level;
        // its other debug lines are not printed (they would slow fuzzing down)
        watch("dev.herald.http.HttpRouter", "HTTP connection error").setAdditive(false);
    }

    private Alarms() {}

    private static synchronized void record(String alarm) {
        raised.add(alarm);
    }

    /**
     * Raises warnings and errors logged under {@code name}, and debug lines starting with {@code
     * debugPrefix}.
     */
    private static Logger watch(String name, String debugPrefix) {
        Logger logger = (Logger) LoggerFactory.getLogger(name);
        if (debugPrefix != null) {
            logger.setLevel(Level.DEBUG);
        }
        AppenderBase<ILoggingEvent> appender =
                new AppenderBase<>() {
                    @Override
                    protected void append(ILoggingEvent e) {
                        String text = e.getFormattedMessage();
                        if (!e.getLevel().isGreaterOrEqual(Level.WARN)
                                && (debugPrefix == null
                                        || !text.startsWith(debugPrefix)
                                        || text.contains(ROUTINE))) {
                            return;
                        }
                        String cause =
                                e.getThrowableProxy() == null
                                        ? ""
                                        : " "
                                                + e.getThrowableProxy().getClassName()
                                                + ": "
                                                + e.getThrowableProxy().getMessage();
                        record(e.getLevel() + " " + e.getLoggerName() + ": " + text + cause);
                    }
                };
        appender.setContext(logger.getLoggerContext());
        appender.start();
        logger.addAppender(appender);
        return logger;
    }

    /**
     * Starts an input: forgets what was logged for an input that failed before its check (its
     * finding is reported already). Leaks are kept: they surface late by nature.
     */
    static synchronized void begin() {
        raised.removeIf(alarm -> !alarm.startsWith("LEAK "));
    }

    /** Fails with every alarm raised since the last call. */
    static void check() {
        List<String> now;
        synchronized (Alarms.class) {
            now = List.copyOf(raised);
            raised.clear();
        }
        assertThat(now).as("leaks and logged errors").isEmpty();
    }
}
