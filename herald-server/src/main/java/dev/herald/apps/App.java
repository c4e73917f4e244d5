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
        List<WebhookTarget> webhooks,
        List<HistoryRule> history) {

    public App {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(features, "features");
        Objects.requireNonNull(limits, "limits");
        webhooks = List.copyOf(webhooks);
        history = List.copyOf(history);
        if (history.size() > HistoryRule.MAX_RULES) {
            throw new IllegalArgumentException(
                    "at most " + HistoryRule.MAX_RULES + " history rules per app");
        }
        String idProblem = AppIds.problem(id);
        if (idProblem != null) {
            throw new IllegalArgumentException(idProblem);
        }
        if (key.isEmpty() || secret.isEmpty()) {
            throw new IllegalArgumentException("app key and secret must not be empty");
        }
    }

    /** An app that keeps no channel history. */
    public App(
            String id,
            String key,
            String secret,
            boolean enabled,
            AppFeatures features,
            AppLimits limits,
            List<WebhookTarget> webhooks) {
        this(id, key, secret, enabled, features, limits, webhooks, List.of());
    }

    /** The history rule for a channel, or {@code null} if its events are not kept. */
    public HistoryRule historyRule(String channel) {
        for (int i = 0; i < history.size(); i++) {
            HistoryRule rule = history.get(i);
            if (rule.matches(channel)) {
                return rule;
            }
        }
        return null;
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
        return new App(id, key, secret, enabled, features, limits, webhooks, history);
    }

    public App withFeatures(AppFeatures features) {
        return new App(id, key, secret, enabled, features, limits, webhooks, history);
    }

    public App withLimits(AppLimits limits) {
        return new App(id, key, secret, enabled, features, limits, webhooks, history);
    }

    public App withWebhooks(List<WebhookTarget> webhooks) {
        return new App(id, key, secret, enabled, features, limits, webhooks, history);
    }

    public App withHistory(List<HistoryRule> history) {
        return new App(id, key, secret, enabled, features, limits, webhooks, history);
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
                + ", history="
                + history
                + "]";
    }
}
