package dev.herald.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.testing.HeraldProcess;
import dev.herald.testing.ServerJar;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The safe defaults of the packaged server: loopback unless told otherwise, no exposed node with
 * the published secret, no secret in {@code --help}, and {@code bin/herald} keeping {@code
 * -XX:+ExitOnOutOfMemoryError} whatever {@code JAVA_OPTS} says.
 */
@DisplayName("issue 13: safe defaults")
class SafeDefaultsIT {

    private static final Duration EXIT_WAIT = Duration.ofSeconds(30);

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "::"})
    void refusesToListenBeyondLoopbackWithTheDefaultSecret(String host) {
        Run run =
                run(
                        List.of(),
                        Map.of(
                                "HERALD_HOST",
                                host,
                                "HERALD_PORT",
                                Integer.toString(ServerJar.freePort()),
                                "HERALD_METRICS_PORT",
                                "-1"));
        assertThat(run.exitCode).as(run.output).isEqualTo(2);
        assertThat(run.output)
                .contains("HERALD_APP_SECRET")
                .contains("--app-secret")
                .contains(host);
    }

    @Test
    void listensBeyondLoopbackWithASecretOfItsOwn() {
        String secret = UUID.randomUUID().toString();
        try (HeraldProcess herald =
                HeraldProcess.start(
                        "safe-defaults-exposed",
                        Map.of(
                                "HERALD_HOST",
                                "0.0.0.0",
                                "HERALD_APP_SECRET",
                                secret,
                                "HERALD_METRICS_HOST",
                                "127.0.0.1"))) {
            assertThat(Ops.status(herald.ops("/health"))).isEqualTo(200);
            assertThat(log(herald))
                    .contains("Herald listening on 0.0.0.0:")
                    .contains("Metrics, health and readiness on 127.0.0.1:")
                    .doesNotContain(secret);
        }
    }

    @Test
    void plainJavaJarOnG1ReturnsIdleMemory() throws Exception {
        Path out = Files.createTempFile("herald-plain-java", ".log");
        ProcessBuilder builder =
                new ProcessBuilder(
                                ServerJar.javaBinary(),
                                "-XX:+UseG1GC",
                                "-jar",
                                ServerJar.snapshot().toString())
                        .redirectErrorStream(true)
                        .redirectOutput(out.toFile());
        builder.environment().keySet().removeIf(key -> key.startsWith("HERALD_"));
        builder.environment().put("HERALD_PORT", Integer.toString(ServerJar.freePort()));
        builder.environment().put("HERALD_METRICS_PORT", "-1");
        Process process = builder.start();
        try {
            await("the server starts")
                    .atMost(EXIT_WAIT)
                    .until(() -> Files.readString(out).contains("Herald listening on"));
            assertThat(Files.readString(out))
                    .contains("idle memory is returned after 2000 ms of quiet");
            Path jcmd = Path.of(ServerJar.javaBinary()).resolveSibling("jcmd");
            Process flags =
                    new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()), "VM.flags")
                            .redirectErrorStream(true)
                            .start();
            String text = new String(flags.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(flags.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(text)
                    .contains("-XX:G1PeriodicGCInterval=2000")
                    .contains("-XX:MaxHeapFreeRatio=30")
                    .contains("-XX:MinHeapFreeRatio=10");
        } finally {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
            Files.deleteIfExists(out);
        }
    }

    @Test
    void listensOnLoopbackWhenNoAddressIsGivenAndTheOpsPortFollows() throws Exception {
        int port = ServerJar.freePort();
        int metricsPort = ServerJar.freePort();
        Path out = Files.createTempFile("herald-default-host", ".log");
        ProcessBuilder builder =
                new ProcessBuilder(ServerJar.javaBinary(), "-jar", ServerJar.snapshot().toString())
                        .redirectErrorStream(true)
                        .redirectOutput(out.toFile());
        builder.environment().keySet().removeIf(key -> key.startsWith("HERALD_"));
        builder.environment().put("HERALD_PORT", Integer.toString(port));
        builder.environment().put("HERALD_METRICS_PORT", Integer.toString(metricsPort));
        Process process = builder.start();
        try {
            await("the server reports where it listens")
                    .atMost(EXIT_WAIT)
                    .until(() -> Files.readString(out).contains("Herald listening on"));
            assertThat(Files.readString(out))
                    .contains("Herald listening on 127.0.0.1:" + port)
                    .contains("Metrics, health and readiness on 127.0.0.1:" + metricsPort);
        } finally {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
            Files.deleteIfExists(out);
        }
    }

    @Test
    void helpNeverPrintsSecrets() {
        Map<String, String> secrets =
                Map.of(
                        "HERALD_APP_SECRET", "s3cr3t-value",
                        "HERALD_APPS_JDBC_URL",
                                "jdbc:postgresql://db:5432/herald?user=herald&password=jdbc-pw-value",
                        "HERALD_REDIS_URL", "redis://:redis-pw-value@cache:6379",
                        "HERALD_APP_WEBHOOK_URL",
                                "https://hooks:webhook-pw-value@example.com/pusher");
        for (List<String> args :
                List.of(
                        List.of("--help"),
                        List.of("apps", "--help"),
                        List.of("apps", "list", "--help"))) {
            Run run = run(args, secrets);
            assertThat(run.exitCode).as(run.output).isZero();
            assertThat(run.output)
                    .as("herald " + args)
                    .contains("Usage: herald")
                    .doesNotContain(
                            "s3cr3t-value", "jdbc-pw-value", "redis-pw-value", "webhook-pw-value");
        }
    }

    @Test
    void binHeraldAddsExitOnOutOfMemoryErrorToTheUsersJavaOpts() throws Exception {
        Path script =
                Paths.get(System.getProperty("basedir", "."), "bin", "herald").toAbsolutePath();
        int port = ServerJar.freePort();
        ProcessBuilder builder =
                new ProcessBuilder(script.toString())
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().keySet().removeIf(key -> key.startsWith("HERALD_"));
        builder.environment()
                .putAll(
                        Map.of(
                                "JAVA_OPTS",
                                "-Xmx96m -XX:+UseSerialGC",
                                "HERALD_JAR",
                                ServerJar.snapshot().toString(),
                                "HERALD_HOST",
                                "127.0.0.1",
                                "HERALD_PORT",
                                Integer.toString(port),
                                "HERALD_METRICS_PORT",
                                "-1"));
        Process process = builder.start();
        try {
            // bin/herald execs java, so the script's pid becomes the JVM's
            Path cmdline = Paths.get("/proc", Long.toString(process.pid()), "cmdline");
            await("bin/herald has become java")
                    .atMost(EXIT_WAIT)
                    .until(() -> Files.readString(cmdline).contains("-jar"));
            List<String> args =
                    List.of(Files.readString(cmdline, StandardCharsets.UTF_8).split("\0"));
            assertThat(args).contains("-XX:+ExitOnOutOfMemoryError", "-Xmx96m", "-XX:+UseSerialGC");
        } finally {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static String log(HeraldProcess herald) {
        try {
            return Files.readString(herald.log());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aBadValueFromTheEnvironmentIsOneLineNamingTheVariable() {
        Run run = run(List.of(), Map.of("HERALD_PORT", "abc"));

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.output().strip())
                .isEqualTo(
                        "Invalid value for HERALD_PORT (the variable of --port): "
                                + "'abc' is not an int. See herald --help.");
    }

    @Test
    void versionNamesTheBuildAndTheJava() {
        Run run = run(List.of("--version"), Map.of());

        assertThat(run.exitCode()).isZero();
        assertThat(run.output())
                .startsWith("Herald " + System.getProperty("herald.version") + "\n")
                .contains("Java ");
    }

    /**
     * The jar run to completion with only the given HERALD_* variables: its exit code and output.
     */
    private static Run run(List<String> args, Map<String, String> env) {
        List<String> command =
                new ArrayList<>(
                        List.of(ServerJar.javaBinary(), "-jar", ServerJar.snapshot().toString()));
        command.addAll(args);
        try {
            // to a file, so that a server that wrongly starts is killed after the wait instead of
            // blocking a read
            Path out = Files.createTempFile("herald-safe-defaults", ".log");
            ProcessBuilder builder =
                    new ProcessBuilder(command)
                            .redirectErrorStream(true)
                            .redirectOutput(out.toFile());
            builder.environment().keySet().removeIf(key -> key.startsWith("HERALD_"));
            builder.environment().putAll(env);
            Process process = builder.start();
            boolean exited = process.waitFor(EXIT_WAIT.toSeconds(), TimeUnit.SECONDS);
            if (!exited) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            String output = Files.readString(out);
            Files.deleteIfExists(out);
            if (!exited) {
                throw new AssertionError(
                        "still running after " + EXIT_WAIT + ": " + command + "\n" + output);
            }
            return new Run(process.exitValue(), output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private record Run(int exitCode, String output) {}
}
