package dev.herald.testing;

import static org.awaitility.Awaitility.await;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One redis-server process of a test topology: its port, its own working directory and log, and the
 * arguments it is (re)started with. Commands go over a fresh socket each, so a killed or restarted
 * process leaves no half-open client behind. The process is ended by its PID (SIGKILL), never by
 * name, and a shutdown hook ends it if the test JVM exits first.
 */
final class RedisProcess {

    static final String HOST = "127.0.0.1";
    static final Duration START_WITHIN = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(50);
    private static final int CONNECT_TIMEOUT_MS = 1_000;
    private static final int READ_TIMEOUT_MS = 10_000;
    private static final int MAX_REPLY_DEPTH = 8;
    private static final int MAX_BULK_BYTES = 64 * 1024 * 1024;

    private final int port;
    private final Path dir;
    private final Path log;
    private final List<String> command;
    private final Thread hook;
    private volatile Process process;

    /**
     * A process to be started by {@link #start()}; {@code arguments} follow {@code redis-server}.
     */
    RedisProcess(int port, Path dir, List<String> arguments) {
        this.port = port;
        this.dir = dir;
        this.log = dir.resolve("redis-" + port + ".log");
        List<String> command = new ArrayList<>();
        command.add("redis-server");
        command.addAll(arguments);
        this.command = List.copyOf(command);
        this.hook = new Thread(this::kill, "redis-" + port + "-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    int port() {
        return port;
    }

    Path dir() {
        return dir;
    }

    /** Starts redis-server (again) and waits until it answers PING; fails with its log's tail. */
    void start() {
        if (alive()) {
            throw new IllegalStateException("redis-server on port " + port + " is running");
        }
        try {
            Files.createDirectories(dir);
            process =
                    new ProcessBuilder(command)
                            .directory(dir.toFile())
                            .redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                            .start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start redis-server (is it on PATH?)", e);
        }
        until(
                "redis-server on port " + port + " answers PING",
                START_WITHIN,
                () -> {
                    if (!alive()) {
                        // no point in waiting: it exited (port taken, bad option), say why
                        throw new IllegalStateException(
                                "redis-server on port " + port + " exited:\n" + logTail());
                    }
                    try {
                        return "PONG".equals(call("PING")) ? null : "no PONG";
                    } catch (UncheckedIOException | RedisError e) {
                        return e.toString();
                    }
                });
    }

    /** SIGKILL, by PID, and wait until the process is gone. Does nothing if it is not running. */
    void kill() {
        Process running = process;
        if (running == null) {
            return;
        }
        try {
            if (!running.destroyForcibly().waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException(
                        "redis-server pid " + running.pid() + " still running 30 s after SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Kills the process and drops the shutdown hook. */
    void close() {
        kill();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs (or ran) anyway
        }
    }

    boolean alive() {
        Process running = process;
        return running != null && running.isAlive();
    }

    /** The last 40 lines of this process's log, for failure messages. */
    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log at " + log + ": " + e + ")";
        }
    }

    /**
     * One command, its reply as a String (simple or bulk string), Long, List or null. Strings go
     * both ways as ISO-8859-1, which maps every byte to one char and back, so keys that are not
     * UTF-8 survive GETKEYSINSLOT followed by MIGRATE unchanged.
     *
     * @throws RedisError on an error reply
     * @throws UncheckedIOException when the server cannot be reached or does not answer in time
     */
    Object call(String... args) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, port), CONNECT_TIMEOUT_MS);
            socket.setSoTimeout(READ_TIMEOUT_MS);
            OutputStream out = socket.getOutputStream();
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            request.write(("*" + args.length + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            for (String arg : args) {
                byte[] bytes = arg.getBytes(StandardCharsets.ISO_8859_1);
                request.write(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                request.write(bytes);
                request.write('\r');
                request.write('\n');
            }
            out.write(request.toByteArray());
            out.flush();
            return read(new BufferedInputStream(socket.getInputStream()), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "redis-server on port " + port + ": " + String.join(" ", args), e);
        }
    }

    /** {@link #call} for a command whose reply is a string. */
    String text(String... args) {
        Object reply = call(args);
        if (!(reply instanceof String text)) {
            throw new IllegalStateException(
                    String.join(" ", args) + " on port " + port + " answered " + reply);
        }
        return text;
    }

    /** An INFO section as field to value. */
    Map<String, String> info(String section) {
        return fields(text("INFO", section));
    }

    /** "field:value" lines (INFO, CLUSTER INFO) as a map. */
    static Map<String, String> fields(String text) {
        Map<String, String> fields = new TreeMap<>();
        for (String line : text.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return fields;
    }

    private static Object read(InputStream in, int depth) throws IOException {
        if (depth > MAX_REPLY_DEPTH) {
            throw new IOException("reply nested deeper than " + MAX_REPLY_DEPTH);
        }
        int type = in.read();
        if (type < 0) {
            throw new EOFException("connection closed before the reply");
        }
        String line = line(in);
        switch (type) {
            case '+':
                return line;
            case '-':
                throw new RedisError(line);
            case ':':
                return Long.parseLong(line);
            case '$':
                {
                    int length = Integer.parseInt(line);
                    if (length < 0) {
                        return null;
                    }
                    if (length > MAX_BULK_BYTES) {
                        throw new IOException("bulk reply of " + length + " bytes");
                    }
                    byte[] bytes = in.readNBytes(length + 2);
                    if (bytes.length != length + 2) {
                        throw new EOFException("connection closed inside a bulk reply");
                    }
                    return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
                }
            case '*':
                {
                    int count = Integer.parseInt(line);
                    if (count < 0) {
                        return null;
                    }
                    List<Object> items = new ArrayList<>(Math.min(count, 1024));
                    for (int i = 0; i < count; i++) {
                        items.add(read(in, depth + 1));
                    }
                    return items;
                }
            default:
                throw new IOException("not a RESP2 reply: '" + (char) type + line + "'");
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int previous = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed inside a reply line");
            }
            if (previous == '\r' && b == '\n') {
                line.setLength(line.length() - 1);
                return line.toString();
            }
            if (line.length() > 64 * 1024) {
                throw new IOException("reply line longer than 64 KiB");
            }
            line.append((char) b);
            previous = b;
        }
    }

    /**
     * Polls {@code problem} until it says nothing is wrong (null); past {@code atMost} fails with
     * the last problem it named. A node that cannot be reached or answers with an error is a
     * problem to wait out; any other exception from {@code problem} ends the wait at once.
     */
    static void until(String what, Duration atMost, Supplier<String> problem) {
        AtomicReference<String> last = new AtomicReference<>("not checked yet");
        try {
            await(what)
                    .atMost(atMost)
                    .pollDelay(Duration.ZERO)
                    .pollInterval(POLL)
                    .until(
                            () -> {
                                String now;
                                try {
                                    now = problem.get();
                                } catch (UncheckedIOException | RedisError e) {
                                    now = e.toString(); // a node not answering yet, or busy
                                }
                                last.set(now);
                                return now == null;
                            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(
                    what + " did not happen within " + atMost + "; last seen: " + last.get(), e);
        }
    }

    /** An error reply. */
    static final class RedisError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RedisError(String message) {
            super(message);
        }
    }
}
