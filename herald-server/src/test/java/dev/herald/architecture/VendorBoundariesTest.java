package dev.herald.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Vendors stay behind their engines (STYLE rule 1): Lettuce only in {@code dev.herald.redis},
 * JDBC only in {@code apps.jdbc}, and no Netty channel in {@code protocol}.
 */
class VendorBoundariesTest {

    private static final Path MAIN = Path.of("src/main/java/dev/herald");

    /** Files outside {@code allowedDirectory} (relative to {@code dev/herald}) that import the prefix. */
    private static List<String> offenders(String importPrefix, String allowedDirectory) throws IOException {
        List<String> offenders = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String relative = MAIN.relativize(file).toString();
                if (relative.startsWith(allowedDirectory)) {
                    continue;
                }
                for (String line : Files.readAllLines(file)) {
                    if (line.startsWith("import " + importPrefix)) {
                        offenders.add(relative + ": " + line);
                    }
                }
            }
        }
        return offenders;
    }

    @Test
    void lettuceIsUsedOnlyInTheRedisPackage() throws IOException {
        assertThat(offenders("io.lettuce", "redis/")).isEmpty();
    }

    /** The Redis engines are wired by the composition root and reached only through the interfaces. */
    @Test
    void onlyTheServerImportsTheRedisEngines() throws IOException {
        assertThat(offenders("dev.herald.redis.", "redis/")).allMatch(line -> line.startsWith("server/"));
    }

    @Test
    void jdbcIsUsedOnlyInTheJdbcPackage() throws IOException {
        assertThat(offenders("java.sql", "apps/jdbc/")).isEmpty();
    }

    @Test
    void protocolKnowsNoNettyChannels() throws IOException {
        List<String> offenders = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN.resolve("protocol"))) {
            for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                for (String line : Files.readAllLines(file)) {
                    if (line.startsWith("import io.netty.channel")) {
                        offenders.add(file.getFileName() + ": " + line);
                    }
                }
            }
        }
        assertThat(offenders).isEmpty();
    }

    @Test
    void scansTheRealSourceTree() {
        assertThat(Files.isDirectory(MAIN.resolve("protocol"))).isTrue();
    }
}
