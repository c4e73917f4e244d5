package dev.herald.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.herald.testing.ServerJar;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The container image that the {@code image} profile builds ({@code target/jib-image.tar}, OCI),
 * copied into podman's storage under a name of its own and run the way this machine kind runs
 * containers: runc with cgroupfs, the host's network, explicit ulimits. It fails, never skips, when
 * the image or podman is missing: a build that makes the image must also prove it runs.
 */
class ImageIT {

    private static final String TAR_PROPERTY = "herald.image.tar";
    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(90);
    private static final List<String> PODMAN =
            List.of("podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs");
    // Without them this machine's limits refuse the defaults: setrlimit fails with EPERM.
    private static final List<String> RUN =
            List.of(
                    "run",
                    "--network",
                    "host",
                    "--ulimit",
                    "nofile=10000:10000",
                    "--ulimit",
                    "nproc=4096:4096");
    private static final String IMAGE =
            "localhost/herald-image-it:" + UUID.randomUUID().toString().substring(0, 8);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static Path workDir;

    @BeforeAll
    static void loadImage() throws IOException {
        workDir = Files.createTempDirectory("herald-image-it-");
        String property = System.getProperty(TAR_PROPERTY);
        if (property == null || property.isBlank()) {
            fail(
                    "-D"
                            + TAR_PROPERTY
                            + " is not set: the image profile (on unless -DskipImage) sets it");
        }
        Path tar = Paths.get(property);
        if (!Files.isRegularFile(tar)) {
            fail(
                    "no image at "
                            + tar.toAbsolutePath()
                            + ": build it with ./mvnw -pl herald-server -Pimage package");
        }
        // skopeo names the copy; `podman load` would take the name in the tar, which parallel
        // builds share
        Result copy =
                run(
                        List.of(
                                "skopeo",
                                "copy",
                                "--quiet",
                                "oci-archive:" + tar.toAbsolutePath(),
                                "containers-storage:" + IMAGE),
                        Map.of());
        assertThat(copy.exitCode()).as("skopeo copy: %s", copy.output()).isZero();
    }

    @AfterAll
    static void removeImage() throws IOException {
        run(podman("rmi", "--force", IMAGE), Map.of());
        try (var files = Files.walk(workDir)) {
            files.sorted((a, b) -> b.compareTo(a)).forEach(path -> path.toFile().delete());
        }
    }

    @Test
    void describesAnUnprivilegedServerListeningOnAllInterfaces() throws IOException {
        Result inspect = run(podman("image", "inspect", IMAGE), Map.of());
        assertThat(inspect.exitCode()).as(inspect.output()).isZero();
        JsonNode config = JSON.readTree(inspect.output()).get(0).get("Config");

        assertThat(config.get("User").asText()).isEqualTo("10001:10001");
        assertThat(fieldNames(config.get("ExposedPorts")))
                .containsExactlyInAnyOrder("6001/tcp", "9601/tcp");
        assertThat(texts(config.get("Env")))
                .contains("HERALD_HOST=0.0.0.0", "HERALD_METRICS_HOST=0.0.0.0")
                .noneMatch(entry -> entry.startsWith("HERALD_APP_SECRET="));
        // bin/herald's JVM settings, and a heap that follows the container's memory limit
        assertThat(texts(config.get("Entrypoint")))
                .containsExactly(
                        "java",
                        "-XX:+ExitOnOutOfMemoryError",
                        "-XX:+UseSerialGC",
                        "-Xmn16m",
                        "-XX:MaxRAMPercentage=75",
                        "-jar",
                        "/app/classpath/herald-server.jar");
    }

    @Test
    void refusesToStartOnAllInterfacesWithoutASecret() {
        List<String> command = podman(RUN);
        command.addAll(
                List.of(
                        "--rm",
                        "--env",
                        "HERALD_PORT=" + ServerJar.freePort(),
                        "--env",
                        "HERALD_METRICS_PORT=" + ServerJar.freePort(),
                        IMAGE));

        Result result = run(command, Map.of());

        assertThat(result.exitCode()).as(result.output()).isEqualTo(2);
        assertThat(result.output()).contains("HERALD_APP_SECRET").contains("0.0.0.0");
    }

    @Test
    void servesAPusherJsClientAnEventTriggeredThroughTheSignedApi() throws IOException {
        String name = "herald-image-it-" + UUID.randomUUID().toString().substring(0, 8);
        String secret = UUID.randomUUID().toString();
        int port = ServerJar.freePort();
        int metricsPort = ServerJar.freePort();
        List<String> command = podman(RUN);
        command.addAll(
                List.of(
                        "--detach",
                        "--name",
                        name,
                        "--env",
                        "HERALD_APP_SECRET=" + secret,
                        "--env",
                        "HERALD_PORT=" + port,
                        "--env",
                        "HERALD_METRICS_PORT=" + metricsPort,
                        IMAGE));
        try {
            Result started = run(command, Map.of());
            assertThat(started.exitCode()).as(started.output()).isZero();
            try {
                await().atMost(STARTUP_TIMEOUT)
                        .pollInterval(Duration.ofMillis(250))
                        .untilAsserted(
                                () -> {
                                    assertThat(status(metricsPort, "/health")).isEqualTo(200);
                                    assertThat(status(metricsPort, "/ready")).isEqualTo(200);
                                });
            } catch (AssertionError | RuntimeException e) {
                fail(
                        "the container did not become ready within "
                                + STARTUP_TIMEOUT
                                + "; its output:\n"
                                + run(podman("logs", name), Map.of()).output(),
                        e);
            }

            Result user = run(podman("exec", name, "id", "-u"), Map.of());
            assertThat(user.output().strip())
                    .as("uid of the container's processes")
                    .isEqualTo("10001");
            assertThat(run(podman("logs", name), Map.of()).output())
                    .contains("Herald listening on 0.0.0.0:" + port)
                    .doesNotContain(secret);

            Result roundtrip =
                    run(
                            List.of("node", "external/roundtrip.js"),
                            Map.of(
                                    "HERALD_PORT",
                                    Integer.toString(port),
                                    "HERALD_APP_ID",
                                    "app-id",
                                    "HERALD_APP_KEY",
                                    "app-key",
                                    "HERALD_APP_SECRET",
                                    secret));
            assertThat(roundtrip.exitCode()).as(roundtrip.output()).isZero();
            JsonNode received =
                    JSON.readTree(
                            roundtrip.output().lines().reduce((first, last) -> last).orElse("{}"));
            assertThat(received.get("event").asText()).isEqualTo("greeting");
            assertThat(received.get("data").get("greeting").asText())
                    .isEqualTo("hello from the HTTP API");
        } finally {
            run(podman("rm", "--force", "--time", "2", name), Map.of());
        }
    }

    private static List<String> podman(String... args) {
        return podman(List.of(args));
    }

    private static List<String> podman(List<String> args) {
        List<String> command = new ArrayList<>(PODMAN);
        command.addAll(args);
        return command;
    }

    private static int status(int port, String path) {
        try {
            return HTTP.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                    .timeout(Duration.ofSeconds(2))
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(element -> texts.add(element.asText()));
        return texts;
    }

    /**
     * Runs a command to its end, within {@link #COMMAND_TIMEOUT}: podman and skopeo from {@code
     * target}'s parent, node in the Node test project (for its node_modules). The environment loses
     * every {@code HERALD_*} variable but those given.
     */
    private static Result run(List<String> command, Map<String, String> env) {
        Path basedir = Paths.get(System.getProperty("basedir", ".")).toAbsolutePath();
        Path dir =
                command.get(0).equals("node")
                        ? basedir.resolve(Paths.get("src", "test", "node"))
                        : basedir;
        try {
            Path output = Files.createTempFile(workDir, "command-", ".log");
            ProcessBuilder builder =
                    new ProcessBuilder(command)
                            .directory(dir.toFile())
                            .redirectErrorStream(true)
                            .redirectOutput(output.toFile());
            builder.environment().keySet().removeIf(key -> key.startsWith("HERALD_"));
            builder.environment().putAll(env);
            Process process = builder.start();
            if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                fail(
                        String.join(" ", command)
                                + " did not end within "
                                + COMMAND_TIMEOUT
                                + "; its output:\n"
                                + Files.readString(output, StandardCharsets.UTF_8));
            }
            return new Result(
                    process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "could not run "
                            + String.join(" ", command)
                            + " (the image test needs podman, runc and skopeo, and node for the client)",
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private record Result(int exitCode, String output) {}
}
