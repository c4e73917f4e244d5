package dev.herald.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.rest.Pusher;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.RawWebSocket;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The console's Apps view with apps in PostgreSQL (the server {@code .ci/run} starts, role and
 * database {@code herald_test}): create, rotate a secret and disable, as {@code herald apps} does,
 * each seen by clients and the API at once; secrets never in an answer.
 */
class ConsoleAppsIT {

    private static final String SERVER =
            System.getProperty(
                    "herald.test.postgres",
                    "jdbc:postgresql://127.0.0.1:5432/herald_test?user=herald_test&password=herald_test");
    private static final String SCHEMA =
            "herald_console_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    private static final String TOKEN = ConsoleApiIT.TOKEN;
    private static final String SECRET = "first-secret-0123456789";
    private static final String ROTATED = "rotated-secret-987654321";

    static HeraldProcess herald;
    static ConsoleClient console;

    @BeforeAll
    static void start() throws SQLException {
        sql("CREATE SCHEMA " + SCHEMA);
        herald =
                HeraldProcess.start(
                        "console-apps",
                        Map.of(
                                "HERALD_CONSOLE_TOKEN",
                                TOKEN,
                                "HERALD_APPS_JDBC_URL",
                                SERVER + "&currentSchema=" + SCHEMA));
        console = new ConsoleClient(herald);
    }

    @AfterAll
    static void stop() throws SQLException {
        if (herald != null) {
            herald.close();
        }
        sql("DROP SCHEMA " + SCHEMA + " CASCADE");
    }

    private static void sql(String statement) throws SQLException {
        try (Connection c = DriverManager.getConnection(SERVER);
                Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    private static Pusher sdk(String secret) {
        Pusher pusher = new Pusher("shop", "shop-key", secret);
        pusher.setHost(HeraldProcess.HOST + ":" + herald.port());
        return pusher;
    }

    private static URI ws() {
        return URI.create("ws://127.0.0.1:" + herald.port() + "/app/shop-key?protocol=7");
    }

    @Test
    void anAppIsCreatedReKeyedAndDisabledFromTheConsoleAndServedAccordingly() {
        JsonNode before = console.get("/console/api/apps", ConsoleClient.bearer(TOKEN)).json();
        assertThat(before.get("editable").asBoolean()).isTrue();
        assertThat(before.get("fields").findValuesAsText("name"))
                .contains("client_events", "max_connections");

        ConsoleClient.Answer created =
                console.post(
                        "/console/api/apps",
                        "{\"id\":\"shop\",\"key\":\"shop-key\",\"secret\":\""
                                + SECRET
                                + "\",\"settings\":{\"client_events\":\"true\",\"max_connections\":\"50\"}}",
                        ConsoleClient.bearer(TOKEN));
        assertThat(created.status()).as(created.body()).isEqualTo(200);
        assertThat(created.body()).doesNotContain(SECRET).contains("\"secret\":\"••••\"");
        assertThat(created.json().at("/settings/max_connections").asText()).isEqualTo("50");
        try (RawWebSocket ws = RawWebSocket.open(ws())) {
            ws.awaitConnectionEstablished();
        }
        assertThat(sdk(SECRET).trigger("news", "hello", "{}").getHttpStatus()).isEqualTo(200);

        ConsoleClient.Answer taken =
                console.post(
                        "/console/api/apps",
                        "{\"id\":\"shop\",\"key\":\"other-key\",\"secret\":\"" + SECRET + "\"}",
                        ConsoleClient.bearer(TOKEN));
        assertThat(taken.status()).isEqualTo(409);
        ConsoleClient.Answer badField =
                console.post(
                        "/console/api/apps",
                        "{\"id\":\"shop2\",\"key\":\"k2\",\"secret\":\""
                                + SECRET
                                + "\",\"settings\":{\"max_connections\":\"lots\"}}",
                        ConsoleClient.bearer(TOKEN));
        assertThat(badField.status()).isEqualTo(400);
        assertThat(badField.body()).contains("max_connections");

        ConsoleClient.Answer rotated =
                console.post(
                        "/console/api/apps/shop/secret",
                        "{\"secret\":\"" + ROTATED + "\"}",
                        ConsoleClient.bearer(TOKEN));
        assertThat(rotated.status()).isEqualTo(200);
        assertThat(rotated.body()).doesNotContain(ROTATED);
        assertThat(sdk(ROTATED).trigger("news", "hello", "{}").getHttpStatus()).isEqualTo(200);
        assertThat(sdk(SECRET).trigger("news", "hello", "{}").getHttpStatus()).isEqualTo(401);
        assertThat(
                        console.post(
                                        "/console/api/apps/shop/secret",
                                        "{\"secret\":\"short\"}",
                                        ConsoleClient.bearer(TOKEN))
                                .status())
                .isEqualTo(400);

        assertThat(
                        console.post(
                                        "/console/api/apps/shop/disable",
                                        "",
                                        ConsoleClient.bearer(TOKEN))
                                .status())
                .isEqualTo(200);
        try (RawWebSocket ws = RawWebSocket.open(ws())) {
            assertThat(ws.awaitClose().code()).isEqualTo(4003);
        }
        JsonNode after = console.get("/console/api/apps", ConsoleClient.bearer(TOKEN)).json();
        assertThat(after.get("apps").get(0).get("enabled").asBoolean()).isFalse();
        assertThat(after.toString()).doesNotContain(SECRET).doesNotContain(ROTATED);
        assertThat(
                        console.post(
                                        "/console/api/apps/shop/enable",
                                        "",
                                        ConsoleClient.bearer(TOKEN))
                                .status())
                .isEqualTo(200);
        try (RawWebSocket ws = RawWebSocket.open(ws())) {
            ws.awaitConnectionEstablished();
        }
    }

    @Test
    void historyRulesAreAFieldOfTheFormTakenAsJsonText() {
        JsonNode fields = console.get("/console/api/apps", ConsoleClient.bearer(TOKEN)).json();
        JsonNode history = null;
        for (JsonNode field : fields.get("fields")) {
            if (field.get("name").asText().equals("history")) {
                history = field;
            }
        }
        assertThat(history).as("the history field in %s", fields).isNotNull();
        assertThat(history.get("requirement").asText()).contains("JSON array");
        assertThat(history.get("default").asText()).isEmpty();

        // the form sends the input's text, a script may send the array itself
        ConsoleClient.Answer asText =
                console.post(
                        "/console/api/apps",
                        "{\"id\":\"tracks\",\"key\":\"tracks-key\",\"secret\":\""
                                + SECRET
                                + "\",\"settings\":{\"history\":"
                                + "\"[{\\\"channels\\\":\\\"private-build-\\\",\\\"size\\\":20}]\"}}",
                        ConsoleClient.bearer(TOKEN));
        assertThat(asText.status()).as(asText.body()).isEqualTo(200);
        assertThat(asText.json().at("/settings/history").asText())
                .isEqualTo("[{\"channels\":\"private-build-\",\"size\":20,\"ttl_seconds\":300}]");
        ConsoleClient.Answer asArray =
                console.post(
                        "/console/api/apps",
                        "{\"id\":\"tracks-2\",\"key\":\"tracks-key-2\",\"secret\":\""
                                + SECRET
                                + "\",\"settings\":{\"history\":[{\"channels\":\"presence-\"}]}}",
                        ConsoleClient.bearer(TOKEN));
        assertThat(asArray.status()).as(asArray.body()).isEqualTo(200);
        assertThat(asArray.json().at("/settings/history").asText())
                .isEqualTo("[{\"channels\":\"presence-\",\"size\":100,\"ttl_seconds\":300}]");

        ConsoleClient.Answer tooBig =
                console.post(
                        "/console/api/apps",
                        "{\"id\":\"tracks-3\",\"key\":\"tracks-key-3\",\"secret\":\""
                                + SECRET
                                + "\",\"settings\":{\"history\":[{\"channels\":\"a\",\"size\":10001}]}}",
                        ConsoleClient.bearer(TOKEN));
        assertThat(tooBig.status()).isEqualTo(400);
        assertThat(tooBig.body())
                .contains("history[0].size must be a whole number from 1 to 10000, got 10001");
    }
}
