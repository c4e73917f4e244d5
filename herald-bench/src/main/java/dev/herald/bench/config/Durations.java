package dev.herald.bench.config;

import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine;

/** Parses "30s", "500ms", "2m", "1h" or a bare number of seconds. */
public final class Durations implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    public static Duration parse(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        try {
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            if (v.endsWith("us")) {
                return Duration.ofNanos(Long.parseLong(v.substring(0, v.length() - 2)) * 1000);
            }
            double n;
            long unit;
            if (v.endsWith("s")) {
                n = Double.parseDouble(v.substring(0, v.length() - 1));
                unit = 1_000_000_000L;
            } else if (v.endsWith("m")) {
                n = Double.parseDouble(v.substring(0, v.length() - 1));
                unit = 60_000_000_000L;
            } else if (v.endsWith("h")) {
                n = Double.parseDouble(v.substring(0, v.length() - 1));
                unit = 3_600_000_000_000L;
            } else {
                n = Double.parseDouble(v);
                unit = 1_000_000_000L;
            }
            return Duration.ofNanos((long) (n * unit));
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException(
                    "not a duration: '" + value + "' (try 30s, 500ms, 2m)");
        }
    }

    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 1000 == 0) {
            return (ms / 1000) + "s";
        }
        return ms + "ms";
    }
}
