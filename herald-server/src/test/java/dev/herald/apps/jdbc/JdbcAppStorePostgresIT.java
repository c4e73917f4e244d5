package dev.herald.apps.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.apps.App;
import dev.herald.apps.AppFeatures;
import dev.herald.apps.AppLimits;
import dev.herald.apps.AppStore;
import dev.herald.apps.ChangingAppStoreContract;
import dev.herald.apps.HistoryRule;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract against a real PostgreSQL server: by default the one {@code .ci/run} starts on
 * 127.0.0.1:5432, with the role and database {@code herald_test} (password {@code herald_test}) it
 * creates; {@code -Dherald.test.postgres=<JDBC URL>} names another. Each run works in a schema of
 * its own, dropped afterwards.
 */
class JdbcAppStorePostgresIT extends ChangingAppStoreContract {

    private static final String SERVER =
            System.getProperty(
                    "herald.test.postgres",
                    "jdbc:postgresql://127.0.0.1:5432/herald_test?user=herald_test&password=herald_test");
    private static final String SCHEMA =
            "herald_it_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    private static final JdbcDatabase DATABASE =
            JdbcDatabase.of(SERVER + "&currentSchema=" + SCHEMA);

    private final JdbcApps table = new JdbcApps(DATABASE);
    private final List<JdbcAppStore> stores = new ArrayList<>();

    @BeforeAll
    static void createSchema() throws SQLException {
        sql(JdbcDatabase.of(SERVER), "CREATE SCHEMA " + SCHEMA);
    }

    @AfterAll
    static void dropSchema() throws SQLException {
        sql(JdbcDatabase.of(SERVER), "DROP SCHEMA " + SCHEMA + " CASCADE");
    }

    @BeforeEach
    void noTable() throws SQLException {
        sql(DATABASE, "DROP TABLE IF EXISTS herald_apps");
    }

    @AfterEach
    void closeStores() {
        stores.forEach(JdbcAppStore::close);
    }

    private static void sql(JdbcDatabase database, String statement) throws SQLException {
        try (Connection c = database.connect();
                Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    @Override
    protected AppStore storeWith(List<App> apps) {
        table.createTable();
        apps.forEach(table::insert);
        return started();
    }

    @Override
    protected void save(App app) {
        table.save(app);
    }

    @Override
    protected void delete(String id) {
        table.delete(id);
    }

    private JdbcAppStore started() {
        JdbcAppStore store = new JdbcAppStore(DATABASE, Duration.ofMillis(100));
        stores.add(store);
        return store.start();
    }

    @Test
    void createsItsTableInTheSchema() throws SQLException {
        started();

        try (Connection c = JdbcDatabase.of(SERVER).connect();
                var rs = c.getMetaData().getColumns(null, SCHEMA, "herald_apps", null)) {
            List<String> columns = new ArrayList<>();
            while (rs.next()) {
                columns.add(rs.getString("COLUMN_NAME"));
            }
            assertThat(columns)
                    .contains(
                            "id",
                            "key",
                            "secret",
                            "enabled",
                            "client_events",
                            "max_connections",
                            "cache_ttl",
                            "webhooks",
                            "history");
        }
    }

    @Test
    void addsColumnsMissingFromATableMadeByAnOlderVersion() throws Exception {
        sql(
                DATABASE,
                "CREATE TABLE herald_apps (id VARCHAR(255) NOT NULL PRIMARY KEY, key VARCHAR(255) NOT NULL "
                        + "UNIQUE, secret VARCHAR(255) NOT NULL, enabled BOOLEAN DEFAULT TRUE NOT NULL)");
        sql(DATABASE, "INSERT INTO herald_apps (id, key, secret) VALUES ('5', 'old-key', 's')");

        JdbcAppStore store = started();

        assertThat(store.byKey("old-key")).isPresent();
        table.save(everyFieldSet());
        store.refreshNow();
        assertThat(store.byKey("gamma-key")).contains(everyFieldSet());
    }

    @Test
    void readsARowWrittenByHand() throws SQLException {
        table.createTable();
        sql(
                DATABASE,
                "INSERT INTO herald_apps (id, key, secret, max_connections, cache_ttl, webhooks, history) "
                        + "VALUES ('42', 'hand-key', 'hand-secret', 7, 1.25, '[{\"url\": \"https://h.example/x\"}]', "
                        + "'[{\"channels\": \"private-build-\", \"ttl_seconds\": 60}]')");

        App app = started().byKey("hand-key").orElseThrow();

        assertThat(app.enabled()).isTrue();
        assertThat(app.features()).isEqualTo(AppFeatures.defaults());
        assertThat(app.limits().maxConnections()).isEqualTo(7);
        assertThat(app.limits().cacheTtl()).isEqualTo(Duration.ofMillis(1_250));
        assertThat(app.limits().maxEventBytes()).isEqualTo(AppLimits.DEFAULT_MAX_EVENT_BYTES);
        assertThat(app.webhooks())
                .singleElement()
                .satisfies(w -> assertThat(w.url()).hasToString("https://h.example/x"));
        assertThat(app.history()).containsExactly(new HistoryRule("private-build-", 100, 60));
    }
}
