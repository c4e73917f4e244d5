package dev.herald.apps.jdbc;

import dev.herald.apps.App;
import dev.herald.apps.AppStore;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Apps from the {@code herald_apps} table ({@code HERALD_APPS_JDBC_URL}).
 *
 * <p><b>Lookups never touch the database.</b> {@link #byId}, {@link #byKey} and {@link #all} read
 * an immutable snapshot (separate maps by id and by key) through one volatile field, so they are
 * safe and non-blocking on any thread, event loops included. One daemon thread, {@code
 * herald-apps-refresh}, reloads the whole table every {@code refresh} interval and swaps the
 * snapshot: a new, changed or disabled app takes effect within that interval (5 s by default). Apps
 * are few and rows small, so a full reload is simpler and safer than change tracking.
 *
 * <p><b>Outages.</b> When the database cannot be read, the last snapshot stays in use, so connected
 * clients and known apps keep working; one warning is logged when the outage starts and one line
 * when it ends. A row that cannot be an app (a value written by hand that no app may have) is
 * skipped with one warning per problem; if an earlier version of that app was valid, the earlier
 * version is kept, so a bad edit does not cut off a running app.
 *
 * <p><b>Lifecycle.</b> {@link #start()} creates the table if absent and loads it on the caller's
 * thread, failing fast when the database cannot be reached; {@link #close()} stops the refresher
 * and closes its connection. Neither secrets nor the database password are ever logged.
 */
public final class JdbcAppStore implements AppStore, AutoCloseable {

    public static final Duration DEFAULT_REFRESH = Duration.ofSeconds(5);

    private static final Logger log = LoggerFactory.getLogger(JdbcAppStore.class);
    private static final int NETWORK_TIMEOUT_MILLIS = AppTable.QUERY_TIMEOUT_SECONDS * 1000;

    private final JdbcDatabase database;
    private final Duration refresh;
    private volatile Snapshot snapshot = Snapshot.EMPTY;
    private volatile boolean closing;
    private ScheduledExecutorService refresher;

    // Confined to start() and then to the refresher thread.
    private Connection connection;
    private Instant outageSince;
    private final Map<String, String> reportedProblems = new HashMap<>();

    public JdbcAppStore(JdbcDatabase database) {
        this(database, DEFAULT_REFRESH);
    }

    public JdbcAppStore(JdbcDatabase database, Duration refresh) {
        this.database = Objects.requireNonNull(database, "database");
        this.refresh = Objects.requireNonNull(refresh, "refresh");
        if (refresh.isNegative() || refresh.isZero()) {
            throw new IllegalArgumentException(
                    "apps refresh interval must be positive, got " + refresh);
        }
    }

    /**
     * Creates the table if absent, loads every app, then refreshes in the background.
     *
     * @throws JdbcAppsException when the database cannot be reached or read; the message names the
     *     database (password masked) and {@code HERALD_APPS_JDBC_URL}
     */
    public synchronized JdbcAppStore start() {
        if (refresher != null) {
            throw new IllegalStateException("already started");
        }
        try {
            connection = open();
            AppTable.createIfAbsent(connection);
            load();
        } catch (SQLException e) {
            closeConnection();
            throw new JdbcAppsException(
                    "cannot load apps from "
                            + database.redactedUrl()
                            + " ("
                            + JdbcDatabase.URL_ENV
                            + "): "
                            + JdbcApps.describe(database, e),
                    false);
        }
        log.info(
                "Loaded {} apps from {}; refreshing every {} ms",
                snapshot.all.size(),
                database.redactedUrl(),
                refresh.toMillis());
        refresher = Executors.newSingleThreadScheduledExecutor(new RefreshThreads());
        refresher.scheduleWithFixedDelay(
                new RefreshTask(), refresh.toMillis(), refresh.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    @Override
    public Optional<App> byId(String id) {
        return Optional.ofNullable(snapshot.byId.get(id));
    }

    @Override
    public Optional<App> byKey(String key) {
        return Optional.ofNullable(snapshot.byKey.get(key));
    }

    @Override
    public Collection<App> all() {
        return snapshot.all;
    }

    /**
     * Reloads now, on the refresher thread, and waits for it; a failure keeps the last snapshot, as
     * a scheduled refresh does. Blocks: never call on an event loop.
     */
    public void refreshNow() throws InterruptedException {
        ScheduledExecutorService executor;
        synchronized (this) {
            executor = refresher;
        }
        if (executor == null || closing) {
            throw new IllegalStateException(executor == null ? "not started" : "closed");
        }
        try {
            executor.submit(new RefreshTask()).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("refresh task failed", e.getCause());
        }
    }

    @Override
    public synchronized void close() {
        closing = true;
        if (refresher != null) {
            refresher.shutdownNow();
            try {
                if (!refresher.awaitTermination(AppTable.QUERY_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    log.warn("Apps refresh did not stop in time; closing its connection under it");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeConnection();
    }

    /** Reads the table and swaps the snapshot. Runs in start() and then on the refresher thread. */
    private void load() throws SQLException {
        List<StoredApp> rows = AppTable.selectAll(connection);
        Snapshot previous = snapshot;
        Map<String, App> byId = new LinkedHashMap<>();
        Map<String, App> byKey = new HashMap<>();
        Map<String, String> problems = new HashMap<>();
        for (StoredApp row : rows) {
            App app = row.app();
            if (app != null) {
                App sameKey = byKey.get(app.key());
                if (sameKey != null) {
                    problems.put(row.id(), "key is also the key of app " + sameKey.id());
                    continue;
                }
            } else {
                problems.put(row.id(), row.problem());
                app = previous.byId.get(row.id());
                if (app == null || byKey.containsKey(app.key())) {
                    continue;
                }
            }
            byId.put(app.id(), app);
            byKey.put(app.key(), app);
        }
        report(problems, byId);
        snapshot = new Snapshot(byId, byKey);
    }

    /**
     * Warns once per distinct problem of a row, so a bad row does not flood the log every refresh.
     */
    private void report(Map<String, String> problems, Map<String, App> served) {
        for (Map.Entry<String, String> problem : problems.entrySet()) {
            String id = problem.getKey();
            if (!problem.getValue().equals(reportedProblems.get(id))) {
                boolean kept = served.containsKey(id);
                log.warn(
                        "App {} in {} is invalid and {}: {}",
                        id,
                        AppTable.TABLE,
                        kept ? "its last valid version stays in use" : "is not served",
                        problem.getValue());
            }
        }
        reportedProblems.keySet().retainAll(problems.keySet());
        reportedProblems.putAll(problems);
    }

    private Connection open() throws SQLException {
        Connection c = database.connect();
        try {
            // bounds a read on a dead network link, where the driver supports it (PostgreSQL,
            // MySQL)
            c.setNetworkTimeout(Runnable::run, NETWORK_TIMEOUT_MILLIS);
        } catch (SQLFeatureNotSupportedException | UnsupportedOperationException e) {
            // the query timeout still applies
        }
        return c;
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                log.debug(
                        "Closing the apps database connection failed: {}",
                        JdbcApps.describe(database, e));
            }
            connection = null;
        }
    }

    /**
     * One reload, on the refresher thread. A failure on a kept connection is retried once on a
     * fresh one (the server or a proxy may have closed an idle connection); only a second failure
     * is an outage.
     */
    private final class RefreshTask implements Runnable {

        @Override
        public void run() {
            try {
                reload();
                if (outageSince != null) {
                    log.info(
                            "Apps database {} answers again after {} s; {} apps loaded",
                            database.redactedUrl(),
                            Duration.between(outageSince, Instant.now()).toSeconds(),
                            snapshot.all.size());
                    outageSince = null;
                }
            } catch (SQLException | RuntimeException e) {
                closeConnection();
                if (closing) {
                    return; // interrupted by close(): not an outage
                }
                String reason =
                        e instanceof SQLException sql
                                ? JdbcApps.describe(database, sql)
                                : database.redact(String.valueOf(e));
                if (outageSince == null) {
                    outageSince = Instant.now();
                    log.warn(
                            "Apps database {} cannot be read: {}. Keeping the last snapshot ({} apps) until it "
                                    + "answers.",
                            database.redactedUrl(),
                            reason,
                            snapshot.all.size());
                } else {
                    log.debug(
                            "Apps database {} still cannot be read: {}",
                            database.redactedUrl(),
                            reason);
                }
            }
        }

        private void reload() throws SQLException {
            if (connection != null) {
                try {
                    load();
                    return;
                } catch (SQLException e) {
                    closeConnection();
                }
            }
            connection = open();
            load();
        }
    }

    private static final class RefreshThreads implements ThreadFactory {

        @Override
        public Thread newThread(Runnable r) {
            Thread thread = new Thread(r, "herald-apps-refresh");
            thread.setDaemon(true);
            return thread;
        }
    }

    /** What lookups read: immutable, swapped whole. */
    private static final class Snapshot {

        static final Snapshot EMPTY = new Snapshot(Map.of(), Map.of());

        final Map<String, App> byId;
        final Map<String, App> byKey;
        final List<App> all;

        Snapshot(Map<String, App> byId, Map<String, App> byKey) {
            this.byId = Map.copyOf(byId);
            this.byKey = Map.copyOf(byKey);
            this.all = List.copyOf(new ArrayList<>(byId.values()));
        }
    }
}
