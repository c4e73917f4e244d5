package dev.herald.example.ci;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The Herald jar as a child process on a loopback port, with the default app credentials. */
final class HeraldProcess implements AutoCloseable {
    private final Path jar;
    private final int port;
    private final Path log;
    private final int metricsPort;
    private Process process;

    private HeraldProcess(Path jar, int port, Path log) throws IOException {
        this.jar = jar;
        this.port = port;
        this.log = log;
        this.metricsPort = freePort();
    }

    static HeraldProcess start(Path jar, int port, Path log) throws Exception {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("Herald jar not found at " + jar.toAbsolutePath()
                    + ": build it first (./mvnw -pl herald-server package -DskipTests) or set -Dherald.jar");
        }
        // A private copy, so that rebuilding the server while the tests run cannot pull classes from under it.
        Path copy = log.resolveSibling("herald-server-under-test.jar");
        Files.createDirectories(copy.getParent());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            Files.copy(jar, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            if (completeJar(copy) || System.nanoTime() > deadline) {
                break;
            }
            Thread.sleep(1000); // the jar is being rebuilt right now
        }
        Files.deleteIfExists(log);
        HeraldProcess h = new HeraldProcess(copy, port, log);
        h.start();
        return h;
    }

    /** True when the jar is whole: its manifest names a main class that the jar contains. */
    private static boolean completeJar(Path jar) {
        try (java.util.jar.JarFile f = new java.util.jar.JarFile(jar.toFile())) {
            String main = f.getManifest() == null ? null : f.getManifest().getMainAttributes().getValue("Main-Class");
            return main != null && f.getEntry(main.replace('.', '/') + ".class") != null;
        } catch (IOException e) {
            return false;
        }
    }

    int port() {
        return port;
    }

    void start() throws Exception {
        Files.createDirectories(log.getParent());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-jar", jar.toAbsolutePath().toString()))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> env = pb.environment();
        env.put("HERALD_HOST", "127.0.0.1");
        env.put("HERALD_PORT", Integer.toString(port));
        env.put("HERALD_APP_ID", "app-id");
        env.put("HERALD_APP_KEY", "app-key");
        env.put("HERALD_APP_SECRET", "app-secret");
        env.put("HERALD_METRICS_PORT", Integer.toString(metricsPort));
        process = pb.start();
        awaitHealthy(Duration.ofSeconds(20));
    }

    private void awaitHealthy(Duration timeout) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
        HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                .timeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Herald exited with " + process.exitValue() + "; see " + log);
            }
            try {
                if (http.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("Herald not healthy after " + timeout + "; see " + log);
    }

    /** Stops the server the way an operator would (SIGTERM), then waits for it to exit. */
    void stop() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
        process = null;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
