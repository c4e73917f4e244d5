package dev.herald.server;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import org.slf4j.LoggerFactory;

/**
 * The console log at start-up: its level ({@code --log-level}) and format ({@code --log-format}).
 */
final class LogFormat {

    private LogFormat() {}

    /** Returns {@code false} for an unknown level name. */
    static boolean level(String level) {
        if (level == null || level.isBlank()) {
            return true;
        }
        ch.qos.logback.classic.Level parsed =
                ch.qos.logback.classic.Level.toLevel(level.trim(), null);
        if (parsed == null) {
            return false;
        }
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(parsed);
        return true;
    }

    /** Returns {@code false} for an unknown format. */
    static boolean apply(String format) {
        if (format == null || format.equalsIgnoreCase("text")) {
            return true;
        }
        if (!format.equalsIgnoreCase("json")) {
            return false;
        }
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        JsonEncoder encoder = new JsonEncoder();
        encoder.setContext(context);
        encoder.setWithSequenceNumber(false);
        encoder.setWithContext(false);
        encoder.setWithArguments(false);
        encoder.setWithFormattedMessage(true);
        encoder.setWithMessage(false);
        encoder.start();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("JSON");
        console.setEncoder(encoder);
        console.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();
        root.addAppender(console);
        return true;
    }
}
