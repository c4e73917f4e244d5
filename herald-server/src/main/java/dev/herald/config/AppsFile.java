package dev.herald.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.herald.apps.App;
import dev.herald.apps.AppSettings;
import dev.herald.settings.Setting;
import dev.herald.settings.SettingValues;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Reads the apps of a YAML config file ({@code --config}, {@code HERALD_CONFIG}):
 *
 * <pre>
 * apps:
 *   - id: my-app
 *     key: my-key
 *     secret: my-secret
 *     max_connections: 5000
 * </pre>
 *
 * The keys are the settings of {@link AppSettings}. Every problem names its place ({@code
 * apps[1].max_connections}) and what is wrong; unknown keys are errors, so a typo never silently
 * falls back to a default.
 */
public final class AppsFile {

    private AppsFile() {}

    public static List<App> read(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new ConfigException(
                    "config file "
                            + file
                            + " ("
                            + ServerSettings.CONFIG.flag().subject()
                            + "): no such file");
        } catch (IOException e) {
            throw new ConfigException(
                    "config file "
                            + file
                            + " ("
                            + ServerSettings.CONFIG.flag().subject()
                            + ") cannot be read: "
                            + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new ConfigException(
                    "config file " + file + " must be a YAML mapping with an 'apps' list");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!key.equals("apps")) {
                throw new ConfigException(file + ": unknown key '" + key + "' (expected 'apps')");
            }
        }
        JsonNode apps = root.get("apps");
        if (apps == null || !apps.isArray() || apps.isEmpty()) {
            throw new ConfigException(file + ": 'apps' must be a non-empty list");
        }
        List<App> result = new ArrayList<>();
        Map<String, Integer> ids = new HashMap<>();
        Map<String, Integer> keys = new HashMap<>();
        for (int i = 0; i < apps.size(); i++) {
            String where = file + ": apps[" + i + "]";
            App app = app(where, apps.get(i));
            unique(ids.putIfAbsent(app.id(), i), where + ".id", app.id());
            unique(keys.putIfAbsent(app.key(), i), where + ".key", app.key());
            result.add(app);
        }
        return result;
    }

    /**
     * Two apps may share neither an id nor a key: a client or a signed request must name one app.
     */
    private static void unique(Integer earlier, String at, String value) {
        if (earlier != null) {
            throw new ConfigException(
                    at + " '" + value + "' is already used by apps[" + earlier + "]");
        }
    }

    /**
     * An app: each key is a setting of {@link AppSettings}; one absent has its default, unless
     * required.
     */
    private static App app(String where, JsonNode node) {
        if (!node.isObject()) {
            throw new ConfigException(where + " must be a mapping");
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (AppSettings.named(key) == null) {
                throw new ConfigException(
                        where
                                + ": unknown key '"
                                + key
                                + "'; known keys: "
                                + String.join(
                                        ", ",
                                        AppSettings.all().stream()
                                                .map(Setting::name)
                                                .sorted()
                                                .toList()));
            }
        }
        SettingValues values = new SettingValues();
        for (Setting<?> setting : AppSettings.all()) {
            read(setting, where, node, values);
        }
        try {
            return AppSettings.build(values);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where + ": " + e.getMessage());
        }
    }

    private static <T> void read(
            Setting<T> setting, String where, JsonNode node, SettingValues values) {
        JsonNode value = node.get(setting.name());
        String at = where + "." + setting.name();
        try {
            if (value != null) {
                values.put(setting, setting.type().fromYaml(value, at));
            } else if (setting.defaultValue() == null) {
                throw new IllegalArgumentException(
                        at + " is required and must be " + setting.type().requirement());
            }
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }
}
