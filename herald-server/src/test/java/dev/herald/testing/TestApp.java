package dev.herald.testing;

import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The app a server under test serves. A cluster test class takes its own id and key (with a random
 * suffix, so that not even a crashed earlier run's state in the shared Redis can meet this one's):
 * cluster keys in Redis are per app, so classes never see each other's members, counts or caches.
 */
public record TestApp(String id, String key, String secret) {

    /** The app a server runs with when no {@code HERALD_APP_*} variable is given. */
    public static final TestApp DEFAULT = new TestApp("app-id", "app-key", "app-secret");

    public static TestApp named(String prefix) {
        String suffix =
                Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xFFFFFF));
        return new TestApp(
                prefix + "-" + suffix, prefix + "-key-" + suffix, prefix + "-secret-" + suffix);
    }

    public Map<String, String> env() {
        return Map.of("HERALD_APP_ID", id, "HERALD_APP_KEY", key, "HERALD_APP_SECRET", secret);
    }
}
