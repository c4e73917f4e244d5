package dev.herald.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.apps.AppSettings;
import dev.herald.settings.Setting;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code docs/configuration.md} agrees with the settings schema: its tables are the ones {@link
 * SettingsDocs} writes from {@link ServerSettings} and {@link AppSettings}, and its example apps
 * file shows every key.
 */
@DisplayName("issue 14: the settings tables of docs/configuration.md are written from the schema")
class SettingsDocsTest {

    private static final Path DOCS =
            Paths.get(System.getProperty("basedir", "."), "..", "docs", "configuration.md");

    private static String docs() throws IOException {
        return Files.readString(DOCS, StandardCharsets.UTF_8);
    }

    @Test
    void theTablesAreCurrent() throws IOException {
        String docs = docs();
        assertThat(SettingsDocs.update(docs))
                .as(
                        "docs/configuration.md is stale: run java -cp herald-server/target/herald-server.jar "
                                + "dev.herald.config.SettingsDocs docs/configuration.md")
                .isEqualTo(docs);
    }

    @Test
    void everyFlagAndVariableHasARowInItsSection() throws IOException {
        String docs = docs();
        for (Setting<?> setting : ServerSettings.commandLine()) {
            assertThat(setting.flag().section()).as("docs section of %s", setting).isNotNull();
            assertThat(setting.flag().meaning()).as("docs text of %s", setting).isNotBlank();
            String table = table(docs, setting.flag().section());
            assertThat(table).contains("| `" + setting.flag().env() + "` |");
            if (setting.flag().name() != null) {
                assertThat(table).contains("| `" + setting.flag().name() + "` |");
            }
        }
    }

    @Test
    void everyAppKeyIsInTheKeysTableAndTheExampleFile() throws IOException {
        String docs = docs();
        String keys = table(docs, SettingsDocs.APP);
        Matcher example = Pattern.compile("```yaml\napps:\n(.*?)```", Pattern.DOTALL).matcher(docs);
        assertThat(example.find()).as("the example apps file").isTrue();
        for (Setting<?> setting : AppSettings.all()) {
            assertThat(keys).contains("| `" + setting.name() + "` |");
            assertThat("\n" + example.group(1))
                    .as("the example apps file shows %s", setting.name())
                    .containsPattern("\n\\s+(- )?" + setting.name() + ":");
        }
    }

    private static String table(String docs, String section) {
        Matcher m =
                Pattern.compile(
                                "<!-- settings: " + section + " -->\n(.*?)<!-- /settings -->",
                                Pattern.DOTALL)
                        .matcher(docs);
        assertThat(m.find()).as("a table for section %s", section).isTrue();
        return m.group(1);
    }
}
