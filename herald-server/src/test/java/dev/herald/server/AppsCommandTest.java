package dev.herald.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.apps.App;
import dev.herald.apps.HistoryRule;
import dev.herald.apps.jdbc.JdbcAppStore;
import dev.herald.apps.jdbc.JdbcApps;
import dev.herald.apps.jdbc.JdbcDatabase;
import dev.herald.apps.jdbc.StoredApp;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code herald apps ...} run through picocli against an in-memory H2 database. */
class AppsCommandTest {

    private String url;
    private JdbcApps table;

    @BeforeEach
    void freshDatabase() {
        url = "jdbc:h2:mem:cli-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        table = new JdbcApps(JdbcDatabase.of(url));
    }

    @AfterEach
    void dropDatabase() throws SQLException {
        try (Connection c = JdbcDatabase.of(url).connect();
                Statement s = c.createStatement()) {
            s.execute("SHUTDOWN");
        }
    }

    private record Run(int exit, String out, String err) {}

    private Run herald(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit =
                new CommandLine(new AppsCommand(Map.of()))
                        .setOut(new PrintWriter(out))
                        .setErr(new PrintWriter(err))
                        .execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private Run apps(String command, String... args) {
        String[] all = new String[args.length + 3];
        all[0] = command;
        all[1] = "--jdbc-url";
        all[2] = url;
        System.arraycopy(args, 0, all, 3, args.length);
        return herald(all);
    }

    private static String field(String output, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + ":\\s+(\\S+)$").matcher(output);
        assertThat(m.find()).as(name + " in " + output).isTrue();
        return m.group(1);
    }

    private App stored(String id) {
        return table.find(id).map(StoredApp::app).orElseThrow();
    }

    @Test
    void createsAnAppWithGeneratedCredentialsAndPrintsThemOnce() {
        Run run = apps("create");

        assertThat(run.exit()).isZero();
        String id = field(run.out(), "id");
        String key = field(run.out(), "key");
        String secret = field(run.out(), "secret");
        assertThat(id).matches("[1-9][0-9]{9}");
        assertThat(key).matches("[0-9a-f]{20}");
        assertThat(secret).matches("[0-9a-f]{32}");
        assertThat(run.err()).contains("shown only this once");
        assertThat(stored(id)).isEqualTo(App.of(id, key, secret));
    }

    @Test
    void generatesDifferentCredentialsEachTime() {
        Run first = apps("create");
        Run second = apps("create");

        assertThat(field(first.out(), "id")).isNotEqualTo(field(second.out(), "id"));
        assertThat(field(first.out(), "key")).isNotEqualTo(field(second.out(), "key"));
        assertThat(field(first.out(), "secret")).isNotEqualTo(field(second.out(), "secret"));
        assertThat(table.list()).hasSize(2);
    }

    @Test
    void createsAnAppWithGivenCredentialsSettingsAndWebhooks() {
        Run run =
                apps(
                        "create",
                        "--id",
                        "my-app",
                        "--key",
                        "my-key",
                        "--secret",
                        "my-secret",
                        "--disabled",
                        "--set",
                        "client_events=false",
                        "--set",
                        "max_connections=500",
                        "--set",
                        "cache_ttl=2.5",
                        "--set",
                        "allowed_origins=https://a.example, https://*.b.example",
                        "--set",
                        "api_requests_per_second=9",
                        "--webhook",
                        "https://hooks.example.com/herald");

        assertThat(run.exit()).as(run.err()).isZero();
        App app = stored("my-app");
        assertThat(app.key()).isEqualTo("my-key");
        assertThat(app.secret()).isEqualTo("my-secret");
        assertThat(app.enabled()).isFalse();
        assertThat(app.features().clientEvents()).isFalse();
        assertThat(app.limits().maxConnections()).isEqualTo(500);
        assertThat(app.limits().cacheTtl()).isEqualTo(Duration.ofMillis(2_500));
        assertThat(app.features().allowedOrigins())
                .containsExactly("https://a.example", "https://*.b.example");
        assertThat(app.limits().apiRequestsPerSecond()).isEqualTo(9);
        assertThat(app.webhooks())
                .singleElement()
                .satisfies(
                        w -> assertThat(w.url()).hasToString("https://hooks.example.com/herald"));
    }

    @Test
    void refusesATakenIdOrKey() {
        apps("create", "--id", "one", "--key", "k1");

        Run sameId = apps("create", "--id", "one", "--key", "k2");
        Run sameKey = apps("create", "--id", "two", "--key", "k1");

        assertThat(sameId.exit()).isEqualTo(1);
        assertThat(sameId.err()).contains("exists already");
        assertThat(sameKey.exit()).isEqualTo(1);
        assertThat(table.list()).hasSize(1);
    }

    @Test
    void refusesAnUnknownSettingOrABadValueNamingIt() {
        Run unknown = apps("create", "--set", "max_conections=5");
        Run bad = apps("create", "--set", "max_event_bytes=0");
        Run notBool = apps("create", "--set", "watchlist=yes");

        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown field 'max_conections'", "max_connections");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("max_event_bytes must be > 0");
        assertThat(notBool.err()).contains("watchlist must be true or false");
        assertThat(table.list()).isEmpty();
    }

    @Test
    void setsHistoryRulesAsJsonAndListsThemSo() {
        String rules =
                "[{\"channels\":\"private-build-\",\"size\":200,\"ttl_seconds\":600},"
                        + "{\"channels\":\"presence-\"}]";

        Run run = apps("create", "--id", "builds", "--set", "history=" + rules);

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(stored("builds").history())
                .containsExactly(
                        new HistoryRule("private-build-", 200, 600),
                        new HistoryRule("presence-", 100, 300));
        assertThat(apps("list").out().lines().filter(l -> l.startsWith("builds ")).findFirst())
                .hasValueSatisfying(
                        l ->
                                assertThat(l)
                                        .contains(
                                                "history=[{\"channels\":\"private-build-\",\"size\":200,"
                                                        + "\"ttl_seconds\":600},{\"channels\":\"presence-\","
                                                        + "\"size\":100,\"ttl_seconds\":300}]"));
        assertThat(apps("create", "--id", "none", "--set", "history=[]").exit()).isZero();
        assertThat(stored("none").history()).isEmpty();
    }

    @Test
    void refusesBadHistoryRulesSayingWhy() {
        Run notJson = apps("create", "--set", "history=private-build-");
        Run tooLong =
                apps("create", "--set", "history=[{\"channels\":\"a\",\"ttl_seconds\":86401}]");
        Run unknown = apps("create", "--set", "history=[{\"channels\":\"a\",\"sizes\":5}]");
        Run shadowed =
                apps(
                        "create",
                        "--set",
                        "history=[{\"channels\":\"private-\"},{\"channels\":\"private-x\"}]");
        Run tooMany =
                apps(
                        "create",
                        "--set",
                        "history=[" + "{\"channels\":\"a\"},".repeat(16) + "{\"channels\":\"b\"}]");

        assertThat(notJson.exit()).isEqualTo(2);
        assertThat(notJson.err()).contains("--set history is not valid JSON");
        assertThat(tooLong.exit()).isEqualTo(2);
        assertThat(tooLong.err())
                .contains(
                        "--set history[0].ttl_seconds must be a whole number from 1 to 86400, got 86401");
        assertThat(unknown.err())
                .contains("--set history[0]: unknown key 'sizes'; known keys: channels, size");
        assertThat(shadowed.err())
                .contains("--set history[1] (channels 'private-x') never applies");
        assertThat(tooMany.err()).contains("--set history has 17 rules; at most 16");
        assertThat(table.list()).isEmpty();
    }

    @Test
    void listsAppsWithSecretsMasked() {
        String secret =
                field(
                        apps(
                                        "create",
                                        "--id",
                                        "a1",
                                        "--key",
                                        "key-a1",
                                        "--set",
                                        "max_connections=10")
                                .out(),
                        "secret");
        apps("create", "--id", "a2", "--key", "key-a2", "--secret", "short", "--disabled");

        Run run = apps("list");

        assertThat(run.exit()).isZero();
        assertThat(run.out())
                .doesNotContain(secret)
                .doesNotContain("short")
                .contains("****" + secret.substring(secret.length() - 4));
        assertThat(run.out().lines()).hasSize(3);
        assertThat(run.out().lines().toList().get(0))
                .startsWith("ID")
                .contains("KEY", "SECRET", "ENABLED");
        assertThat(run.out().lines().filter(l -> l.startsWith("a1 ")).findFirst())
                .hasValueSatisfying(
                        l -> assertThat(l).contains("key-a1", "true", "max_connections=10"));
        assertThat(run.out().lines().filter(l -> l.startsWith("a2 ")).findFirst())
                .hasValueSatisfying(l -> assertThat(l).contains("key-a2", "****", "false"));
    }

    @Test
    void listsAnInvalidRowWithItsProblem() throws SQLException {
        table.createTable();
        try (Connection c = JdbcDatabase.of(url).connect();
                Statement s = c.createStatement()) {
            s.execute(
                    "INSERT INTO herald_apps (id, \"key\", secret, cache_ttl) VALUES ('x', 'kx', 'hidden', -1)");
        }

        Run run = apps("list");

        assertThat(run.out())
                .contains("INVALID: cache_ttl must be a positive number of seconds")
                .doesNotContain("hidden");
    }

    @Test
    void saysSoWhenThereAreNoApps() {
        Run run = apps("list");

        assertThat(run.exit()).isZero();
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).contains("No apps");
    }

    @Test
    void disablesAndEnablesAnApp() {
        apps("create", "--id", "a1");

        Run disabled = apps("disable", "a1");
        assertThat(disabled.exit()).isZero();
        assertThat(disabled.out()).contains("Disabled app a1");
        assertThat(stored("a1").enabled()).isFalse();

        Run enabled = apps("enable", "a1");
        assertThat(enabled.exit()).isZero();
        assertThat(stored("a1").enabled()).isTrue();
    }

    @Test
    void rotatesTheSecretAndPrintsTheNewOne() {
        String old = field(apps("create", "--id", "a1").out(), "secret");

        Run run = apps("rotate-secret", "a1");

        assertThat(run.exit()).isZero();
        String fresh = field(run.out(), "secret");
        assertThat(fresh).matches("[0-9a-f]{32}").isNotEqualTo(old);
        assertThat(stored("a1").secret()).isEqualTo(fresh);
    }

    @Test
    void rotatesToAGivenSecret() {
        apps("create", "--id", "a1");

        assertThat(apps("rotate-secret", "a1", "--secret", "chosen-secret").exit()).isZero();

        assertThat(stored("a1").secret()).isEqualTo("chosen-secret");
    }

    @Test
    void failsForAnUnknownId() {
        for (String command : new String[] {"disable", "enable", "rotate-secret"}) {
            Run run = apps(command, "nope");

            assertThat(run.exit()).as(command).isEqualTo(1);
            assertThat(run.err()).as(command).contains("no app with id 'nope'");
            assertThat(run.out()).as(command).isEmpty();
        }
    }

    @Test
    void changesReachARunningStoreWithinItsRefreshInterval() {
        table.createTable();
        try (JdbcAppStore store =
                new JdbcAppStore(JdbcDatabase.of(url), Duration.ofMillis(50)).start()) {
            String key = field(apps("create", "--id", "live").out(), "key");
            await().atMost(Duration.ofSeconds(5)).until(() -> store.byKey(key).isPresent());

            apps("disable", "live");
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> !store.byId("live").orElseThrow().enabled());

            String secret = field(apps("rotate-secret", "live").out(), "secret");
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> store.byId("live").orElseThrow().secret().equals(secret));
        }
    }

    @Test
    void needsADatabase() {
        Run run = herald("list", "--jdbc-url", "");

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("--jdbc-url", "HERALD_APPS_JDBC_URL");
    }

    @Test
    void reportsAnUnreachableDatabaseWithoutItsPassword() {
        Run run = herald("list", "--jdbc-url", "jdbc:h2:tcp://127.0.0.1:1/mem:x;PASSWORD=hunter2");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err())
                .contains("herald apps: cannot", "jdbc:h2:tcp://127.0.0.1:1/mem:x")
                .doesNotContain("hunter2");
    }

    @Test
    void printsUsageWithoutASubcommand() {
        Run run = herald();

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("create", "list", "disable", "enable", "rotate-secret");
    }
}
