package dev.herald.settings;

import java.time.Duration;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The values a setting accepts, and how a refusal says so: {@code requirement} completes "{@code
 * --port (HERALD_PORT)} ...", e.g. {@code must be 0-65535}. A rule whose refusal depends on the
 * value has {@code explain}, which gives the reason for a refused value.
 */
public record Bound<T>(Predicate<T> accepts, String requirement, Function<T, String> explain) {

    public Bound(Predicate<T> accepts, String requirement) {
        this(accepts, requirement, null);
    }

    /** A rule that says what is wrong with a value, or {@code null} when it is accepted. */
    public static <T> Bound<T> rule(Function<T, String> problem, String requirement) {
        return new Bound<>(v -> problem.apply(v) == null, requirement, problem);
    }

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
        return new Bound<>(
                v -> !v.isNegative() && !v.isZero(), "must be a positive number of seconds");
    }
}
