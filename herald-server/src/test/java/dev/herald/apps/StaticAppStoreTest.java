package dev.herald.apps;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class StaticAppStoreTest extends AppStoreContract {

    @Override
    protected AppStore storeWith(List<App> apps) {
        return new StaticAppStore(apps);
    }

    @Test
    void refusesDuplicateIds() {
        assertThatThrownBy(
                        () ->
                                new StaticAppStore(
                                        List.of(alpha(), App.of("1001", "other-key", "s"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("duplicate app id: 1001");
    }

    @Test
    void refusesDuplicateKeys() {
        assertThatThrownBy(
                        () ->
                                new StaticAppStore(
                                        List.of(alpha(), App.of("2002", "alpha-key", "s"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("duplicate app key: alpha-key");
    }
}
