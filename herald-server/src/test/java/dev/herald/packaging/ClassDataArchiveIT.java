package dev.herald.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.testing.ServerJar;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/herald}'s class data archive: the first start makes it with a training run and uses
 * it, the next start uses it without training again, and a start that cannot make it starts all the
 * same.
 */
class ClassDataArchiveIT {

    private static final Path SCRIPT =
            Paths.get(System.getProperty("basedir", "."), "bin", "herald").toAbsolutePath();

    /** The training run comes first on a first start: a few seconds, more on a loaded machine. */
    private static final Duration STARTUP = Duration.ofSeconds(90);

    @TempDir Path temp;

    /** A node started by bin/herald, ready, with its JVM's command line. */
    private record Node(Process process, List<String> cmdline, Path log) {}

    private Node start(Path cacheDir, Map<String, String> extra) throws Exception {
        int port = ServerJar.freePort();
        Path log = temp.resolve("herald-" + port + ".log");
        ProcessBuilder builder =
                new ProcessBuilder(SCRIPT.toString())
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(key -> key.startsWith("HERALD_") || key.equals("JAVA_OPTS"));
        env.remove("JAVA_TOOL_OPTIONS");
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("HERALD_JAR", ServerJar.snapshot().toString());
        env.put("HERALD_HOST", "127.0.0.1");
        env.put("HERALD_PORT", Integer.toString(port));
        env.put("HERALD_METRICS_PORT", "-1");
        env.put("HERALD_SHUTDOWN_GRACE", "0");
        env.put("HERALD_CDS_DIR", cacheDir.toString());
        env.putAll(extra);
        Process process = builder.start();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        URI ready = URI.create("http://127.0.0.1:" + port + "/ready");
        await("/ready")
                .atMost(STARTUP)
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> {
                            assertThat(process.isAlive())
                                    .as("exited early:%n%s", Files.readString(log))
                                    .isTrue();
                            return status(http, ready) == 200;
                        });
        // bin/herald execs java, so the script's pid is the JVM's
        List<String> cmdline =
                List.of(
                        Files.readString(
                                        Paths.get("/proc", Long.toString(process.pid()), "cmdline"),
                                        StandardCharsets.UTF_8)
                                .split("\0"));
        return new Node(process, cmdline, log);
    }

    private static int status(HttpClient http, URI uri) {
        try {
            return http.send(
                            HttpRequest.newBuilder(uri).build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static void stop(Node node) throws InterruptedException {
        node.process().destroy();
        if (!node.process().waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            node.process().destroyForcibly();
        }
    }

    private static List<Path> archives(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().matches("herald-\\d+\\.jsa"))
                    .toList();
        }
    }

    @Test
    void theFirstStartMakesTheArchiveAndEveryStartMapsHeraldsClassesFromIt() throws Exception {
        Path cache = temp.resolve("cache");

        Node first = start(cache, Map.of());
        List<Path> made = archives(cache);
        try {
            assertThat(made).as("one archive, made by the training run").hasSize(1);
            assertThat(Files.readString(first.log())).contains("making the class data archive");
            assertThat(first.cmdline()).contains("-XX:SharedArchiveFile=" + made.get(0));
        } finally {
            stop(first);
        }
        FileTime madeAt = Files.getLastModifiedTime(made.get(0));

        // the JVM's own word that it mapped Herald's classes from the archive
        Path classLog = temp.resolve("classes.log");
        Node second =
                start(cache, Map.of("JAVA_TOOL_OPTIONS", "-Xlog:class+load=info:file=" + classLog));
        try {
            assertThat(Files.readString(second.log()))
                    .doesNotContain("making the class data archive");
            assertThat(archives(cache)).containsExactlyElementsOf(made);
            assertThat(Files.getLastModifiedTime(made.get(0))).isEqualTo(madeAt);
            assertThat(second.cmdline()).contains("-XX:SharedArchiveFile=" + made.get(0));
            assertThat(Files.readAllLines(classLog))
                    .anyMatch(
                            line ->
                                    line.contains("dev.herald.transport.WebSocketUpgrade ")
                                            && line.contains("source: shared objects file (top)"))
                    .anyMatch(
                            line ->
                                    line.contains("io.netty.handler.codec.http.HttpServerCodec ")
                                            && line.contains("source: shared objects file (top)"));
        } finally {
            stop(second);
        }
    }

    @Test
    void aStartThatCannotMakeTheArchiveStartsWithoutIt() throws Exception {
        // a directory that cannot be made: its parent is a file
        Path file = Files.writeString(temp.resolve("a-file"), "not a directory");

        Node node = start(file.resolve("cache"), Map.of());
        try {
            assertThat(Files.readString(node.log())).contains("starting without it");
            assertThat(node.cmdline()).noneMatch(arg -> arg.startsWith("-XX:SharedArchiveFile"));
        } finally {
            stop(node);
        }
    }

    @Test
    void aTrainingRunThatFailsLeavesNoArchiveAndTheNodeStarts() throws Exception {
        Path cache = temp.resolve("failing");

        // without the JDK's own archive the JVM refuses -XX:ArchiveClassesAtExit at once
        Node node = start(cache, Map.of("JAVA_OPTS", "-Xshare:off -XX:+UseSerialGC -Xmn16m"));
        try {
            assertThat(Files.readString(node.log()))
                    .contains("could not make the class data archive")
                    .contains("starting without it");
            assertThat(node.cmdline()).noneMatch(arg -> arg.startsWith("-XX:SharedArchiveFile"));
            assertThat(archives(cache)).isEmpty();
            assertThat(Files.readString(cache.resolve("training-run.log")))
                    .contains("base CDS archive is not loaded");
        } finally {
            stop(node);
        }
    }

    @Test
    void heraldCdsOffStartsWithoutAnArchive() throws Exception {
        Path cache = temp.resolve("off");

        Node node = start(cache, Map.of("HERALD_CDS", "off"));
        try {
            assertThat(node.cmdline()).noneMatch(arg -> arg.startsWith("-XX:SharedArchiveFile"));
            assertThat(cache).doesNotExist();
        } finally {
            stop(node);
        }
    }
}
