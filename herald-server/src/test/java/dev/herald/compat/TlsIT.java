package dev.herald.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pusher.client.connection.ConnectionState;
import com.pusher.rest.Pusher;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Results;
import dev.herald.testing.ServerSdk;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.http.config.RegistryBuilder;
import org.apache.http.conn.socket.ConnectionSocketFactory;
import org.apache.http.conn.socket.PlainConnectionSocketFactory;
import org.apache.http.conn.ssl.SSLConnectionSocketFactory;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TLS from PEM files ({@code HERALD_TLS_CERT}, {@code HERALD_TLS_KEY}) with the official clients:
 * pusher-java-client over {@code wss://} and pusher-http-java over {@code https://}, trusting a
 * self-signed certificate for 127.0.0.1/localhost that the test generates with the openssl CLI.
 */
class TlsIT {

    private static final Duration OPENSSL_TIMEOUT = Duration.ofSeconds(60);
    private static final String TRUSTSTORE_PASSWORD = "herald-test";
    private static final List<String> TRUST_PROPERTIES =
            List.of(
                    "javax.net.ssl.trustStore",
                    "javax.net.ssl.trustStorePassword",
                    "javax.net.ssl.trustStoreType");

    private static final Map<String, String> previousProperties = new LinkedHashMap<>();
    private static Path dir;
    private static SSLContext trusting;
    private static HeraldProcess herald;

    @BeforeAll
    static void startServerWithATestCertificate() throws Exception {
        dir = Files.createTempDirectory("herald-tls-");
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        openssl(
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                key.toString(),
                "-out",
                cert.toString(),
                "-days",
                "1",
                "-subj",
                "/CN=localhost",
                "-addext",
                "subjectAltName=DNS:localhost,IP:127.0.0.1");
        assertThat(Files.readString(key))
                .as("openssl wrote a PKCS#8 key, as HERALD_TLS_KEY expects")
                .startsWith("-----BEGIN PRIVATE KEY-----");

        X509Certificate certificate;
        try (InputStream in = Files.newInputStream(cert)) {
            certificate =
                    (X509Certificate)
                            CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        KeyStore trustStore = KeyStore.getInstance("PKCS12");
        trustStore.load(null, null);
        trustStore.setCertificateEntry("herald-test", certificate);
        Path trustStoreFile = dir.resolve("truststore.p12");
        try (OutputStream out = Files.newOutputStream(trustStoreFile)) {
            trustStore.store(out, TRUSTSTORE_PASSWORD.toCharArray());
        }
        TrustManagerFactory factory =
                TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trustStore);
        trusting = SSLContext.getInstance("TLS");
        trusting.init(null, factory.getTrustManagers(), null);

        // pusher-java-client 2.4.4 has no SSL hook (PusherOptions offers only setUseTLS/setWssPort/
        // setProxy): its WebSocketClientWrapper calls SSLContext.getInstance("TLS").init(null,
        // null, null),
        // which takes the JDK's default trust store, and that is named by these system properties.
        // A JVM cannot be given -D flags mid-run, so they are set here, before the first TLS use of
        // this class (the default trust managers are built lazily, when an SSLContext is
        // initialised
        // without its own), and restored in @AfterAll.
        Map<String, String> properties =
                Map.of(
                        "javax.net.ssl.trustStore",
                        trustStoreFile.toString(),
                        "javax.net.ssl.trustStorePassword",
                        TRUSTSTORE_PASSWORD,
                        "javax.net.ssl.trustStoreType",
                        "PKCS12");
        for (String name : TRUST_PROPERTIES) {
            previousProperties.put(name, System.getProperty(name));
            System.setProperty(name, properties.get(name));
        }

        herald =
                HeraldProcess.options("tls")
                        .env(
                                Map.of(
                                        "HERALD_TLS_CERT", cert.toString(),
                                        "HERALD_TLS_KEY", key.toString()))
                        .tls(trusting)
                        .start();
    }

    @AfterAll
    static void stopServer() throws IOException {
        if (herald != null) {
            herald.close();
        }
        previousProperties.forEach(
                (name, value) -> {
                    if (value == null) {
                        System.clearProperty(name);
                    } else {
                        System.setProperty(name, value);
                    }
                });
        if (dir != null) {
            try (var files = Files.list(dir)) {
                for (Path file : files.toList()) {
                    Files.deleteIfExists(file);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void javaClientOverWssReceivesAnEventTriggeredOverHttpsByPusherHttpJava() {
        JavaClient client =
                JavaClient.withOptions(
                        herald,
                        herald.appKey(),
                        options -> options.setUseTLS(true).setWssPort(herald.port()));
        try {
            client.connect();
            client.awaitState(ConnectionState.CONNECTED);
            assertThat(client.socketId()).isNotBlank();
            JavaClient.Recorder news = client.subscribe("tls-news");

            Pusher sdk = httpsSdk();
            Results.ok(sdk.trigger("tls-news", "greeting", Map.of("hello", "over tls")));

            news.awaitEvent("greeting", "{\"hello\":\"over tls\"}");
            assertThat(client.errors).as("client errors").isEmpty();
            assertThat(
                            ServerSdk.get(sdk, "/channels/tls-news", Map.of())
                                    .path("occupied")
                                    .asBoolean())
                    .as("the HTTPS API sees the wss subscriber")
                    .isTrue();
        } finally {
            client.close();
        }
    }

    @Test
    void aPlainTextWebSocketToTheTlsPortFails() throws Exception {
        List<Object> received = new ArrayList<>();
        WebSocket.Listener listener =
                new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(
                            WebSocket webSocket, CharSequence data, boolean last) {
                        received.add(data.toString());
                        return null;
                    }
                };

        assertThatThrownBy(
                        () ->
                                HttpClient.newHttpClient()
                                        .newWebSocketBuilder()
                                        .connectTimeout(Duration.ofSeconds(30))
                                        .buildAsync(herald.ws(), listener)
                                        .get(60, TimeUnit.SECONDS))
                .as("ws:// (no TLS) upgrade to the TLS port " + herald.ws())
                .isInstanceOf(ExecutionException.class);
        assertThat(received).isEmpty();

        // the server is fine: the refusal was the plain-text handshake, not a dead port
        HttpResponse<String> health =
                HttpClient.newBuilder()
                        .sslContext(trusting)
                        .build()
                        .send(
                                HttpRequest.newBuilder(herald.https("/health"))
                                        .timeout(Duration.ofSeconds(30))
                                        .GET()
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
    }

    /**
     * pusher-http-java over https ({@code setEncrypted(true)}); its Apache HttpClient is configured
     * through {@link Pusher#configureHttpClient} to trust the test certificate. (Its default
     * builder sets a connection manager, which makes {@code HttpClientBuilder.setSSLContext}
     * ignored, so the TLS socket factory goes into a connection manager of our own.)
     */
    private static Pusher httpsSdk() {
        Pusher sdk = Sdk.of(herald);
        sdk.setEncrypted(true);
        PoolingHttpClientConnectionManager connections =
                new PoolingHttpClientConnectionManager(
                        RegistryBuilder.<ConnectionSocketFactory>create()
                                .register("http", PlainConnectionSocketFactory.getSocketFactory())
                                .register("https", new SSLConnectionSocketFactory(trusting))
                                .build());
        sdk.configureHttpClient(
                Pusher.defaultHttpClientBuilder().setConnectionManager(connections));
        return sdk;
    }

    private static void openssl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        Path output = dir.resolve("openssl.log");
        Process process;
        try {
            process =
                    new ProcessBuilder(command)
                            .directory(dir.toFile())
                            .redirectErrorStream(true)
                            .redirectOutput(output.toFile())
                            .start();
        } catch (IOException e) {
            throw new AssertionError(
                    "TlsIT needs the openssl CLI on the PATH to generate its test certificate ("
                            + String.join(" ", command)
                            + "): "
                            + e.getMessage(),
                    e);
        }
        if (!process.waitFor(OPENSSL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(
                    "openssl did not finish within "
                            + OPENSSL_TIMEOUT
                            + ": "
                            + String.join(" ", command));
        }
        if (process.exitValue() != 0) {
            throw new AssertionError(
                    "openssl failed with "
                            + process.exitValue()
                            + ": "
                            + String.join(" ", command)
                            + "\n"
                            + Files.readString(output, StandardCharsets.UTF_8));
        }
    }
}
