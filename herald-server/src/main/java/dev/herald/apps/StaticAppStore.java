package dev.herald.apps;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Apps fixed at start-up (flags, environment, config file). */
public final class StaticAppStore implements AppStore {

    private final Map<String, App> byId = new HashMap<>();
    private final Map<String, App> byKey = new HashMap<>();
    private final List<App> all;

    public StaticAppStore(List<App> apps) {
        this.all = List.copyOf(apps);
        for (App app : all) {
            if (byId.putIfAbsent(app.id(), app) != null) {
                throw new IllegalArgumentException("duplicate app id: " + app.id());
            }
            if (byKey.putIfAbsent(app.key(), app) != null) {
                throw new IllegalArgumentException("duplicate app key: " + app.key());
            }
        }
    }

    @Override
    public Optional<App> byId(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    @Override
    public Optional<App> byKey(String key) {
        return Optional.ofNullable(byKey.get(key));
    }

    @Override
    public Collection<App> all() {
        return all;
    }
}
