package dev.herald.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.herald.apps.App;
import dev.herald.config.AppsFile;
import dev.herald.testing.RequestSigner;
import dev.herald.testing.ServerJar;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution archive as an operator gets it: {@code target/herald-<version>.tar.gz} holds one
 * top directory with the files and modes the install instructions rely on, unpacks with {@code
 * tar}, and its own {@code bin/herald} starts the server from {@code lib/} with the example apps
 * file; a client connects, receives a signed trigger, and SIGTERM ends the node with 0. The unit
 * file passes {@code systemd-analyze verify} where systemd is installed.
 */
class DistributionIT {

    private static final String VERSION = System.getProperty("herald.version");
    private static final String TOP = "herald-" + VERSION + "/";
    private static final Path BASEDIR =
            Paths.get(System.getProperty("basedir", ".")).toAbsolutePath();
    private static final Path ARCHIVE =
            BASEDIR.resolve("target").resolve("herald-" + VERSION + ".tar.gz");
    private static final Duration STARTUP = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir static Path unpacked;
    static Path home;

    @BeforeAll
    static void unpack() throws Exception {
        assertThat(ARCHIVE).as("built by package").isRegularFile();
        Process tar =
                new ProcessBuilder("tar", "-xzf", ARCHIVE.toString(), "-C", unpacked.toString())
                        .redirectErrorStream(true)
                        .start();
        String output = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(tar.waitFor()).as(output).isZero();
        home = unpacked.resolve(TOP);
    }

    /** A tar entry: path, permission bits and type ('0' file, '5' directory). */
    record Entry(String name, int mode, char type) {}

    @Test
    void theArchiveHasOneTopDirectoryWithTheScriptExecutableAndTheRestReadable()
            throws IOException {
        Map<String, Entry> entries = entries(ARCHIVE);

        assertThat(entries.keySet()).allSatisfy(name -> assertThat(name).startsWith(TOP));
        assertThat(entries.keySet())
                .contains(
                        TOP + "bin/herald",
                        TOP + "lib/herald-server.jar",
                        TOP + "conf/apps.example.yaml",
                        TOP + "conf/herald.env.example",
                        TOP + "systemd/herald.service",
                        TOP + "README.md",
                        TOP + "docs/configuration.md",
                        TOP + "CHANGELOG.md");
        assertThat(entries.get(TOP + "bin/herald").mode()).as("bin/herald").isEqualTo(0755);
        entries.values().stream()
                .filter(e -> e.type() == '0' && !e.name().equals(TOP + "bin/herald"))
                .forEach(e -> assertThat(e.mode()).as(e.name()).isEqualTo(0644));
        entries.values().stream()
                .filter(e -> e.type() == '5')
                .forEach(e -> assertThat(e.mode()).as(e.name()).isEqualTo(0755));

        assertThat(home.resolve("bin/herald"))
                .isExecutable()
                .as("the script of the source tree, unchanged")
                .hasSameBinaryContentAs(BASEDIR.resolve("bin/herald"));
        assertThat(home.resolve("lib/herald-server.jar"))
                .hasSameBinaryContentAs(BASEDIR.resolve("target/herald-server.jar"));
        assertThat(home.resolve("systemd/herald.service"))
                .hasSameBinaryContentAs(BASEDIR.resolve("src/dist/systemd/herald.service"));
    }

    @Test
    void binHeraldRunsTheJarOfLibServesASignedTriggerAndExitsZeroOnSigterm() throws Exception {
        Path config = home.resolve("conf/apps.example.yaml");
        App app = AppsFile.read(config).get(0);
        int port = ServerJar.freePort();
        int opsPort = ServerJar.freePort();
        Path log = BASEDIR.resolve("target/herald-distribution.log");
        ProcessBuilder builder =
                new ProcessBuilder(home.resolve("bin/herald").toString())
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        // only what an operator's environment file would set: no HERALD_JAR, so the script finds
        // lib/
        env.keySet().removeIf(key -> key.startsWith("HERALD_") || key.equals("JAVA_OPTS"));
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("HERALD_HOST", "127.0.0.1");
        env.put("HERALD_PORT", Integer.toString(port));
        env.put("HERALD_METRICS_PORT", Integer.toString(opsPort));
        env.put("HERALD_CONFIG", config.toString());
        env.put("HERALD_SHUTDOWN_GRACE", "1");
        Process process = builder.start();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        try {
            URI ready = URI.create("http://127.0.0.1:" + opsPort + "/ready");
            await("/ready on the ops port")
                    .atMost(STARTUP)
                    .pollInterval(Duration.ofMillis(100))
                    .until(
                            () -> {
                                assertThat(process.isAlive())
                                        .as("exited early; log %s:%n%s", log, tail(log))
                                        .isTrue();
                                return status(http, ready) == 200;
                            });
            List<String> cmdline =
                    List.of(
                            Files.readString(
                                            Paths.get(
                                                    "/proc",
                                                    Long.toString(process.pid()),
                                                    "cmdline"))
                                    .split("\0"));
            assertThat(cmdline)
                    .as("bin/herald execs java with its JVM settings")
                    .contains("-XX:+ExitOnOutOfMemoryError", "-XX:+UseSerialGC", "-jar");
            assertThat(Paths.get(cmdline.get(cmdline.indexOf("-jar") + 1)).toRealPath())
                    .as("the archive's jar")
                    .isEqualTo(home.resolve("lib/herald-server.jar").toRealPath());
            HttpResponse<String> health =
                    http.send(
                            HttpRequest.newBuilder(
                                            URI.create("http://127.0.0.1:" + opsPort + "/health"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"ok\"");

            Frames frames = new Frames();
            WebSocket ws =
                    http.newWebSocketBuilder()
                            .buildAsync(
                                    URI.create(
                                            "ws://127.0.0.1:"
                                                    + port
                                                    + "/app/"
                                                    + app.key()
                                                    + "?protocol=7&client=java&version=1.0"),
                                    frames)
                            .get(10, TimeUnit.SECONDS);
            JsonNode established = frames.next();
            assertThat(established.path("event").asText())
                    .isEqualTo("pusher:connection_established");
            assertThat(JSON.readTree(established.path("data").asText()).path("socket_id").asText())
                    .isNotBlank();
            ws.sendText("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"news\"}}", true);
            assertThat(frames.next().path("event").asText())
                    .isEqualTo("pusher_internal:subscription_succeeded");

            String body =
                    "{\"name\":\"greeting\",\"channels\":[\"news\"],\"data\":\"hello from the archive\"}";
            String path = "/apps/" + app.id() + "/events";
            Map<String, String> query =
                    new RequestSigner(app.key(), app.secret())
                            .sign("POST", path, Map.of(), body, System.currentTimeMillis() / 1000);
            HttpResponse<String> trigger =
                    http.send(
                            HttpRequest.newBuilder(
                                            URI.create(
                                                    "http://127.0.0.1:"
                                                            + port
                                                            + path
                                                            + "?"
                                                            + RequestSigner.queryString(
                                                                    query, true)))
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(body))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(trigger.statusCode()).as(trigger.body()).isEqualTo(200);
            JsonNode event = frames.next();
            assertThat(event.path("event").asText()).isEqualTo("greeting");
            assertThat(event.path("channel").asText()).isEqualTo("news");
            assertThat(event.path("data").asText()).isEqualTo("hello from the archive");

            JsonNode received = pusherJsRoundTrip(port, app);
            assertThat(received.path("event").asText()).isEqualTo("greeting");
            assertThat(received.path("data").path("greeting").asText())
                    .isEqualTo("hello from the HTTP API");

            process.destroy(); // SIGTERM, as systemctl stop sends it
            assertThat(process.waitFor(20, TimeUnit.SECONDS))
                    .as("stopped; log:%n%s", tail(log))
                    .isTrue();
            assertThat(process.exitValue()).as("exit status; log:%n%s", tail(log)).isZero();
            assertThat(frames.closeCode.get(5, TimeUnit.SECONDS))
                    .as("told to reconnect")
                    .isEqualTo(4200);
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void theUnitPassesSystemdAnalyzeVerify() throws Exception {
        assumeTrue(onPath("systemd-analyze"), "systemd-analyze is not installed");
        // verify checks that ExecStart exists: point it at the unpacked script, nothing else
        // changed
        String unit =
                Files.readString(home.resolve("systemd/herald.service"))
                        .replace(
                                "ExecStart=/opt/herald/bin/herald",
                                "ExecStart=" + home.resolve("bin/herald"));
        Path copy = Files.createDirectories(unpacked.resolve("units")).resolve("herald.service");
        Files.writeString(copy, unit);
        Process verify =
                new ProcessBuilder("systemd-analyze", "verify", copy.toString())
                        .redirectErrorStream(true)
                        .start();
        String output = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(verify.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(verify.exitValue()).as(output).isZero();
        // an unknown or misspelt key is only a warning, with exit status 0
        assertThat(output).as("warnings").isBlank();
    }

    /**
     * pusher-js against the unpacked server, as ImageIT does against the image: the shared {@code
     * external/roundtrip.js} of the Node test project subscribes to a private channel and receives
     * an event the node SDK triggers; returns what it received.
     */
    private static JsonNode pusherJsRoundTrip(int port, App app) throws Exception {
        Path output = Files.createTempFile("herald-roundtrip", ".log");
        ProcessBuilder builder =
                new ProcessBuilder("node", "external/roundtrip.js")
                        .directory(BASEDIR.resolve("src/test/node").toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(output.toFile());
        builder.environment().keySet().removeIf(key -> key.startsWith("HERALD_"));
        builder.environment()
                .putAll(
                        Map.of(
                                "HERALD_PORT", Integer.toString(port),
                                "HERALD_APP_ID", app.id(),
                                "HERALD_APP_KEY", app.key(),
                                "HERALD_APP_SECRET", app.secret()));
        Process node = builder.start();
        try {
            assertThat(node.waitFor(60, TimeUnit.SECONDS)).as("roundtrip.js ended").isTrue();
            String text = Files.readString(output);
            assertThat(node.exitValue()).as(text).isZero();
            return JSON.readTree(text.lines().reduce((first, last) -> last).orElse("{}"));
        } finally {
            node.destroyForcibly();
            Files.deleteIfExists(output);
        }
    }

    /** Text frames as JSON, in order, and the close code. */
    static final class Frames implements WebSocket.Listener {
        final BlockingQueue<JsonNode> queue = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    queue.add(JSON.readTree(partial.toString()));
                } catch (IOException e) {
                    throw new IllegalStateException("not JSON: " + partial, e);
                }
                partial.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closeCode.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closeCode.completeExceptionally(error);
        }

        JsonNode next() throws InterruptedException {
            JsonNode frame = queue.poll(10, TimeUnit.SECONDS);
            assertThat(frame).as("a frame within 10 s").isNotNull();
            return frame;
        }
    }

    /**
     * The entries of a .tar.gz, read from the ustar headers: what tar records, whatever the umask
     * on unpacking.
     */
    static Map<String, Entry> entries(Path archive) throws IOException {
        Map<String, Entry> entries = new LinkedHashMap<>();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(archive))) {
            String longName = null;
            byte[] header = new byte[512];
            while (in.readNBytes(header, 0, 512) == 512 && header[0] != 0) {
                String name = field(header, 0, 100);
                String prefix = field(header, 345, 155);
                if (!prefix.isEmpty()) {
                    name = prefix + "/" + name;
                }
                int mode = Integer.parseInt(field(header, 100, 8).strip(), 8) & 07777;
                long size = Long.parseLong(field(header, 124, 12).strip(), 8);
                char type = header[156] == 0 ? '0' : (char) header[156];
                byte[] content = in.readNBytes((int) ((size + 511) / 512 * 512));
                if (type == 'x') {
                    // a PAX header (long names): its path applies to the next entry
                    longName = paxPath(new String(content, 0, (int) size, StandardCharsets.UTF_8));
                    continue;
                }
                if (longName != null) {
                    name = longName;
                    longName = null;
                }
                entries.put(name, new Entry(name, mode, type));
            }
        }
        return entries;
    }

    private static String field(byte[] header, int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, StandardCharsets.UTF_8);
    }

    private static String paxPath(String records) {
        for (String record : records.split("\n")) {
            int space = record.indexOf(' ');
            if (record.startsWith("path=", space + 1)) {
                return record.substring(space + 1 + "path=".length());
            }
        }
        return null;
    }

    private static int status(HttpClient http, URI uri) {
        try {
            return http.send(
                            HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static boolean onPath(String command) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Paths.get(dir, command)));
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }
}
