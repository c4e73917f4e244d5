package dev.herald.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.jar.JarFile;

/** What every test that runs the packaged server as a child process needs. */
public final class ServerJar {

    private static final Duration COMPLETE_WITHIN = Duration.ofSeconds(60);
    private static final List<Path> DEFAULT_LOCATIONS =
            List.of(
                    Paths.get("target", "herald-server.jar"),
                    Paths.get("..", "herald-server", "target", "herald-server.jar"),
                    Paths.get("..", "..", "herald-server", "target", "herald-server.jar"));

    private static Path snapshot;

    private ServerJar() {}

    /**
     * A private copy of the server jar ({@code -Dherald.jar}, else {@code
     * target/herald-server.jar}), taken once per test JVM. A JVM loads classes from its jar lazily,
     * so a rebuild of the jar while a suite runs would make the servers fail with
     * NoClassDefFoundError on their first error path.
     */
    public static synchronized Path snapshot() {
        if (snapshot == null) {
            Path jar = jar();
            try {
                Path dir = Files.createTempDirectory("herald-it-");
                Path copy = dir.resolve("herald-server.jar");
                dir.toFile().deleteOnExit();
                copy.toFile().deleteOnExit();
                long deadline = System.nanoTime() + COMPLETE_WITHIN.toNanos();
                do {
                    Files.copy(jar, copy, StandardCopyOption.REPLACE_EXISTING);
                    if (complete(copy)) {
                        break;
                    }
                    Thread.sleep(1000); // the jar is being rebuilt right now
                } while (System.nanoTime() < deadline);
                snapshot = copy;
            } catch (IOException e) {
                throw new UncheckedIOException("could not copy " + jar, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return snapshot;
    }

    /** True when the jar is whole: its manifest names a main class that the jar contains. */
    private static boolean complete(Path jar) {
        try (JarFile file = new JarFile(jar.toFile())) {
            String main =
                    file.getManifest() == null
                            ? null
                            : file.getManifest().getMainAttributes().getValue("Main-Class");
            return main != null && file.getEntry(main.replace('.', '/') + ".class") != null;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * {@code -Dherald.jar}, else the server module's jar seen from the module under test (the
     * server itself, a sibling module, or an example one level further down).
     */
    private static Path jar() {
        String property = System.getProperty("herald.jar");
        Path jar =
                property != null && !property.isBlank()
                        ? Paths.get(property)
                        : DEFAULT_LOCATIONS.stream()
                                .filter(Files::isRegularFile)
                                .findFirst()
                                .orElse(DEFAULT_LOCATIONS.get(0));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(
                    "herald jar not found at "
                            + jar.toAbsolutePath()
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
