package dev.herald.apps.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import dev.herald.apps.App;
import java.net.ServerSocket;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;
import org.h2.tools.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The database goes away while the store runs: an H2 TCP server is stopped under it, then started
 * again on the same port.
 */
class JdbcAppStoreOutageTest {

    private static final App ALPHA = App.of("1001", "alpha-key", "alpha-secret-0123456789");
    private static final App BETA = App.of("1002", "beta-key", "beta-secret-0123456789");

    private int port;
    private Server server;
    private JdbcDatabase database;

    /** The same in-memory database, reached inside this JVM while its TCP server is down. */
    private JdbcDatabase behindTheServer;

    private JdbcAppStore store;

    @BeforeEach
    void startDatabase() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        server = tcpServer();
        String name = "mem:outage-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        database =
                new JdbcDatabase(
                        "jdbc:h2:tcp://127.0.0.1:" + port + "/" + name, "sa", "db-password-xyz");
        behindTheServer = new JdbcDatabase("jdbc:h2:" + name, "sa", "db-password-xyz");
        new JdbcApps(database).createTable();
        new JdbcApps(database).insert(ALPHA);
    }

    @AfterEach
    void stopAll() {
        if (store != null) {
            store.close();
        }
        server.stop();
    }

    private Server tcpServer() throws SQLException {
        return Server.createTcpServer("-tcpPort", String.valueOf(port), "-ifNotExists").start();
    }

    @Test
    void keepsServingTheLastSnapshotWhileTheDatabaseIsDown() throws Exception {
        store = new JdbcAppStore(database, Duration.ofHours(1)).start();

        try (LogCapture logs = new LogCapture(JdbcAppStore.class)) {
            server.stop();
            store.refreshNow();
            store.refreshNow();
            store.refreshNow();

            assertThat(store.byKey("alpha-key")).contains(ALPHA);
            assertThat(store.byId("1001")).contains(ALPHA);
            assertThat(store.all()).containsExactly(ALPHA);
            assertThat(logs.at(Level.WARN))
                    .singleElement()
                    .asString()
                    .contains("cannot be read", "Keeping the last snapshot (1 apps)")
                    .doesNotContain("db-password-xyz", ALPHA.secret());
        }
    }

    @Test
    void picksUpChangesOnceTheDatabaseIsBack() throws Exception {
        store = new JdbcAppStore(database, Duration.ofMillis(50)).start();

        try (LogCapture logs = new LogCapture(JdbcAppStore.class)) {
            server.stop();
            await().atMost(Duration.ofSeconds(5)).until(() -> !logs.at(Level.WARN).isEmpty());
            Thread.sleep(300); // several failed refreshes
            assertThat(store.byKey("alpha-key")).contains(ALPHA);

            // changed while the store cannot see them, so that its first read when the server is
            // back finds both (changed after the restart, a refresh could land between them)
            new JdbcApps(behindTheServer).insert(BETA);
            new JdbcApps(behindTheServer).setEnabled("1001", false);
            server = tcpServer();

            await().atMost(Duration.ofSeconds(5)).until(() -> store.byKey("beta-key").isPresent());
            assertThat(store.byKey("alpha-key").map(App::enabled)).contains(false);
            assertThat(logs.at(Level.WARN)).hasSize(1);
            assertThat(logs.at(Level.INFO))
                    .singleElement()
                    .asString()
                    .contains("answers again", "2 apps loaded");
            assertThat(logs.all())
                    .allSatisfy(
                            line ->
                                    assertThat(line)
                                            .doesNotContain(
                                                    "db-password-xyz",
                                                    ALPHA.secret(),
                                                    BETA.secret()));
        }
    }
}
