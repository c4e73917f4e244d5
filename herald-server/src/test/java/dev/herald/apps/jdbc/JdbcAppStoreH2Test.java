package dev.herald.apps.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.herald.apps.App;
import dev.herald.apps.AppFeatures;
import dev.herald.apps.AppLimits;
import dev.herald.apps.AppStore;
import dev.herald.apps.ChangingAppStoreContract;
import dev.herald.apps.HistoryRule;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The contract on an in-memory H2 database, plus what only the JDBC store does. */
class JdbcAppStoreH2Test extends ChangingAppStoreContract {

    private static final Duration REFRESH = Duration.ofMillis(50);

    private JdbcDatabase database;
    private JdbcApps table;
    private final List<JdbcAppStore> stores = new ArrayList<>();

    @BeforeEach
    void freshDatabase() {
        database = JdbcDatabase.of("jdbc:h2:mem:apps-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        table = new JdbcApps(database);
    }

    @AfterEach
    void closeStoresAndDropDatabase() throws SQLException {
        stores.forEach(JdbcAppStore::close);
        sql("SHUTDOWN");
    }

    @Override
    protected AppStore storeWith(List<App> apps) {
        table.createTable();
        apps.forEach(table::insert);
        return started(REFRESH);
    }

    @Override
    protected void save(App app) {
        table.save(app);
    }

    @Override
    protected void delete(String id) {
        table.delete(id);
    }

    private JdbcAppStore started(Duration refresh) {
        JdbcAppStore store = new JdbcAppStore(database, refresh);
        stores.add(store);
        return store.start();
    }

    private void sql(String statement) throws SQLException {
        try (Connection c = database.connect();
                Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    @Test
    void createsItsTableWhenAbsent() {
        JdbcAppStore store = started(REFRESH);

        assertThat(store.all()).isEmpty();
        assertThat(table.list()).isEmpty();
    }

    @Test
    void startsAgainOnAnExistingTable() {
        storeWith(List.of(alpha()));

        JdbcAppStore second = started(REFRESH);

        assertThat(second.byKey("alpha-key")).contains(alpha());
    }

    @Test
    void readsNullFeaturesAndLimitsAsDefaults() throws Exception {
        table.createTable();
        sql(
                "INSERT INTO herald_apps (id, \"key\", secret) VALUES ('7', 'hand-key', 'hand-secret')");

        JdbcAppStore store = started(REFRESH);

        App app = store.byKey("hand-key").orElseThrow();
        assertThat(app.enabled()).isTrue();
        assertThat(app.features()).isEqualTo(AppFeatures.defaults());
        assertThat(app.limits()).isEqualTo(AppLimits.defaults());
        assertThat(app.webhooks()).isEmpty();
    }

    @Test
    void readsDurationsInSecondsAndWebhooksAsJson() throws Exception {
        table.createTable();
        sql(
                "INSERT INTO herald_apps (id, \"key\", secret, cache_ttl, authorized_connection_timeout, webhooks) "
                        + "VALUES ('8', 'json-key', 's', 2.5, 45, "
                        + "'[{\"url\": \"https://h.example/x\", \"event_types\": [\"client_event\"], "
                        + "\"channel_prefix\": \"private-\"}]')");

        App app = started(REFRESH).byKey("json-key").orElseThrow();

        assertThat(app.limits().cacheTtl()).isEqualTo(Duration.ofMillis(2_500));
        assertThat(app.features().authorizedConnectionTimeout()).isEqualTo(Duration.ofSeconds(45));
        assertThat(app.webhooks())
                .singleElement()
                .satisfies(
                        w -> {
                            assertThat(w.url()).hasToString("https://h.example/x");
                            assertThat(w.eventTypes()).containsExactly("client_event");
                            assertThat(w.channelPrefix()).isEqualTo("private-");
                        });
    }

    @Test
    void addsColumnsMissingFromATableMadeByAnOlderVersion() throws Exception {
        sql(
                "CREATE TABLE herald_apps (id VARCHAR(255) NOT NULL PRIMARY KEY, \"key\" VARCHAR(255) NOT NULL UNIQUE, "
                        + "secret VARCHAR(255) NOT NULL, enabled BOOLEAN DEFAULT TRUE NOT NULL, max_connections INTEGER)");
        sql(
                "INSERT INTO herald_apps (id, \"key\", secret, max_connections) VALUES ('5', 'old-key', 's', 3)");

        JdbcAppStore store = started(REFRESH);

        assertThat(store.byKey("old-key").map(a -> a.limits().maxConnections())).contains(3);
        table.save(everyFieldSet());
        store.refreshNow();
        assertThat(store.byKey("gamma-key")).contains(everyFieldSet());
    }

    @Test
    void readsAllowedOriginsAsAJsonArray() throws Exception {
        table.createTable();
        sql(
                "INSERT INTO herald_apps (id, \"key\", secret, allowed_origins, api_requests_per_second) "
                        + "VALUES ('6', 'origin-key', 's', '[\"https://a.example\"]', 12)");
        sql(
                "INSERT INTO herald_apps (id, \"key\", secret, allowed_origins) VALUES ('7', 'bad-origins', 's', '[1]')");

        JdbcAppStore store = started(REFRESH);

        App app = store.byKey("origin-key").orElseThrow();
        assertThat(app.features().allowedOrigins()).containsExactly("https://a.example");
        assertThat(app.limits().apiRequestsPerSecond()).isEqualTo(12);
        assertThat(store.byKey("bad-origins")).isEmpty();
        assertThat(table.find("7").map(StoredApp::problem))
                .hasValueSatisfying(
                        p ->
                                assertThat(p)
                                        .contains(
                                                "allowed_origins must be a JSON array of non-empty strings"));
    }

    @Test
    void readsHistoryRulesAsJsonAndRefusesARowWithABadOne() throws Exception {
        table.createTable();
        sql(
                "INSERT INTO herald_apps (id, \"key\", secret, history) VALUES ('10', 'history-key', 's', "
                        + "'[{\"channels\": \"private-build-\", \"size\": 200, \"ttl_seconds\": 600}, "
                        + "{\"channels\": \"presence-\"}]')");
        sql(
                "INSERT INTO herald_apps (id, \"key\", secret, history) VALUES ('11', 'empty-history', 's', '[]')");
        sql(
                "INSERT INTO herald_apps (id, \"key\", secret, history) VALUES ('12', 'too-big', 's', "
                        + "'[{\"channels\": \"a\", \"size\": 10001}]')");
        sql(
                "INSERT INTO herald_apps (id, \"key\", secret, history) VALUES ('13', 'unknown-key', 's', "
                        + "'[{\"channels\": \"a\", \"max_age\": 5}]')");
        sql(
                "INSERT INTO herald_apps (id, \"key\", secret, history) VALUES ('14', 'not-a-list', 's', "
                        + "'{\"channels\": \"a\"}')");

        JdbcAppStore store = started(REFRESH);

        assertThat(store.byKey("history-key").map(App::history))
                .contains(
                        List.of(
                                new HistoryRule("private-build-", 200, 600),
                                new HistoryRule("presence-", 100, 300)));
        assertThat(store.byKey("empty-history").map(App::history)).contains(List.of());
        assertThat(store.byKey("too-big")).isEmpty();
        assertThat(table.find("12").map(StoredApp::problem))
                .contains("history[0].size must be a whole number from 1 to 10000, got 10001");
        assertThat(table.find("13").map(StoredApp::problem))
                .contains(
                        "history[0]: unknown key 'max_age'; known keys: channels, size, ttl_seconds");
        assertThat(table.find("14").map(StoredApp::problem))
                .contains("history must be a JSON array of {channels, size, ttl_seconds}");
    }

    @Test
    void storesNoHistoryAsAnEmptyArray() throws Exception {
        storeWith(List.of(alpha()));

        try (Connection c = database.connect();
                Statement s = c.createStatement();
                var rs = s.executeQuery("SELECT history FROM herald_apps WHERE id = '1001'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("[]");
        }
    }

    @Test
    void skipsAnInvalidRowAndServesTheOthers() throws Exception {
        table.createTable();
        table.insert(alpha());
        sql(
                "INSERT INTO herald_apps (id, \"key\", secret, max_event_bytes) VALUES ('9', 'bad-key', 's', 0)");

        try (LogCapture logs = new LogCapture(JdbcAppStore.class)) {
            JdbcAppStore store = started(REFRESH);

            assertThat(store.byKey("alpha-key")).contains(alpha());
            assertThat(store.byKey("bad-key")).isEmpty();
            assertThat(logs.at(Level.WARN))
                    .singleElement()
                    .asString()
                    .contains("App 9", "is not served", "max_event_bytes must be > 0");
        }
    }

    @Test
    void skipsARowWhoseIdBreaksTheIdRule() throws Exception {
        table.createTable();
        table.insert(alpha());
        sql("INSERT INTO herald_apps (id, \"key\", secret) VALUES ('team|blue', 'pipe-key', 's')");

        try (LogCapture logs = new LogCapture(JdbcAppStore.class)) {
            JdbcAppStore store = started(REFRESH);

            assertThat(store.byKey("alpha-key")).contains(alpha());
            assertThat(store.byKey("pipe-key")).isEmpty();
            assertThat(logs.at(Level.WARN))
                    .singleElement()
                    .asString()
                    .contains("is not served", "app id 'team|blue' contains '|'");
        }
    }

    @Test
    void keepsTheLastValidVersionWhenARowTurnsInvalid() throws Exception {
        JdbcAppStore store = (JdbcAppStore) storeWith(List.of(alpha()));

        try (LogCapture logs = new LogCapture(JdbcAppStore.class)) {
            sql(
                    "UPDATE herald_apps SET webhooks = 'not json', secret = 'new-secret' WHERE id = '1001'");
            store.refreshNow();
            store.refreshNow();

            assertThat(store.byKey("alpha-key")).contains(alpha());
            assertThat(logs.at(Level.WARN))
                    .singleElement()
                    .asString()
                    .contains(
                            "App 1001",
                            "last valid version stays in use",
                            "webhooks is not valid JSON")
                    .doesNotContain("new-secret", alpha().secret());
        }
        sql("UPDATE herald_apps SET webhooks = NULL WHERE id = '1001'");
        store.refreshNow();
        assertThat(store.byKey("alpha-key").map(App::secret)).contains("new-secret");
    }

    @Test
    void refusesToStartWhenTheDatabaseIsUnreachable() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        JdbcDatabase unreachable =
                new JdbcDatabase(
                        "jdbc:h2:tcp://127.0.0.1:" + closedPort + "/mem:nowhere;PASSWORD=hunter2",
                        "sa",
                        "hunter3");
        JdbcAppStore store = new JdbcAppStore(unreachable, REFRESH);

        assertThatThrownBy(store::start)
                .isInstanceOf(JdbcAppsException.class)
                .hasMessageContaining("cannot load apps from jdbc:h2:tcp://127.0.0.1:" + closedPort)
                .hasMessageContaining("HERALD_APPS_JDBC_URL")
                .hasMessageNotContaining("hunter2")
                .hasMessageNotContaining("hunter3");
        assertThatThrownBy(store::refreshNow).isInstanceOf(IllegalStateException.class);
        store.close();
    }

    @Test
    void neverLogsSecrets() throws Exception {
        try (LogCapture logs = new LogCapture(JdbcAppStore.class)) {
            JdbcAppStore store = (JdbcAppStore) storeWith(List.of(alpha(), everyFieldSet()));
            save(beta());
            store.refreshNow();
            store.close();

            assertThat(logs.all())
                    .isNotEmpty()
                    .allSatisfy(
                            line ->
                                    assertThat(line)
                                            .doesNotContain(
                                                    alpha().secret(),
                                                    beta().secret(),
                                                    everyFieldSet().secret()));
        }
    }

    @Test
    void reportsAConflictWhenAnIdOrKeyIsTaken() {
        storeWith(List.of(alpha()));

        assertThatThrownBy(() -> table.insert(App.of("1001", "other-key", "s")))
                .isInstanceOfSatisfying(
                        JdbcAppsException.class, e -> assertThat(e.conflict()).isTrue());
        assertThatThrownBy(() -> table.insert(App.of("2002", "alpha-key", "very-secret-value")))
                .isInstanceOfSatisfying(
                        JdbcAppsException.class, e -> assertThat(e.conflict()).isTrue())
                .hasMessageNotContaining("very-secret-value");
    }

    @Test
    void changesNothingForAnUnknownId() {
        storeWith(List.of(alpha()));

        assertThat(table.setEnabled("9999", false)).isFalse();
        assertThat(table.setSecret("9999", "x")).isFalse();
        assertThat(table.delete("9999")).isFalse();
        assertThat(table.find("9999")).isEmpty();
        assertThat(table.find("1001")).map(StoredApp::app).contains(alpha());
    }

    @Test
    void refusesANonPositiveRefreshInterval() {
        assertThatThrownBy(() -> new JdbcAppStore(database, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("refresh interval");
    }
}
