package dev.herald.settings;

import java.time.Duration;
import java.util.function.Predicate;

/**
 * The values a setting accepts, and how a refusal says so: {@code requirement} completes
 * "{@code --port (HERALD_PORT)} ...", e.g. {@code must be 0-65535}.
 */
public record Bound<T>(Predicate<T> accepts, String requirement) {

    public static Bound<Integer> positive() {
        return positive("must be > 0");
    }

    public static Bound<Integer> positive(String requirement) {
        return new Bound<>(v -> v > 0, requirement);
    }

    public static Bound<Integer> atLeast(int min, String requirement) {
        return new Bound<>(v -> v >= min, requirement);
    }

    public static Bound<Integer> between(int min, int max, String requirement) {
        return new Bound<>(v -> v >= min && v <= max, requirement);
    }

    public static Bound<Duration> positiveSeconds() {
        return new Bound<>(v -> !v.isNegative() && !v.isZero(), "must be a positive number of seconds");
    }
}
