package dev.herald.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.herald.apps.App;
import dev.herald.apps.HistoryRule;
import dev.herald.config.AppsFile;
import dev.herald.config.ConfigException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The YAML apps file ({@code --config}): whatever the file holds, reading it either gives apps that
 * satisfy what the file format promises or fails with a {@link ConfigException} that says what is
 * wrong; never any other exception.
 */
class AppsFileFuzzTest {

    private static final Path FILE;

    static {
        try {
            FILE = Files.createTempFile("herald-apps-fuzz", ".yaml");
            FILE.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The file's bytes; {@code @*N@} repeats the byte before it (see {@link Input#expandRepeats}).
     */
    @FuzzTest(maxDuration = "25s")
    void appsFile(byte[] yaml) throws IOException {
        Files.write(FILE, Input.expandRepeats(yaml));
        List<App> apps;
        try {
            apps = AppsFile.read(FILE);
        } catch (ConfigException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        assertThat(apps).isNotEmpty();
        for (App app : apps) {
            assertThat(app.id()).isNotEmpty();
            assertThat(app.key()).isNotEmpty();
            assertThat(app.secret()).isNotEmpty();
            assertThat(app.features().authorizedConnectionTimeout())
                    .as("authorized_connection_timeout")
                    .isPositive();
            assertThat(app.limits().cacheTtl()).as("cache_ttl").isPositive();
            assertThat(app.history()).as("history").hasSizeLessThanOrEqualTo(HistoryRule.MAX_RULES);
            for (HistoryRule rule : app.history()) {
                assertThat(rule.size()).as("history size").isBetween(1, HistoryRule.MAX_SIZE);
                assertThat(rule.ttlSeconds())
                        .as("history ttl_seconds")
                        .isBetween(1, HistoryRule.MAX_TTL_SECONDS);
                assertThat(rule.channels().length())
                        .as("history channels")
                        .isLessThanOrEqualTo(HistoryRule.MAX_PREFIX_LENGTH);
            }
        }
    }
}
