package dev.herald.apps;

import java.util.Objects;

/**
 * One tenant of the server: its credentials, feature flags and limits.
 *
 * <p>Immutable; stores decide where it comes from. {@link #toString()} never prints the secret.
 */
public record App(String id, String key, String secret, boolean enabled, boolean clientEvents, AppLimits limits) {

    public App {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(limits, "limits");
        if (id.isEmpty() || key.isEmpty() || secret.isEmpty()) {
            throw new IllegalArgumentException("app id, key and secret must not be empty");
        }
    }

    @Override
    public String toString() {
        return "App[id=" + id + ", key=" + key + ", secret=****, enabled=" + enabled
                + ", clientEvents=" + clientEvents + ", limits=" + limits + "]";
    }
}
