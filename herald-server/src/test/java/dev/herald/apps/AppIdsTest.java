package dev.herald.apps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AppIdsTest {

    @ParameterizedTest
    @ValueSource(strings = {"app-id", "ci-dashboard", "1001", "bench-cluster", "A.b_c-9"})
    void acceptsTheIdsHeraldDocumentsAndTestsWith(String id) {
        assertThat(AppIds.problem(id)).isNull();
        assertThat(App.of(id, "key", "secret").id()).isEqualTo(id);
    }

    @Test
    void acceptsTheLongestId() {
        assertThat(AppIds.isValid("a".repeat(AppIds.MAX_LENGTH))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a|b", "a:b", "a b", "a\nb", "a/b", "é", "a*"})
    void refusesSeparatorsAndOtherCharacters(String id) {
        assertThatThrownBy(() -> App.of(id, "key", "secret"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("app id")
                .hasMessageContaining(AppIds.RULE);
    }

    @Test
    void namesTheCharacterItRefuses() {
        assertThat(AppIds.problem("team|blue"))
                .isEqualTo("app id 'team|blue' contains '|'; it must be " + AppIds.RULE);
    }

    @Test
    void refusesEmptyAndOverlongIdsWithoutQuotingALongOne() {
        assertThat(AppIds.problem("")).startsWith("app id is empty");
        String overlong = "a".repeat(AppIds.MAX_LENGTH + 1);
        assertThat(AppIds.problem(overlong))
                .startsWith("app id is 256 characters long")
                .doesNotContain(overlong);
        assertThatThrownBy(() -> App.of(overlong, "key", "secret"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
