package dev.herald.apps;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The contract with the apps spread over several stores, as the config file and the database are.
 */
class CompositeAppStoreTest extends AppStoreContract {

    @Override
    protected AppStore storeWith(List<App> apps) {
        int half = apps.size() / 2;
        return new CompositeAppStore(
                List.of(
                        new StaticAppStore(List.of()),
                        new StaticAppStore(apps.subList(0, half)),
                        new StaticAppStore(apps.subList(half, apps.size()))));
    }

    @Test
    void answersAnAppKnownToTwoStoresAsTheFirstHasIt() {
        App configured = alpha();
        App stored = alpha().withEnabled(false);
        AppStore store =
                new CompositeAppStore(
                        List.of(
                                new StaticAppStore(List.of(configured)),
                                new StaticAppStore(List.of(stored))));

        assertThat(store.byId("1001")).containsSame(configured);
        assertThat(store.byKey("alpha-key")).containsSame(configured);
    }

    @Test
    void knowsNoAppWithoutStores() {
        AppStore store = new CompositeAppStore(List.of());

        assertThat(store.byId("1001")).isEmpty();
        assertThat(store.all()).isEmpty();
    }
}
