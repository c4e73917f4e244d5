package dev.herald.apps;

import java.util.Collection;
import java.util.Optional;

/**
 * Where apps come from. Lookups are called on event loops, so implementations answer from memory
 * and never block.
 */
public interface AppStore {

    Optional<App> byId(String id);

    Optional<App> byKey(String key);

    Collection<App> all();
}
