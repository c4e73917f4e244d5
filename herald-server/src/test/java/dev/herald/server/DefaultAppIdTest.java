package dev.herald.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.apps.App;
import dev.herald.config.ConfigException;
import org.junit.jupiter.api.Test;

/** The default app (flags and HERALD_APP_*) gets the same id rule as every other source. */
class DefaultAppIdTest {

    @Test
    void servesADefaultAppWithADashedId() {
        assertThat(Commands.parsed("--app-id", "ci-dashboard").config().apps())
                .extracting(App::id)
                .contains("ci-dashboard");
    }

    @Test
    void refusesADefaultAppIdOutsideTheRuleNamingTheSetting() {
        assertThatThrownBy(() -> Commands.parsed("--app-id", "team:blue").config())
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(
                        "--app-id (HERALD_APP_ID): app id 'team:blue' contains ':'");
    }
}
