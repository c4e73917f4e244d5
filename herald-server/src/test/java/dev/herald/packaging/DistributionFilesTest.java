package dev.herald.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.herald.apps.App;
import dev.herald.apps.AppSettings;
import dev.herald.config.AppsFile;
import dev.herald.config.ServerSettings;
import dev.herald.settings.Setting;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The files of the distribution archive ({@code src/dist}) against the code they describe, so that
 * none of them goes stale: the apps example is read by the real loader and names every key, the
 * environment example names only real variables, and the systemd unit keeps the settings the
 * server's stop, restart and connection count depend on. {@code DistributionIT} runs the archive.
 */
class DistributionFilesTest {

    private static final Path DIST = Paths.get(System.getProperty("basedir", "."), "src", "dist");

    /** Keys the example sets to something other than their default, to show the syntax. */
    private static final Set<String> EXAMPLE_VALUES =
            Set.of("id", "key", "secret", "allowed_origins", "webhooks", "history");

    /** Variables bin/herald reads rather than the server. */
    private static final Set<String> SCRIPT_VARIABLES =
            Set.of("JAVA_OPTS", "JAVA_HOME", "HERALD_JAR", "HERALD_CDS", "HERALD_CDS_DIR");

    private static final Pattern ASSIGNMENT = Pattern.compile("^#?([A-Z][A-Z0-9_]*)=(.*)$");

    @Test
    void theAppsExampleIsReadByTheRealLoader() {
        List<App> apps = AppsFile.read(DIST.resolve("conf/apps.example.yaml"));

        assertThat(apps).extracting(App::id).containsExactly("my-app", "dashboard");
        App full = apps.get(1);
        assertThat(full.features().allowedOrigins()).isNotEmpty();
        assertThat(full.webhooks()).hasSize(1);
        assertThat(full.history()).hasSize(1);
    }

    @Test
    void theFullExampleAppNamesEveryKeyWithItsDefaultUnlessItSaysOtherwise() throws IOException {
        JsonNode entry =
                new ObjectMapper(new YAMLFactory())
                        .readTree(DIST.resolve("conf/apps.example.yaml").toFile())
                        .path("apps")
                        .path(1);
        List<String> keys = new ArrayList<>();
        for (Iterator<String> it = entry.fieldNames(); it.hasNext(); ) {
            keys.add(it.next());
        }
        assertThat(keys)
                .as("every key of the apps file, in its order")
                .containsExactlyElementsOf(AppSettings.all().stream().map(Setting::name).toList());

        App full = AppsFile.read(DIST.resolve("conf/apps.example.yaml")).get(1);
        for (Setting<?> setting : AppSettings.all()) {
            if (!EXAMPLE_VALUES.contains(setting.name())) {
                assertThat(AppSettings.read(setting, full))
                        .as(setting.name())
                        .isEqualTo(setting.defaultValue());
            }
        }
    }

    @Test
    void theEnvironmentExampleNamesRealVariablesAndKeepsCommentsOnLinesOfTheirOwn()
            throws IOException {
        Set<String> known =
                ServerSettings.commandLine().stream()
                        .map(s -> s.flag().env())
                        .collect(Collectors.toSet());
        List<String> named = new ArrayList<>();
        for (String line : Files.readAllLines(DIST.resolve("conf/herald.env.example"))) {
            Matcher m = ASSIGNMENT.matcher(line);
            if (m.matches()) {
                named.add(m.group(1));
                if (!line.startsWith("#")) {
                    // systemd keeps a # after a value as part of the value
                    assertThat(m.group(2)).as(line).doesNotContain("#");
                }
            }
        }
        assertThat(named)
                .contains(
                        "HERALD_HOST",
                        "HERALD_APP_SECRET",
                        "HERALD_CONFIG",
                        "HERALD_SHUTDOWN_GRACE");
        assertThat(named)
                .allSatisfy(
                        name ->
                                assertThat(known.contains(name) || SCRIPT_VARIABLES.contains(name))
                                        .as(
                                                "%s is a HERALD_* variable of the server or one bin/herald reads",
                                                name)
                                        .isTrue());
    }

    @Test
    void theUnitStopsAfterTheDrainRestartsAfterACrashAndAllowsAMillionFiles() throws IOException {
        Map<String, List<String>> service =
                section(DIST.resolve("systemd/herald.service"), "Service");

        assertThat(service.get("ExecStart")).containsExactly("/opt/herald/bin/herald");
        assertThat(service.get("EnvironmentFile")).containsExactly("/etc/herald/herald.env");
        assertThat(Long.parseLong(one(service, "LimitNOFILE"))).isGreaterThanOrEqualTo(1_048_576);
        assertThat(one(service, "KillSignal")).isEqualTo("SIGTERM");
        double grace = ServerSettings.SHUTDOWN_GRACE.defaultValue();
        assertThat(Double.parseDouble(one(service, "TimeoutStopSec")))
                .as("longer than the drain, with room for " + "the webhook flush")
                .isGreaterThanOrEqualTo(grace + 10);
        assertThat(one(service, "Restart")).isEqualTo("on-failure");
        // exit 3 (fatal JVM error) and 1 (could not start) are failures, so restarted
        for (String key : List.of("SuccessExitStatus", "RestartPreventExitStatus")) {
            assertThat(words(service, key)).as(key).doesNotContain("1", "3");
        }
        assertThat(words(service, "RestartPreventExitStatus"))
                .as("invalid configuration")
                .contains("2");
        assertThat(service)
                .as("the JIT writes code and runs it")
                .doesNotContainKey("MemoryDenyWriteExecute");
        assertThat(service.get("CapabilityBoundingSet")).containsExactly("");
        assertThat(one(service, "RestrictAddressFamilies")).isEqualTo("AF_INET AF_INET6 AF_UNIX");
        for (String yes :
                List.of(
                        "NoNewPrivileges",
                        "ProtectHome",
                        "PrivateTmp",
                        "PrivateDevices",
                        "ProtectKernelTunables",
                        "ProtectKernelModules",
                        "ProtectKernelLogs",
                        "ProtectControlGroups")) {
            assertThat(one(service, yes)).as(yes).isEqualTo("yes");
        }
        assertThat(one(service, "ProtectSystem")).isEqualTo("strict");
        assertThat(one(service, "SystemCallArchitectures")).isEqualTo("native");
    }

    private static String one(Map<String, List<String>> section, String key) {
        assertThat(section.get(key)).as(key).hasSize(1);
        return section.get(key).get(0);
    }

    private static List<String> words(Map<String, List<String>> section, String key) {
        return section.getOrDefault(key, List.of()).stream()
                .flatMap(v -> List.of(v.split("\\s+")).stream())
                .toList();
    }

    /** The assignments of one section of a unit file, each key with its values in order. */
    static Map<String, List<String>> section(Path unit, String name) throws IOException {
        Map<String, List<String>> values = new LinkedHashMap<>();
        String current = null;
        for (String raw : Files.readAllLines(unit)) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[")) {
                current = line.substring(1, line.length() - 1);
            } else if (name.equals(current)) {
                int eq = line.indexOf('=');
                values.computeIfAbsent(line.substring(0, eq).strip(), k -> new ArrayList<>())
                        .add(line.substring(eq + 1).strip());
            }
        }
        return values;
    }
}
