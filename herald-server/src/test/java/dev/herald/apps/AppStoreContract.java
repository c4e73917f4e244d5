package dev.herald.apps;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What every {@link AppStore} does, whatever it keeps apps in. Extended by each store's test
 * ({@code StaticAppStoreTest}, {@code JdbcAppStoreH2Test}, {@code JdbcAppStorePostgresIT}).
 */
public abstract class AppStoreContract {

    /** How long a change in the backing storage may take to show: a few refresh intervals. */
    protected static final Duration UPDATE_WITHIN = Duration.ofSeconds(5);

    /** A started store serving exactly these apps; the subclass closes it after the test. */
    protected abstract AppStore storeWith(List<App> apps) throws Exception;

    protected static App alpha() {
        return App.of("1001", "alpha-key", "alpha-secret-0123456789");
    }

    protected static App beta() {
        return App.of("1002", "beta-key", "beta-secret-0123456789");
    }

    /**
     * Every field away from its default, fractional durations, webhooks and history rules at their
     * bounds included.
     */
    protected static App everyFieldSet() {
        AppFeatures features =
                new AppFeatures(
                        false,
                        false,
                        false,
                        true,
                        true,
                        Duration.ofMillis(12_500),
                        List.of("https://app.example.com", "https://*.example.org"));
        AppLimits limits =
                new AppLimits(500, 20_000, 50, 25, 512, 5, 150, 40, Duration.ofMillis(90_250), 30);
        List<WebhookTarget> webhooks =
                List.of(
                        WebhookTarget.all(URI.create("https://hooks.example.com/all")),
                        new WebhookTarget(
                                URI.create("http://127.0.0.1:9000/presence"),
                                Set.of("member_added", "member_removed"),
                                "presence-"));
        List<HistoryRule> history =
                List.of(
                        new HistoryRule("private-build-", 200, 600),
                        new HistoryRule("presence-", 1, 86_400),
                        new HistoryRule("c".repeat(HistoryRule.MAX_PREFIX_LENGTH), 10_000, 1));
        return new App(
                "1003",
                "gamma-key",
                "gamma-secret-0123456789",
                true,
                features,
                limits,
                webhooks,
                history);
    }

    @Test
    void findsAppById() throws Exception {
        AppStore store = storeWith(List.of(alpha(), beta()));

        assertThat(store.byId("1001")).contains(alpha());
        assertThat(store.byId("1002")).contains(beta());
    }

    @Test
    void findsAppByKey() throws Exception {
        AppStore store = storeWith(List.of(alpha(), beta()));

        assertThat(store.byKey("alpha-key")).contains(alpha());
        assertThat(store.byKey("beta-key")).contains(beta());
    }

    @Test
    void listsEveryApp() throws Exception {
        AppStore store = storeWith(List.of(alpha(), beta()));

        assertThat(store.all()).containsExactlyInAnyOrder(alpha(), beta());
    }

    @Test
    void answersEmptyForUnknownIdOrKey() throws Exception {
        AppStore store = storeWith(List.of(alpha()));

        assertThat(store.byId("9999")).isEmpty();
        assertThat(store.byKey("no-such-key")).isEmpty();
    }

    @Test
    void keepsIdsAndKeysApart() throws Exception {
        AppStore store = storeWith(List.of(alpha()));

        assertThat(store.byId("alpha-key")).isEmpty();
        assertThat(store.byKey("1001")).isEmpty();
    }

    @Test
    void servesDisabledAppAsDisabled() throws Exception {
        AppStore store = storeWith(List.of(alpha().withEnabled(false)));

        assertThat(store.byKey("alpha-key"))
                .hasValueSatisfying(app -> assertThat(app.enabled()).isFalse());
        assertThat(store.byId("1001"))
                .hasValueSatisfying(app -> assertThat(app.enabled()).isFalse());
    }

    @Test
    void keepsEveryFieldOfAnApp() throws Exception {
        AppStore store = storeWith(List.of(everyFieldSet()));

        App app = store.byKey("gamma-key").orElseThrow();
        assertThat(app).usingRecursiveComparison().isEqualTo(everyFieldSet());
        assertThat(app.secret()).isEqualTo("gamma-secret-0123456789");
    }
}
