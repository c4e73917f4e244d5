package dev.herald.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.testing.WebhookReceiver;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link WebhookSender#http}, the one part of the webhooks that needs a socket: the request a
 * receiver gets (a POST of the exact signed bytes, with the headers it checks them by) and how each
 * way of failing is reported to the outbox.
 */
class WebhookSenderTest {

    private static final Duration TIMEOUT = Duration.ofMillis(300);
    private final WebhookSender sender = WebhookSender.http(TIMEOUT);

    @AfterEach
    void close() {
        sender.close();
    }

    private int post(URI url, String body) throws Exception {
        return sender.post(url, "key-1", "a1b2", body.getBytes(StandardCharsets.UTF_8))
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
    }

    @Test
    void postsTheExactBodyWithTheKeyAndSignatureHeadersAndReportsTheStatus() throws Exception {
        String body =
                "{\"time_ms\":1,\"events\":[{\"name\":\"channel_occupied\",\"channel\":\"room-é\"}]}";
        try (WebhookReceiver receiver = WebhookReceiver.start().failFirst(1)) {
            assertThat(post(receiver.url(), body)).isEqualTo(500);
            assertThat(post(receiver.url(), body)).isEqualTo(200);

            assertThat(receiver.deliveries())
                    .hasSize(2)
                    .allSatisfy(
                            d -> {
                                assertThat(d.contentType()).isEqualTo("application/json");
                                assertThat(d.key()).isEqualTo("key-1");
                                assertThat(d.signature()).isEqualTo("a1b2");
                                assertThat(d.body()).isEqualTo(body);
                            });
        }
    }

    @Test
    void aReceiverThatDoesNotAnswerInTimeIsATimeout() {
        try (WebhookReceiver receiver = WebhookReceiver.stalled()) {
            assertThatThrownBy(() -> post(receiver.url(), "{}"))
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOf(HttpTimeoutException.class);
        }
    }

    @Test
    void aRefusedConnectionFails() throws Exception {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        URI nobody = URI.create("http://127.0.0.1:" + port + "/hook");
        assertThatThrownBy(() -> post(nobody, "{}"))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(ConnectException.class);
    }
}
