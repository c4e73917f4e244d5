package dev.herald.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * A real Herald server, the packaged jar ({@link ServerJar#snapshot()}) run as a child process: a
 * single server, or one node of a test cluster. It binds 127.0.0.1 on a free port, with an
 * operations listener ({@code /metrics}, {@code /health}, {@code /ready}) on a free port of its own
 * unless {@code HERALD_METRICS_PORT} is overridden. Every {@code HERALD_*} variable of the
 * surrounding environment is removed so that only the {@link Options} apply. Output goes to {@code
 * target/herald-<name>.log} of the module under test (failsafe sets {@code basedir}).
 */
public final class HeraldProcess implements AutoCloseable {

    public static final String HOST = "127.0.0.1";
    public static final String APP_ID = TestApp.DEFAULT.id();
    public static final String APP_KEY = TestApp.DEFAULT.key();
    public static final String APP_SECRET = TestApp.DEFAULT.secret();

    /** The shared Redis of the test machine. */
    public static final String REDIS = "redis://127.0.0.1:6379";

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Duration POLL = Duration.ofMillis(50);

    /**
     * What "started" means: {@code /health} on the main port, or {@code /ready} (the ops port when
     * there is one).
     */
    public enum Probe {
        HEALTH,
        READY
    }

    /**
     * How to run one server. {@code env} holds {@code HERALD_*} overrides (and {@code JAVA_OPTS},
     * JVM flags); {@code app} and {@code redisUrl} become their variables when set; {@code tls} is
     * the client context that trusts the certificate of a server whose port serves TLS; {@code
     * script} starts the server through a launcher such as {@code bin/herald} (its JVM settings)
     * instead of {@code java -jar}; {@code log} replaces {@code target/herald-<name>.log}.
     */
    public record Options(
            String name,
            Map<String, String> env,
            TestApp app,
            String redisUrl,
            SSLContext tls,
            Probe probe,
            Duration readyTimeout,
            Duration stopGrace,
            Path script,
            Path log) {

        public Options {
            Objects.requireNonNull(name, "name");
            env = Map.copyOf(env);
        }
    }

    public static final class Builder {
        private String name;
        private final Map<String, String> env = new LinkedHashMap<>();
        private TestApp app;
        private String redisUrl;
        private SSLContext tls;
        private Probe probe = Probe.HEALTH;
        private Duration readyTimeout = Duration.ofSeconds(20);
        private Duration stopGrace = Duration.ofSeconds(10);
        private Path script;
        private Path log;

        private Builder(String name) {
            this.name = name;
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public Builder env(Map<String, String> overrides) {
            env.putAll(overrides);
            return this;
        }

        public Builder env(String key, String value) {
            env.put(key, value);
            return this;
        }

        public Builder app(TestApp app) {
            this.app = app;
            return this;
        }

        public Builder redisUrl(String redisUrl) {
            this.redisUrl = redisUrl;
            return this;
        }

        public Builder tls(SSLContext tls) {
            this.tls = tls;
            return this;
        }

        public Builder probe(Probe probe) {
            this.probe = probe;
            return this;
        }

        public Builder readyTimeout(Duration readyTimeout) {
            this.readyTimeout = readyTimeout;
            return this;
        }

        /** How long {@link #close()} waits after SIGTERM before SIGKILL. */
        public Builder stopGrace(Duration stopGrace) {
            this.stopGrace = stopGrace;
            return this;
        }

        public Builder script(Path script) {
            this.script = script;
            return this;
        }

        public Builder log(Path log) {
            this.log = log;
            return this;
        }

        public Options build() {
            return new Options(
                    name, env, app, redisUrl, tls, probe, readyTimeout, stopGrace, script, log);
        }

        /** Starts the server and waits until it is ready. */
        public HeraldProcess start() {
            return HeraldProcess.start(build());
        }
    }

    private final Options options;
    private final int port;
    private final Path log;
    private final List<String> command;
    private final Map<String, String> env;
    private Process process;

    private HeraldProcess(Options options) {
        this.options = options;
        this.port = ServerJar.freePort();
        this.log =
                options.log() != null
                        ? options.log().toAbsolutePath()
                        : targetDirectory().resolve("herald-" + options.name() + ".log");
        Map<String, String> env = new HashMap<>();
        env.put("HERALD_HOST", HOST);
        env.put("HERALD_PORT", Integer.toString(port));
        // a port of its own, so that no two servers (nor a real node on 9601) share the ops
        // listener
        env.put("HERALD_METRICS_PORT", Integer.toString(ServerJar.freePort()));
        // a short warm-up: the suite starts over a hundred servers, the warm-up only makes a start
        // slower, and its size changes nothing they check (WarmUpTest runs the default)
        env.put("HERALD_WARM_UP_CONNECTIONS", "100");
        if (options.redisUrl() != null) {
            env.put("HERALD_REDIS_URL", options.redisUrl());
        }
        if (options.app() != null) {
            env.putAll(options.app().env());
        }
        env.putAll(options.env());
        this.env = Map.copyOf(env);
        this.command = command(options, env);
    }

    private static List<String> command(Options options, Map<String, String> env) {
        if (options.script() != null) {
            // the script reads JAVA_OPTS and HERALD_JAR itself
            return List.of(options.script().toAbsolutePath().toString());
        }
        List<String> command = new ArrayList<>(List.of(ServerJar.javaBinary()));
        String javaOpts = env.getOrDefault("JAVA_OPTS", "").trim();
        if (!javaOpts.isEmpty()) {
            command.addAll(List.of(javaOpts.split("\\s+")));
        }
        command.addAll(List.of("-jar", ServerJar.snapshot().toString()));
        return command;
    }

    public static Builder options(String name) {
        return new Builder(name);
    }

    /**
     * The options of a node of a test cluster (name it, or let {@link #startAll} do): the app,
     * {@code HERALD_REDIS_URL}, ready when {@code /ready} says so (startup with Redis on a loaded
     * machine can take several seconds), and a longer graceful stop (a node says goodbye to Redis).
     */
    public static Builder clusterNode(TestApp app, String redisUrl) {
        return options("node")
                .app(app)
                .redisUrl(redisUrl)
                .probe(Probe.READY)
                .readyTimeout(Duration.ofSeconds(60))
                .stopGrace(Duration.ofSeconds(20));
    }

    /** Starts a server with the default app and waits until it is healthy. */
    public static HeraldProcess start(String name) {
        return start(name, Map.of());
    }

    /**
     * Starts a server with the default app and the given {@code HERALD_*} overrides, and waits
     * until it is healthy.
     */
    public static HeraldProcess start(String name, Map<String, String> overrides) {
        return options(name).env(overrides).start();
    }

    /**
     * Starts the server and waits until it is ready; stops it and fails if it does not get there.
     */
    public static HeraldProcess start(Options options) {
        HeraldProcess herald = launch(options);
        try {
            herald.awaitReady();
        } catch (RuntimeException | Error e) {
            herald.close();
            throw e;
        }
        return herald;
    }

    /** Starts the process and returns without waiting; see {@link #awaitReady()}. */
    public static HeraldProcess launch(Options options) {
        HeraldProcess herald = new HeraldProcess(options);
        herald.spawn(false);
        return herald;
    }

    /**
     * Starts one server per name from the same options, all at once, and waits until every one is
     * ready; if one is not, stops them all and fails.
     */
    public static List<HeraldProcess> startAll(Builder options, String... names) {
        List<HeraldProcess> started = new ArrayList<>();
        try {
            for (String name : names) {
                started.add(launch(options.name(name).build()));
            }
            for (HeraldProcess herald : started) {
                herald.awaitReady();
            }
            return started;
        } catch (RuntimeException | Error e) {
            stopAll(started);
            throw e;
        }
    }

    /** Overrides plus a few more. */
    public static Map<String, String> with(Map<String, String> overrides, String... keysAndValues) {
        Map<String, String> all = new HashMap<>(overrides);
        for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
            all.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return all;
    }

    private synchronized void spawn(boolean appendToLog) {
        ProcessBuilder builder =
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(
                                appendToLog
                                        ? ProcessBuilder.Redirect.appendTo(log.toFile())
                                        : ProcessBuilder.Redirect.to(log.toFile()));
        Map<String, String> environment = builder.environment();
        environment.keySet().removeIf(key -> key.startsWith("HERALD_"));
        environment.putAll(env);
        if (options.script() != null) {
            environment.put("HERALD_JAR", ServerJar.snapshot().toString());
        }
        try {
            Files.createDirectories(log.getParent());
            Process started = builder.start();
            // should the test JVM die without its clean-up, no server outlives it
            Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly));
            process = started;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + command, e);
        }
    }

    /**
     * Stops the server if it runs, then starts it again on the same ports with the same
     * environment, its output appended to the same log, and waits until it is ready.
     */
    public void restart() {
        stop();
        spawn(true);
        awaitReady();
    }

    /**
     * Polls the {@link Probe} until it answers 200; fails if the process exits or the ready timeout
     * passes.
     */
    public void awaitReady() {
        long deadline = System.nanoTime() + options.readyTimeout().toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process().isAlive()) {
                throw new IllegalStateException(
                        this
                                + " exited with "
                                + process().exitValue()
                                + " before it was ready; log "
                                + log
                                + ":\n"
                                + logTail());
            }
            int status = options.probe() == Probe.READY ? readyStatus() : status(health());
            if (status == 200) {
                return;
            }
            last = status < 0 ? "no answer" : "status " + status;
            pause(POLL); // polling: there is nothing to wait on but the answer
        }
        throw new IllegalStateException(
                this
                        + " not ready within "
                        + options.readyTimeout()
                        + " (last "
                        + options.probe()
                        + ": "
                        + last
                        + "); log "
                        + log
                        + ":\n"
                        + logTail());
    }

    /**
     * The status of {@code GET /ready} (on the operations port when there is one), or -1 when
     * nothing answers.
     */
    public int readyStatus() {
        return status(metricsPort() < 0 ? http("/ready") : ops("/ready"));
    }

    private URI health() {
        return options.tls() == null ? http("/health") : https("/health");
    }

    private int status(URI uri) {
        HttpClient client =
                options.tls() == null
                        ? HTTP
                        : HttpClient.newBuilder()
                                .connectTimeout(Duration.ofSeconds(2))
                                .sslContext(options.tls())
                                .build();
        try {
            HttpRequest request =
                    HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build();
            return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public String name() {
        return options.name();
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process().pid();
    }

    public Path log() {
        return log;
    }

    /** The app this server serves (its {@code HERALD_APP_*} variables, else the default app). */
    public TestApp app() {
        return new TestApp(
                env.getOrDefault("HERALD_APP_ID", APP_ID),
                env.getOrDefault("HERALD_APP_KEY", APP_KEY),
                env.getOrDefault("HERALD_APP_SECRET", APP_SECRET));
    }

    public String appId() {
        return app().id();
    }

    public String appKey() {
        return app().key();
    }

    public String appSecret() {
        return app().secret();
    }

    /** The server's resident memory now, from {@code /proc}: what the machine pays for it. */
    public long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the server's memory", e);
        }
        throw new IllegalStateException("no VmRSS for process " + pid());
    }

    /** {@code http://127.0.0.1:PORT} + path. */
    public URI http(String pathAndQuery) {
        return URI.create("http://" + HOST + ":" + port + pathAndQuery);
    }

    /** {@code https://127.0.0.1:PORT} + path (for a server started with TLS). */
    public URI https(String pathAndQuery) {
        return URI.create("https://" + HOST + ":" + port + pathAndQuery);
    }

    /**
     * The {@code wss://} URL pusher-js would use for the configured key (for a server started with
     * TLS).
     */
    public URI wss() {
        return URI.create(
                "wss://"
                        + HOST
                        + ":"
                        + port
                        + "/app/"
                        + appKey()
                        + "?protocol=7&client=js&version=8.6.0&flash=false");
    }

    /** The WebSocket URL of an app key, with a raw query string (may be empty). */
    public URI ws(String key, String query) {
        return URI.create(
                "ws://" + HOST + ":" + port + "/app/" + key + (query.isEmpty() ? "" : "?" + query));
    }

    /** The WebSocket URL pusher-js would use for the configured key (protocol 7). */
    public URI ws() {
        return ws(appKey(), "protocol=7&client=js&version=8.6.0&flash=false");
    }

    public boolean isAlive() {
        return process().isAlive();
    }

    /** The operations port ({@code HERALD_METRICS_PORT}), or -1 when it is off. */
    public int metricsPort() {
        return Integer.parseInt(env.getOrDefault("HERALD_METRICS_PORT", "-1"));
    }

    /** {@code http://127.0.0.1:METRICS_PORT} + path. */
    public URI ops(String pathAndQuery) {
        if (metricsPort() < 0) {
            throw new IllegalStateException(this + " runs without a metrics port");
        }
        return URI.create("http://" + HOST + ":" + metricsPort() + pathAndQuery);
    }

    /** Sends SIGTERM ({@link Process#destroy()} on Linux) and returns at once. */
    public void terminate() {
        process().destroy();
    }

    /**
     * Waits for the process to exit and returns its status; fails if it is still running after
     * {@code timeout}.
     */
    public int awaitExit(Duration timeout) {
        try {
            if (!process().waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(
                        this + " still running " + timeout + " after SIGTERM; log:\n" + logTail());
            }
            return process().exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * SIGKILL ({@link Process#destroyForcibly()}), and waits until the process is gone: a node that
     * says no goodbye to Redis, or a server whose graceful stop would wait for something a test
     * made impossible on purpose (a webhook receiver that never answers 2xx).
     */
    public void kill() {
        try {
            if (!process().destroyForcibly().waitFor(30, TimeUnit.SECONDS)) {
                throw new AssertionError(this + " still running 30 s after SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
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
    public String toString() {
        return "herald '" + options.name() + "' (port " + port + ")";
    }

    /** SIGTERM, the stop grace for the graceful stop, then SIGKILL. */
    public void stop() {
        stopAll(List.of(this));
    }

    @Override
    public void close() {
        stop();
    }

    /**
     * Stops several servers at once: SIGTERM to all, then waits for each, then SIGKILL for any
     * left.
     */
    public static void stopAll(Collection<HeraldProcess> servers) {
        for (HeraldProcess server : servers) {
            if (server != null) {
                server.process().destroy();
            }
        }
        for (HeraldProcess server : servers) {
            if (server == null) {
                continue;
            }
            Process process = server.process();
            try {
                if (!process.waitFor(
                        server.options.stopGrace().toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private synchronized Process process() {
        return process;
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@code target/} of the module under test (failsafe sets {@code basedir}). */
    public static Path targetDirectory() {
        return Paths.get(System.getProperty("basedir", "."), "target").toAbsolutePath();
    }
}
