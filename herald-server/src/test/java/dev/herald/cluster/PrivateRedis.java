package dev.herald.cluster;

import static org.awaitility.Awaitility.await;

import dev.herald.testing.HeraldProcess;
import dev.herald.testing.ServerJar;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A redis-server of a test's own, on a free port, without persistence, so that stopping it and
 * killing nodes that use it disturbs nobody else. Stopping it loses every key, as a real restart
 * without persistence would.
 */
final class PrivateRedis implements AutoCloseable {

    private final int port;
    private final Path log;
    private Process process;

    private PrivateRedis(int port, Path log) {
        this.port = port;
        this.log = log;
    }

    static PrivateRedis start(String name) {
        Path log = HeraldProcess.targetDirectory().resolve("redis-" + name + ".log");
        PrivateRedis redis = new PrivateRedis(ServerJar.freePort(), log);
        redis.startProcess();
        return redis;
    }

    String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Starts redis-server on this instance's port (again) and waits until it answers PING. */
    void startProcess() {
        try {
            process =
                    new ProcessBuilder(
                                    "redis-server",
                                    "--port",
                                    Integer.toString(port),
                                    "--bind",
                                    "127.0.0.1",
                                    "--save",
                                    "",
                                    "--appendonly",
                                    "no",
                                    "--daemonize",
                                    "no")
                            .redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                            .start();
            Process started = process;
            Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly));
        } catch (IOException e) {
            throw new UncheckedIOException("could not start redis-server (is it on PATH?)", e);
        }
        await("redis-server on port " + port + " answers PING")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(50))
                .until(this::answersPing);
    }

    /** Ends redis-server (SIGKILL) and waits until it is gone. */
    void stop() {
        try {
            if (process != null && !process.destroyForcibly().waitFor(30, TimeUnit.SECONDS)) {
                throw new AssertionError(
                        "redis-server on port " + port + " still running 30 s after SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    boolean answersPing() {
        if (process == null || !process.isAlive()) {
            return false;
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            socket.setSoTimeout(2_000);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] answer = new byte[7];
            int read = in.readNBytes(answer, 0, 7);
            return read == 7 && new String(answer, StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        stop();
    }
}
