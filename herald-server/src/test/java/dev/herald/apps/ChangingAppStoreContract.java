package dev.herald.apps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * What a store whose apps can change while it runs does on top of {@link AppStoreContract}: changes
 * in its storage show within a few refresh intervals. Extended by the JDBC store's tests.
 */
public abstract class ChangingAppStoreContract extends AppStoreContract {

    /** Writes the app to the backing storage, replacing any app with its id. */
    protected abstract void save(App app) throws Exception;

    /** Removes the app with this id from the backing storage. */
    protected abstract void delete(String id) throws Exception;

    @Test
    void servesNewAppAfterRefresh() throws Exception {
        AppStore store = storeWith(List.of(alpha()));

        save(beta());

        await().atMost(UPDATE_WITHIN).until(() -> store.byKey("beta-key").isPresent());
        assertThat(store.byId("1002")).contains(beta());
        assertThat(store.all()).containsExactlyInAnyOrder(alpha(), beta());
    }

    @Test
    void seesAppDisabledAfterRefresh() throws Exception {
        AppStore store = storeWith(List.of(alpha(), beta()));

        save(alpha().withEnabled(false));

        await().atMost(UPDATE_WITHIN)
                .until(() -> store.byKey("alpha-key").map(a -> !a.enabled()).orElse(false));
        assertThat(store.byId("1001").map(App::enabled)).contains(false);
        assertThat(store.byKey("beta-key").map(App::enabled)).contains(true);
    }

    @Test
    void seesNewSecretAndLimitsAfterRefresh() throws Exception {
        AppStore store = storeWith(List.of(alpha()));
        App changed =
                new App(
                        "1001",
                        "alpha-key",
                        "rotated-secret-0123456789",
                        true,
                        AppFeatures.defaults().withClientEvents(false),
                        everyFieldSet().limits(),
                        List.of());

        save(changed);

        await().atMost(UPDATE_WITHIN).until(() -> store.byId("1001").equals(Optional.of(changed)));
        assertThat(store.byKey("alpha-key")).contains(changed);
    }

    @Test
    void seesHistoryRulesChangeAfterRefresh() throws Exception {
        AppStore store = storeWith(List.of(alpha()));
        App keeping =
                alpha().withHistory(
                                List.of(
                                        new HistoryRule("private-build-", 50, 60),
                                        new HistoryRule("private-", 20, 30)));

        save(keeping);

        await().atMost(UPDATE_WITHIN).until(() -> store.byId("1001").equals(Optional.of(keeping)));
        assertThat(store.byKey("alpha-key").map(a -> a.historyRule("private-build-9")))
                .contains(new HistoryRule("private-build-", 50, 60));

        save(alpha());

        await().atMost(UPDATE_WITHIN).until(() -> store.byId("1001").equals(Optional.of(alpha())));
        assertThat(store.byKey("alpha-key").map(a -> a.history().isEmpty())).contains(true);
    }

    @Test
    void followsAKeyChangeAfterRefresh() throws Exception {
        AppStore store = storeWith(List.of(alpha()));
        App rekeyed =
                new App(
                        "1001",
                        "alpha-key-2",
                        alpha().secret(),
                        true,
                        AppFeatures.defaults(),
                        AppLimits.defaults(),
                        List.of());

        save(rekeyed);

        await().atMost(UPDATE_WITHIN).until(() -> store.byKey("alpha-key-2").isPresent());
        assertThat(store.byKey("alpha-key")).isEmpty();
        assertThat(store.byId("1001")).contains(rekeyed);
    }

    @Test
    void forgetsDeletedAppAfterRefresh() throws Exception {
        AppStore store = storeWith(List.of(alpha(), beta()));

        delete("1002");

        await().atMost(UPDATE_WITHIN).until(() -> store.byKey("beta-key").isEmpty());
        assertThat(store.byId("1002")).isEmpty();
        assertThat(store.all()).containsExactly(alpha());
    }
}
