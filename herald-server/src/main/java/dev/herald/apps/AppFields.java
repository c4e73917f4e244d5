package dev.herald.apps;

import dev.herald.settings.Setting;
import dev.herald.settings.SettingValues;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * An app's features and limits as {@code name=value} text: the settable settings of {@link
 * AppSettings}, under the names of the YAML apps file and of the {@code herald_apps} columns. What
 * {@code herald apps create --set} reads and {@code herald apps list} prints. Lists ({@code
 * allowed_origins}) are comma-separated, durations in seconds, and {@code history} is a JSON array
 * of its rules.
 */
public final class AppFields {

    private AppFields() {}

    /** The settings {@code --set} accepts, in the order of the apps file. */
    public static List<Setting<?>> fields() {
        return AppSettings.all().stream().filter(Setting::settable).toList();
    }

    /** Every feature and limit of the app, in the order of the apps file; durations in seconds. */
    public static Map<String, String> describe(App app) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Setting<?> field : fields()) {
            out.put(field.name(), text(field, app));
        }
        return out;
    }

    private static <T> String text(Setting<T> field, App app) {
        return field.type().text(AppSettings.read(field, app));
    }

    /** The fields whose value differs from Herald's defaults. */
    public static Map<String, String> changed(App app) {
        Map<String, String> defaults = describe(App.of(app.id(), app.key(), app.secret()));
        Map<String, String> out = new LinkedHashMap<>();
        describe(app)
                .forEach(
                        (name, value) -> {
                            if (!value.equals(defaults.get(name))) {
                                out.put(name, value);
                            }
                        });
        return out;
    }

    /**
     * The app with these fields set.
     *
     * @throws IllegalArgumentException naming the field, for an unknown field or a bad value
     */
    public static App apply(App app, Map<String, String> set) {
        List<Setting<?>> fields = fields();
        for (String name : set.keySet()) {
            if (fields.stream().noneMatch(f -> f.name().equals(name))) {
                throw new IllegalArgumentException(
                        "unknown field '"
                                + name
                                + "'; known fields: "
                                + String.join(
                                        ", ",
                                        new TreeSet<>(
                                                fields.stream().map(Setting::name).toList())));
            }
        }
        try {
            SettingValues values = AppSettings.values(app);
            for (Setting<?> field : fields) {
                String text = set.get(field.name());
                if (text != null) {
                    parse(field, text, values);
                }
            }
            return AppSettings.build(values);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    e.getMessage().startsWith("--set")
                            ? e.getMessage()
                            : "--set: " + e.getMessage());
        }
    }

    private static <T> void parse(Setting<T> field, String text, SettingValues values) {
        values.put(field, field.type().fromText(text, "--set " + field.name()));
    }
}
