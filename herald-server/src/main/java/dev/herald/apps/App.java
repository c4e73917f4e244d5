package dev.herald.apps;

import java.util.List;
import java.util.Objects;

/**
 * One tenant of the server: its credentials, feature flags and limits.
 *
 * <p>Immutable; stores decide where it comes from, and every source gets the same id rule ({@link
 * AppIds}). {@link #toString()} never prints the secret.
 */
public record App(
        String id,
        String key,
        String secret,
        boolean enabled,
        AppFeatures features,
        AppLimits limits,
        List<WebhookTarget> webhooks) {

    public App {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(features, "features");
        Objects.requireNonNull(limits, "limits");
        webhooks = List.copyOf(webhooks);
        String idProblem = AppIds.problem(id);
        if (idProblem != null) {
            throw new IllegalArgumentException(idProblem);
        }
        if (key.isEmpty() || secret.isEmpty()) {
            throw new IllegalArgumentException("app key and secret must not be empty");
        }
    }

    /** An enabled app with default features and limits. */
    public static App of(String id, String key, String secret) {
        return new App(
                id, key, secret, true, AppFeatures.defaults(), AppLimits.defaults(), List.of());
    }

    public boolean clientEvents() {
        return features.clientEvents();
    }

    public App withEnabled(boolean enabled) {
        return new App(id, key, secret, enabled, features, limits, webhooks);
    }

    public App withFeatures(AppFeatures features) {
        return new App(id, key, secret, enabled, features, limits, webhooks);
    }

    public App withLimits(AppLimits limits) {
        return new App(id, key, secret, enabled, features, limits, webhooks);
    }

    public App withWebhooks(List<WebhookTarget> webhooks) {
        return new App(id, key, secret, enabled, features, limits, webhooks);
    }

    @Override
    public String toString() {
        return "App[id="
                + id
                + ", key="
                + key
                + ", secret=****, enabled="
                + enabled
                + ", "
                + features
                + ", "
                + limits
                + ", webhooks="
                + webhooks.size()
                + "]";
    }
}
