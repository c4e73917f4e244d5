package dev.herald.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.herald.metrics.HeraldMetrics;
import dev.herald.testing.RawFrameSocket;
import io.micrometer.core.instrument.Gauge;
import java.io.EOFException;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A client's own close frame is answered and the server closes the socket at once, without waiting
 * for the client to close its side: a node under churn should not hold a socket per departing
 * client until the hard-close deadline.
 */
class ClientCloseTest {

    private HeraldServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private double open() {
        return server.metrics().registry().find(HeraldMetrics.CONNECTIONS).gauges().stream()
                .mapToDouble(Gauge::value)
                .sum();
    }

    @Test
    void answersTheClientsCloseAndClosesWithoutWaitingForTheClient() throws Exception {
        server =
                Commands.server(
                        "--metrics-port", "-1", "--shutdown-grace", "0", "--warm-up", "false");
        server.start();
        URI ws = URI.create("ws://127.0.0.1:" + server.port() + "/app/app-key?protocol=7");
        try (RawFrameSocket client = RawFrameSocket.connect(ws, 5_000)) {
            assertThat(client.readFrame().text()).contains("pusher:connection_established");
            await().atMost(Duration.ofSeconds(2)).until(() -> open() == 1);

            client.send(RawFrameSocket.CLOSE, new byte[] {0x03, (byte) 0xE8}); // 1000
            RawFrameSocket.Frame answer = client.readFrame();
            assertThat(answer.opcode()).isEqualTo(RawFrameSocket.CLOSE);
            assertThat(answer.closeCode()).isEqualTo(1000);

            // the client keeps its socket open; the server's side is gone well before the
            // 2-second hard close that a half-closed socket would wait for
            long asked = System.nanoTime();
            await().atMost(Duration.ofMillis(1_000))
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> open() == 0);
            assertThat(Duration.ofNanos(System.nanoTime() - asked))
                    .isLessThan(Duration.ofSeconds(1));
            assertThatThrownBy(client::readFrame)
                    .as("nothing after the close: end of stream")
                    .isInstanceOf(EOFException.class);
        }
    }
}
