package dev.herald.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.apps.App;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppsFileTest {

    @TempDir Path dir;

    private Path yaml(String text) throws IOException {
        return Files.writeString(dir.resolve("apps.yaml"), text);
    }

    @Test
    void readsAnAppWithADashedId() throws IOException {
        Path file = yaml("apps:\n  - id: ci-dashboard\n    key: ci-key\n    secret: ci-secret\n");

        assertThat(AppsFile.read(file)).extracting(App::id).containsExactly("ci-dashboard");
    }

    @Test
    void refusesAnIdOutsideTheRuleAndSaysWhichApp() throws IOException {
        Path file =
                yaml(
                        "apps:\n  - id: ok\n    key: k1\n    secret: s1\n"
                                + "  - id: 'team|blue'\n    key: k2\n    secret: s2\n");

        assertThatThrownBy(() -> AppsFile.read(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("apps[1]")
                .hasMessageContaining("app id 'team|blue' contains '|'")
                .hasMessageContaining("A-Z a-z 0-9 . _ -");
    }
}
