package dev.herald.compat;

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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * A real Herald server, started from the packaged jar as a child process, for one test class.
 *
 * <p>The jar comes from the system property {@code herald.jar} (failsafe sets it to
 * {@code target/herald-server.jar}). The server binds 127.0.0.1 on a free port; every
 * {@code HERALD_*} variable of the surrounding environment is removed so that only the
 * overrides given here apply. Its output goes to {@code target/herald-<name>.log}. The
 * operations listener ({@code /metrics}, {@code /health}, {@code /ready}) gets a free port of its
 * own unless {@code HERALD_METRICS_PORT} is overridden.
 */
public final class HeraldProcess implements AutoCloseable {

    public static final String HOST = "127.0.0.1";
    public static final String APP_ID = "app-id";
    public static final String APP_KEY = "app-key";
    public static final String APP_SECRET = "app-secret";

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(20);

    private final String name;
    private final Process process;
    private final int port;
    private final Path log;
    private final Map<String, String> env;
    private final SSLContext tls;

    private HeraldProcess(String name, Process process, int port, Path log, Map<String, String> env, SSLContext tls) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.log = log;
        this.env = env;
        this.tls = tls;
    }

    /** Starts a server with the default app and the given {@code HERALD_*} overrides, and waits until it is healthy. */
    public static HeraldProcess start(String name, Map<String, String> overrides) {
        return start(name, overrides, null);
    }

    /**
     * Starts a server whose port serves TLS ({@code HERALD_TLS_CERT} / {@code HERALD_TLS_KEY} in
     * {@code overrides}), and waits until {@code https://.../health} answers 200 to a client that
     * trusts the server's certificate through {@code tls}; {@code null} means plain HTTP.
     */
    public static HeraldProcess start(String name, Map<String, String> overrides, SSLContext tls) {
        int port = freePort();
        Path log = Paths.get(System.getProperty("basedir", "."), "target").toAbsolutePath()
                .resolve("herald-" + name + ".log");
        // JAVA_OPTS in the overrides are JVM flags, as bin/herald reads them
        List<String> command = new ArrayList<>(List.of(ServerJar.javaBinary()));
        String javaOpts = overrides.getOrDefault("JAVA_OPTS", "").trim();
        if (!javaOpts.isEmpty()) {
            command.addAll(List.of(javaOpts.split("\\s+")));
        }
        command.addAll(List.of("-jar", ServerJar.snapshot().toString()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> environment = builder.environment();
        environment.keySet().removeIf(key -> key.startsWith("HERALD_"));
        environment.put("HERALD_HOST", HOST);
        environment.put("HERALD_PORT", Integer.toString(port));
        // a port of its own, so that no two servers (nor a real node on 9601) share the ops listener
        environment.put("HERALD_METRICS_PORT", Integer.toString(freePort()));
        environment.putAll(overrides);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + ServerJar.snapshot(), e);
        }
        HeraldProcess herald = new HeraldProcess(name, process, port, log, Map.copyOf(environment), tls);
        try {
            herald.awaitHealthy();
        } catch (RuntimeException | Error e) {
            herald.close();
            throw e;
        }
        return herald;
    }

    public static HeraldProcess start(String name) {
        return start(name, Map.of());
    }

    public int port() {
        return port;
    }

    /** The server's resident memory now, from {@code /proc}: what the machine pays for it. */
    public long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the server's memory", e);
        }
        throw new IllegalStateException("no VmRSS for process " + process.pid());
    }

    public Path log() {
        return log;
    }

    public String appId() {
        return env.getOrDefault("HERALD_APP_ID", APP_ID);
    }

    public String appKey() {
        return env.getOrDefault("HERALD_APP_KEY", APP_KEY);
    }

    public String appSecret() {
        return env.getOrDefault("HERALD_APP_SECRET", APP_SECRET);
    }

    /** {@code http://127.0.0.1:PORT} + path. */
    public URI http(String pathAndQuery) {
        return URI.create("http://" + HOST + ":" + port + pathAndQuery);
    }

    /** {@code https://127.0.0.1:PORT} + path (for a server started with TLS). */
    public URI https(String pathAndQuery) {
        return URI.create("https://" + HOST + ":" + port + pathAndQuery);
    }

    /** The {@code wss://} URL pusher-js would use for the configured key (for a server started with TLS). */
    public URI wss() {
        return URI.create("wss://" + HOST + ":" + port + "/app/" + appKey()
                + "?protocol=7&client=js&version=8.6.0&flash=false");
    }

    /** The WebSocket URL of an app key, with a raw query string (may be empty). */
    public URI ws(String key, String query) {
        return URI.create("ws://" + HOST + ":" + port + "/app/" + key + (query.isEmpty() ? "" : "?" + query));
    }

    /** The WebSocket URL pusher-js would use for the configured key (protocol 7). */
    public URI ws() {
        return ws(appKey(), "protocol=7&client=js&version=8.6.0&flash=false");
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The operations port ({@code HERALD_METRICS_PORT}), or -1 when it is off. */
    public int metricsPort() {
        return Integer.parseInt(env.getOrDefault("HERALD_METRICS_PORT", "-1"));
    }

    /** {@code http://127.0.0.1:METRICS_PORT} + path. */
    public URI ops(String pathAndQuery) {
        if (metricsPort() < 0) {
            throw new IllegalStateException("herald '" + name + "' runs without a metrics port");
        }
        return URI.create("http://" + HOST + ":" + metricsPort() + pathAndQuery);
    }

    /** Sends SIGTERM ({@link Process#destroy()} on Linux) and returns at once. */
    public void terminate() {
        process.destroy();
    }

    /** Waits for the process to exit and returns its status; fails if it is still running after {@code timeout}. */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("herald '" + name + "' still running " + timeout + " after SIGTERM; log:\n"
                        + logTail());
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * Ends the process with SIGKILL: for a server whose graceful stop would wait for something a
     * test made impossible on purpose (a webhook receiver that never answers 2xx).
     */
    public void kill() {
        try {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitHealthy() {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1));
        if (tls != null) {
            builder.sslContext(tls);
        }
        HttpClient client = builder.build();
        HttpRequest health = HttpRequest.newBuilder(tls == null ? http("/health") : https("/health"))
                .timeout(Duration.ofSeconds(1)).GET().build();
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("herald '" + name + "' exited with " + process.exitValue()
                        + " before it was healthy; log " + log + ":\n" + logTail());
            }
            try {
                HttpResponse<String> response = client.send(health, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
                last = "status " + response.statusCode();
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            try {
                Thread.sleep(50); // polling the health endpoint, as the contract prescribes
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("herald '" + name + "' not healthy on port " + port + " within "
                + STARTUP_TIMEOUT + " (" + last + "); log " + log + ":\n" + logTail());
    }

    /** The last lines of the server log, for failure messages. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** A port that was free on 127.0.0.1 a moment ago. */
    static int freePort() {
        return ServerJar.freePort();
    }
}
