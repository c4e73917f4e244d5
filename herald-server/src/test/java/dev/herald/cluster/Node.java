package dev.herald.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import dev.herald.testing.ServerJar;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One Herald node of a test cluster: the packaged jar run as a child process, with its own port
 * and operations port, the test class's app, and {@code HERALD_REDIS_URL}. Every {@code HERALD_*}
 * variable of the surrounding environment is removed first. Output goes to
 * {@code target/herald-cluster-<name>.log}.
 *
 * <p>The jar ({@code -Dherald.jar}, set by failsafe) is copied once per test JVM before the first
 * node starts, so a rebuild of {@code target/herald-server.jar} during the run cannot pull classes
 * out from under running nodes.
 */
final class Node implements AutoCloseable {

    static final String HOST = "127.0.0.1";
    static final String REDIS = "redis://127.0.0.1:6379";
    /** Startup with Redis on a loaded machine can take several seconds. */
    static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    final String name;
    final TestApp app;
    private final Process process;
    private final int port;
    private final int metricsPort;
    private final Path log;

    private Node(String name, TestApp app, Process process, int port, int metricsPort, Path log) {
        this.name = name;
        this.app = app;
        this.process = process;
        this.port = port;
        this.metricsPort = metricsPort;
        this.log = log;
    }

    /** Starts the process and returns without waiting; see {@link #awaitReady()}. */
    static Node launch(String name, TestApp app, String redisUrl, Map<String, String> overrides) {
        int port = freePort();
        int metricsPort = freePort();
        Path log = logDirectory().resolve("herald-cluster-" + name + ".log");
        ProcessBuilder builder = new ProcessBuilder(ServerJar.javaBinary(), "-jar", ServerJar.snapshot().toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> environment = builder.environment();
        environment.keySet().removeIf(key -> key.startsWith("HERALD_"));
        environment.put("HERALD_HOST", HOST);
        environment.put("HERALD_PORT", Integer.toString(port));
        environment.put("HERALD_METRICS_PORT", Integer.toString(metricsPort));
        environment.put("HERALD_REDIS_URL", redisUrl);
        environment.putAll(app.env());
        environment.putAll(overrides);
        try {
            Process process = builder.start();
            // should the test JVM die without its @AfterAll, no node outlives it
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
            return new Node(name, app, process, port, metricsPort, log);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + ServerJar.snapshot(), e);
        }
    }

    /**
     * Starts one node per name, all at once, and waits until every one answers {@code /ready}
     * with 200; if one does not, stops them all and fails.
     */
    static List<Node> startAll(TestApp app, String redisUrl, Map<String, String> overrides, String... names) {
        List<Node> nodes = new ArrayList<>();
        try {
            for (String name : names) {
                nodes.add(launch(name, app, redisUrl, overrides));
            }
            for (Node node : nodes) {
                node.awaitReady();
            }
            return nodes;
        } catch (RuntimeException | Error e) {
            closeAll(nodes);
            throw e;
        }
    }

    /** Overrides plus a few more. */
    static Map<String, String> with(Map<String, String> overrides, String... keysAndValues) {
        Map<String, String> all = new HashMap<>(overrides);
        for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
            all.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return all;
    }

    /** Polls {@code /ready} until it answers 200; fails if the process exits or {@link #READY_TIMEOUT} passes. */
    void awaitReady() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        int last = -1;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("node " + name + " exited with " + process.exitValue()
                        + " before it was ready; log " + log + ":\n" + logTail());
            }
            last = readyStatus();
            if (last == 200) {
                return;
            }
            pause(100); // polling /ready: there is nothing to wait on but the answer
        }
        throw new IllegalStateException("node " + name + " not ready within " + READY_TIMEOUT + " (last /ready: "
                + last + "); log " + log + ":\n" + logTail());
    }

    /** The status of {@code GET /ready} on the operations port, or -1 when nothing answers. */
    int readyStatus() {
        try {
            HttpRequest request = HttpRequest.newBuilder(ops("/ready")).timeout(Duration.ofSeconds(5)).GET().build();
            return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    int port() {
        return port;
    }

    URI ops(String path) {
        return URI.create("http://" + HOST + ":" + metricsPort + path);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL ({@link Process#destroyForcibly()}): the node says no goodbye to Redis. */
    void kill() {
        try {
            if (!process.destroyForcibly().waitFor(30, TimeUnit.SECONDS)) {
                throw new AssertionError("node " + name + " still running 30 s after SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    @Override
    public String toString() {
        return "node " + name + " (port " + port + ")";
    }

    /** SIGTERM, up to 20 s for the graceful stop, then SIGKILL. */
    @Override
    public void close() {
        closeAll(List.of(this));
    }

    /** Stops several nodes at once: SIGTERM to all, then waits for each, then SIGKILL for any left. */
    static void closeAll(List<Node> nodes) {
        for (Node node : nodes) {
            if (node != null) {
                node.process.destroy();
            }
        }
        for (Node node : nodes) {
            if (node == null) {
                continue;
            }
            try {
                if (!node.process.waitFor(20, TimeUnit.SECONDS)) {
                    node.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                node.process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@code target/} of the module under test (failsafe sets {@code basedir}). */
    static Path logDirectory() {
        return Paths.get(System.getProperty("basedir", "."), "target").toAbsolutePath();
    }

    /** A port that was free on 127.0.0.1 a moment ago. */
    static int freePort() {
        return ServerJar.freePort();
    }
}
