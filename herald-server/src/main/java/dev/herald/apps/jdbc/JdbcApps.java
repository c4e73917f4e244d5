package dev.herald.apps.jdbc;

import dev.herald.apps.App;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads and changes the {@code herald_apps} table: what the {@code herald apps} command does.
 *
 * <p>Every call opens a connection, does one thing and closes it, so it blocks: use it from a
 * command or a test, never on an event loop. Running servers see a change at their next refresh
 * ({@link JdbcAppStore}). Failures throw {@link JdbcAppsException}, whose message masks the
 * database password.
 */
public final class JdbcApps {

    private final JdbcDatabase database;

    public JdbcApps(JdbcDatabase database) {
        this.database = Objects.requireNonNull(database, "database");
    }

    public JdbcDatabase database() {
        return database;
    }

    /** Creates {@code herald_apps} unless it exists. */
    public void createTable() {
        run(
                "create table " + AppTable.TABLE,
                c -> {
                    AppTable.createIfAbsent(c);
                    return null;
                });
    }

    /** Every row, valid or not, ordered by id. */
    public List<StoredApp> list() {
        return run("read apps", AppTable::selectAll);
    }

    /** The row with this id, if any. */
    public Optional<StoredApp> find(String id) {
        return run("read app " + id, c -> AppTable.selectById(c, id));
    }

    /** Adds an app; {@link JdbcAppsException#conflict()} when its id or key is taken. */
    public void insert(App app) {
        run(
                "create app " + app.id(),
                app.secret(),
                c -> {
                    AppTable.insert(c, app);
                    return null;
                });
    }

    /** Inserts the app, or replaces every field of the app with its id. */
    public void save(App app) {
        run(
                "save app " + app.id(),
                app.secret(),
                c -> {
                    if (!AppTable.update(c, app)) {
                        AppTable.insert(c, app);
                    }
                    return null;
                });
    }

    /** Returns false when there is no app with this id. */
    public boolean setEnabled(String id, boolean enabled) {
        return run(
                (enabled ? "enable" : "disable") + " app " + id,
                c -> AppTable.setEnabled(c, id, enabled));
    }

    /** Returns false when there is no app with this id. */
    public boolean setSecret(String id, String secret) {
        Objects.requireNonNull(secret, "secret");
        if (secret.isEmpty()) {
            throw new IllegalArgumentException("secret must not be empty");
        }
        return run("set the secret of app " + id, secret, c -> AppTable.setSecret(c, id, secret));
    }

    /** Returns false when there is no app with this id. */
    public boolean delete(String id) {
        return run("delete app " + id, c -> AppTable.delete(c, id));
    }

    private <T> T run(String what, SqlWork<T> work) {
        return run(what, null, work);
    }

    /**
     * Runs the work; {@code secret}, when given, is masked in any error message (drivers quote
     * values).
     */
    private <T> T run(String what, String secret, SqlWork<T> work) {
        try (Connection c = database.connect()) {
            return work.apply(c);
        } catch (SQLException e) {
            String state = e.getSQLState();
            boolean conflict = state != null && state.startsWith("23");
            String reason =
                    conflict ? "an app with that id or key exists already" : describe(database, e);
            if (secret != null) {
                reason = reason.replace(secret, "****");
            }
            throw new JdbcAppsException(
                    "cannot " + what + " in " + database.redactedUrl() + ": " + reason, conflict);
        }
    }

    /** The exception's message and SQL state, password masked. */
    static String describe(JdbcDatabase database, SQLException e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return database.redact(message)
                + (e.getSQLState() == null ? "" : " (SQL state " + e.getSQLState() + ")");
    }

    @FunctionalInterface
    private interface SqlWork<T> {
        T apply(Connection c) throws SQLException;
    }
}
