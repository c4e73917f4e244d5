package dev.herald.apps;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** Several stores as one; the first that knows an app answers for it. */
public final class CompositeAppStore implements AppStore {

    private final List<AppStore> stores;

    public CompositeAppStore(List<AppStore> stores) {
        this.stores = List.copyOf(stores);
    }

    @Override
    public Optional<App> byId(String id) {
        for (AppStore store : stores) {
            Optional<App> app = store.byId(id);
            if (app.isPresent()) {
                return app;
            }
        }
        return Optional.empty();
    }

    @Override
    public Optional<App> byKey(String key) {
        for (AppStore store : stores) {
            Optional<App> app = store.byKey(key);
            if (app.isPresent()) {
                return app;
            }
        }
        return Optional.empty();
    }

    @Override
    public Collection<App> all() {
        List<App> all = new ArrayList<>();
        for (AppStore store : stores) {
            all.addAll(store.all());
        }
        return all;
    }
}
