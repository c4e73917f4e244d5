package dev.herald.apps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
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

    /** Whether apps can change while the store runs; a store fixed at start-up says no. */
    protected boolean changesWhileRunning() {
        return true;
    }

    /** Writes the app to the backing storage, replacing any app with its id. */
    protected void save(App app) throws Exception {
        throw new UnsupportedOperationException();
    }

    /** Removes the app with this id from the backing storage. */
    protected void delete(String id) throws Exception {
        throw new UnsupportedOperationException();
    }

    protected static App alpha() {
        return App.of("1001", "alpha-key", "alpha-secret-0123456789");
    }

    protected static App beta() {
        return App.of("1002", "beta-key", "beta-secret-0123456789");
    }

    /** Every field away from its default, fractional durations and webhooks included. */
    protected static App everyFieldSet() {
        AppFeatures features = new AppFeatures(false, false, false, true, true, Duration.ofMillis(12_500),
                List.of("https://app.example.com", "https://*.example.org"));
        AppLimits limits = new AppLimits(500, 20_000, 50, 25, 512, 5, 150, 40, Duration.ofMillis(90_250), 30);
        List<WebhookTarget> webhooks = List.of(
                WebhookTarget.all(URI.create("https://hooks.example.com/all")),
                new WebhookTarget(URI.create("http://127.0.0.1:9000/presence"),
                        Set.of("member_added", "member_removed"), "presence-"));
        return new App("1003", "gamma-key", "gamma-secret-0123456789", true, features, limits, webhooks);
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

        assertThat(store.byKey("alpha-key")).hasValueSatisfying(app -> assertThat(app.enabled()).isFalse());
        assertThat(store.byId("1001")).hasValueSatisfying(app -> assertThat(app.enabled()).isFalse());
    }

    @Test
    void keepsEveryFieldOfAnApp() throws Exception {
        AppStore store = storeWith(List.of(everyFieldSet()));

        App app = store.byKey("gamma-key").orElseThrow();
        assertThat(app).usingRecursiveComparison().isEqualTo(everyFieldSet());
        assertThat(app.secret()).isEqualTo("gamma-secret-0123456789");
    }

    @Test
    void servesNewAppAfterRefresh() throws Exception {
        Assumptions.assumeTrue(changesWhileRunning(), "apps are fixed at start-up");
        AppStore store = storeWith(List.of(alpha()));

        save(beta());

        await().atMost(UPDATE_WITHIN).until(() -> store.byKey("beta-key").isPresent());
        assertThat(store.byId("1002")).contains(beta());
        assertThat(store.all()).containsExactlyInAnyOrder(alpha(), beta());
    }

    @Test
    void seesAppDisabledAfterRefresh() throws Exception {
        Assumptions.assumeTrue(changesWhileRunning(), "apps are fixed at start-up");
        AppStore store = storeWith(List.of(alpha(), beta()));

        save(alpha().withEnabled(false));

        await().atMost(UPDATE_WITHIN).until(() -> store.byKey("alpha-key").map(a -> !a.enabled()).orElse(false));
        assertThat(store.byId("1001").map(App::enabled)).contains(false);
        assertThat(store.byKey("beta-key").map(App::enabled)).contains(true);
    }

    @Test
    void seesNewSecretAndLimitsAfterRefresh() throws Exception {
        Assumptions.assumeTrue(changesWhileRunning(), "apps are fixed at start-up");
        AppStore store = storeWith(List.of(alpha()));
        App changed = new App("1001", "alpha-key", "rotated-secret-0123456789", true,
                AppFeatures.defaults().withClientEvents(false), everyFieldSet().limits(), List.of());

        save(changed);

        await().atMost(UPDATE_WITHIN).until(() -> store.byId("1001").equals(Optional.of(changed)));
        assertThat(store.byKey("alpha-key")).contains(changed);
    }

    @Test
    void followsAKeyChangeAfterRefresh() throws Exception {
        Assumptions.assumeTrue(changesWhileRunning(), "apps are fixed at start-up");
        AppStore store = storeWith(List.of(alpha()));
        App rekeyed = new App("1001", "alpha-key-2", alpha().secret(), true, AppFeatures.defaults(),
                AppLimits.defaults(), List.of());

        save(rekeyed);

        await().atMost(UPDATE_WITHIN).until(() -> store.byKey("alpha-key-2").isPresent());
        assertThat(store.byKey("alpha-key")).isEmpty();
        assertThat(store.byId("1001")).contains(rekeyed);
    }

    @Test
    void forgetsDeletedAppAfterRefresh() throws Exception {
        Assumptions.assumeTrue(changesWhileRunning(), "apps are fixed at start-up");
        AppStore store = storeWith(List.of(alpha(), beta()));

        delete("1002");

        await().atMost(UPDATE_WITHIN).until(() -> store.byKey("beta-key").isEmpty());
        assertThat(store.byId("1002")).isEmpty();
        assertThat(store.all()).containsExactly(alpha());
    }
}
