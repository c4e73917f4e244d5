package dev.herald.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.ClusterRedis;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.RawHttp;
import dev.herald.testing.TestApp;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Pipelined HTTP requests on one connection to a clustered node are answered in the order they were
 * sent, though a cluster query ({@code GET /channels}) completes later, on Redis's threads, than a
 * request answered at once ({@code /health}). Two nodes on the Redis of {@link ClusterRedis}
 * (127.0.0.1:6379, or a Redis Cluster of the class's own, where the query reads every master).
 */
@Tag(ClusterRedis.MATRIX)
class PipelinedApiIT {

    private static final TestApp APP = TestApp.named("cluster-pipelined");
    private static final int PAIRS = 20;
    private static ClusterRedis redis;
    private static List<HeraldProcess> nodes = List.of();

    @BeforeAll
    static void startNodes() {
        redis = ClusterRedis.shared("cluster-pipelined");
        nodes =
                HeraldProcess.startAll(
                        redis.node(APP), "cluster-pipelined-a", "cluster-pipelined-b");
    }

    @AfterAll
    static void stopNodes() {
        HeraldProcess.stopAll(nodes);
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void answersTwentyPipelinedPairsInOrder() throws Exception {
        StringBuilder requests = new StringBuilder();
        for (int i = 0; i < PAIRS; i++) {
            requests.append("GET ")
                    .append(signedChannelsQuery())
                    .append(" HTTP/1.1\r\nHost: x\r\n\r\n")
                    .append("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
        }
        List<String> bodies = new ArrayList<>();
        try (RawHttp http = RawHttp.connect(HeraldProcess.HOST, nodes.get(0).port())) {
            http.send(requests.toString());
            for (int i = 0; i < 2 * PAIRS; i++) {
                RawHttp.Response answer = http.read();
                assertThat(answer.status()).as("answer %d: %s", i, answer.body()).isEqualTo(200);
                bodies.add(answer.body());
            }
        }

        for (int i = 0; i < PAIRS; i++) {
            assertThat(bodies.get(2 * i))
                    .as("answer %d, to a channels query", 2 * i)
                    .contains("\"channels\"");
            assertThat(bodies.get(2 * i + 1))
                    .as("answer %d, to /health", 2 * i + 1)
                    .contains("\"status\"");
        }
    }

    /**
     * {@code /apps/ID/channels?...} signed as docs/protocol.md §5.2 says (auth_version 1.0, no
     * body).
     */
    private static String signedChannelsQuery() throws GeneralSecurityException {
        String path = "/apps/" + APP.id() + "/channels";
        String query =
                "auth_key="
                        + APP.key()
                        + "&auth_timestamp="
                        + System.currentTimeMillis() / 1000
                        + "&auth_version=1.0";
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(APP.secret().getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String signature =
                HexFormat.of()
                        .formatHex(
                                mac.doFinal(
                                        ("GET\n" + path + "\n" + query)
                                                .getBytes(StandardCharsets.UTF_8)));
        return path + "?" + query + "&auth_signature=" + signature;
    }
}
