package dev.herald.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** What every test that runs the packaged server as a child process needs. */
public final class ServerJar {

    private static Path snapshot;

    private ServerJar() {
    }

    /**
     * A private copy of the server jar ({@code -Dherald.jar}, else {@code target/herald-server.jar}),
     * taken once per test JVM. A JVM loads classes from its jar lazily, so a rebuild of the jar
     * while a suite runs would make the servers fail with NoClassDefFoundError on their first
     * error path.
     */
    public static synchronized Path snapshot() {
        if (snapshot == null) {
            Path jar = jar();
            try {
                Path dir = Files.createTempDirectory("herald-it-");
                snapshot = Files.copy(jar, dir.resolve("herald-server.jar"));
                dir.toFile().deleteOnExit();
                snapshot.toFile().deleteOnExit();
            } catch (IOException e) {
                throw new UncheckedIOException("could not copy " + jar, e);
            }
        }
        return snapshot;
    }

    private static Path jar() {
        String property = System.getProperty("herald.jar");
        Path jar = property != null && !property.isBlank()
                ? Paths.get(property)
                : Paths.get("target", "herald-server.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("herald jar not found at " + jar.toAbsolutePath()
                    + "; build it (./mvnw -pl herald-server package -DskipTests) or pass -Dherald.jar=...");
        }
        return jar;
    }

    /** The java binary of the running JVM, for child processes. */
    public static String javaBinary() {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** A port that was free on 127.0.0.1 a moment ago. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
