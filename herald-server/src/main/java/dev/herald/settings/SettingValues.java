package dev.herald.settings;

import java.util.HashMap;
import java.util.Map;

/** Values by setting, from one source; a setting not put has its default. Not thread-safe. */
public final class SettingValues {

    private final Map<Setting<?>, Object> values = new HashMap<>();

    public <T> SettingValues put(Setting<T> setting, T value) {
        values.put(setting, value);
        return this;
    }

    @SuppressWarnings("unchecked")
    public <T> T get(Setting<T> setting) {
        return values.containsKey(setting) ? (T) values.get(setting) : setting.defaultValue();
    }
}
