package dev.herald.apps.jdbc;

import dev.herald.apps.App;
import java.util.Objects;

/**
 * One row of {@code herald_apps}: the app it describes, or what is wrong with it (a row written by
 * hand can hold a value no app may have, such as {@code max_event_bytes = 0}).
 *
 * @param id the row's id, never null
 * @param app the app, or {@code null} when the row is invalid
 * @param problem {@code null} when the row is valid, else what is wrong, naming the column
 */
public record StoredApp(String id, App app, String problem) {

    public StoredApp {
        Objects.requireNonNull(id, "id");
        if ((app == null) == (problem == null)) {
            throw new IllegalArgumentException("exactly one of app and problem must be given");
        }
    }

    public boolean valid() {
        return app != null;
    }
}
