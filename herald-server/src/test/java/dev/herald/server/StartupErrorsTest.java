package dev.herald.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.config.ConfigException;
import dev.herald.config.HeraldConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A command line or configuration the server cannot use is refused in one line that names the
 * setting (its flag and {@code HERALD_*} variable) and what is wrong, with exit status 2. The
 * variable case needs a process of its own ({@code StartupErrorsIT}).
 */
class StartupErrorsTest {

    @TempDir Path dir;

    private record Outcome(int exit, String err) {}

    private static Outcome execute(String... args) {
        StringWriter err = new StringWriter();
        CommandLine command = Main.commandLine();
        command.setErr(new PrintWriter(err));
        command.setOut(new PrintWriter(new StringWriter()));
        int exit = command.execute(args);
        return new Outcome(exit, err.toString());
    }

    @Test
    void aMistypedOptionIsOneLineNamingTheNearestOne() {
        Outcome outcome = execute("--prot", "6001");

        assertThat(outcome.exit()).isEqualTo(2);
        assertThat(outcome.err())
                .isEqualTo(
                        "Unknown option '--prot'; did you mean --port? See herald --help."
                                + System.lineSeparator());
        assertThat(execute("--metrics-prot=9").err()).contains("did you mean --metrics-port?");
        assertThat(execute("--no-such-thing-at-all").err())
                .isEqualTo(
                        "Unknown option '--no-such-thing-at-all'. See herald --help."
                                + System.lineSeparator());
    }

    @Test
    void aBadFlagValueIsOneLineNamingTheFlag() {
        Outcome outcome = execute("--port", "abc");

        assertThat(outcome.exit()).isEqualTo(2);
        assertThat(outcome.err())
                .isEqualTo(
                        "Invalid value for option '--port': 'abc' is not an int. See herald --help."
                                + System.lineSeparator());
    }

    @Test
    void aTrueOrFalseFlagSaysItsValuesAndDefaultAndMayStandAlone() {
        assertThat(
                        Commands.parsed("--app-client-events")
                                .config()
                                .apps()
                                .get(0)
                                .features()
                                .clientEvents())
                .isTrue();
        assertThat(
                        Commands.parsed("--app-client-events", "false")
                                .config()
                                .apps()
                                .get(0)
                                .features()
                                .clientEvents())
                .isFalse();
        assertThat(
                        Commands.parsed("--app-client-events=false")
                                .config()
                                .apps()
                                .get(0)
                                .features()
                                .clientEvents())
                .isFalse();
        assertThat(Commands.parsed("--app-watchlist").config().apps().get(0).features().watchlist())
                .isTrue();
        StringWriter help = new StringWriter();
        Main.commandLine().usage(new PrintWriter(help));
        String text = help.toString().replaceAll("\\s+", " ");
        assertThat(text)
                .contains(
                        "Allow client-* events on the default app (HERALD_APP_CLIENT_EVENTS). true or false "
                                + "(default: true); the flag alone means true.");
    }

    @Test
    void aMissingConfigFileSaysSoAndNamesTheSetting() {
        Path missing = dir.resolve("apps.yaml");

        assertThatThrownBy(() -> Commands.parsed("--config", missing.toString()).config())
                .isInstanceOf(ConfigException.class)
                .hasMessage("config file " + missing + " (--config (HERALD_CONFIG)): no such file");
    }

    @Test
    void aDuplicateAppIdNamesTheFileAndBothPlacesAndExitsTwo() throws IOException {
        Path file =
                Files.writeString(
                        dir.resolve("apps.yaml"),
                        "apps:\n"
                                + "  - {id: one, key: k1, secret: s1}\n"
                                + "  - {id: two, key: k2, secret: s2}\n"
                                + "  - {id: one, key: k3, secret: s3}\n");

        assertThatThrownBy(() -> Commands.parsed("--config", file.toString()).config())
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ": apps[2].id 'one' is already used by apps[0]");
        assertThat(execute("--config", file.toString(), "--metrics-port", "-1").exit())
                .isEqualTo(2);
    }

    @Test
    void aDuplicateAppKeyNamesTheFileAndBothPlaces() throws IOException {
        Path file =
                Files.writeString(
                        dir.resolve("apps.yaml"),
                        "apps:\n"
                                + "  - {id: one, key: k1, secret: s1}\n"
                                + "  - {id: two, key: k1, secret: s2}\n");

        assertThatThrownBy(() -> Commands.parsed("--config", file.toString()).config())
                .hasMessage(file + ": apps[1].key 'k1' is already used by apps[0]");
    }

    @Test
    void theDefaultAppMayNotRepeatAnAppOfTheFile() throws IOException {
        Path file =
                Files.writeString(
                        dir.resolve("apps.yaml"), "apps:\n  - {id: one, key: k1, secret: s1}\n");

        assertThatThrownBy(
                        () ->
                                Commands.parsed("--config", file.toString(), "--app-id", "one")
                                        .config())
                .hasMessage(
                        "the app of --app-id (HERALD_APP_ID) 'one' is also in "
                                + file
                                + ": give it in one place");
        assertThatThrownBy(
                        () ->
                                Commands.parsed("--config", file.toString(), "--app-key", "k1")
                                        .config())
                .hasMessage(
                        "the app of --app-key (HERALD_APP_KEY) 'k1' is also in "
                                + file
                                + ": give it in one place");
    }

    @Test
    void tlsNamesTheMissingOrUnreadableFile() throws IOException {
        Path cert = Files.writeString(dir.resolve("cert.pem"), "-----BEGIN CERTIFICATE-----\n");
        Path absent = dir.resolve("key.pem");

        assertThatThrownBy(() -> Commands.parsed("--tls-cert", cert.toString()).config())
                .isInstanceOf(ConfigException.class)
                .hasMessage(
                        "--tls-key (HERALD_TLS_KEY) is not set: TLS needs it together with --tls-cert "
                                + "(HERALD_TLS_CERT)");
        assertThatThrownBy(() -> Commands.parsed("--tls-key", cert.toString()).config())
                .hasMessage(
                        "--tls-cert (HERALD_TLS_CERT) is not set: TLS needs it together with --tls-key "
                                + "(HERALD_TLS_KEY)");
        assertThatThrownBy(
                        () ->
                                Commands.parsed(
                                                "--tls-cert",
                                                cert.toString(),
                                                "--tls-key",
                                                absent.toString())
                                        .config())
                .hasMessage(
                        "--tls-key (HERALD_TLS_KEY): cannot read " + absent + " (no such file)");
    }

    @Test
    void aBusyPortNamesTheAddressThePortAndTheSetting() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            HeraldServer server =
                    new HeraldServer(
                            Commands.parsed(
                                            "--port",
                                            Integer.toString(port),
                                            "--metrics-port",
                                            "-1")
                                    .config());
            try {
                assertThatThrownBy(server::start)
                        .hasMessage(
                                "cannot listen on 127.0.0.1:"
                                        + port
                                        + " (--port (HERALD_PORT)): the port is in use by another process");
            } finally {
                server.close();
            }
            HeraldServer metrics =
                    new HeraldServer(
                            Commands.parsed("--port", "0", "--metrics-port", Integer.toString(port))
                                    .config());
            try {
                assertThatThrownBy(metrics::start)
                        .hasMessage(
                                "cannot listen on 127.0.0.1:"
                                        + port
                                        + " (--metrics-port (HERALD_METRICS_PORT)): the port is in use by another process");
            } finally {
                metrics.close();
            }
        }
    }

    @Test
    void aPathPrefixMustBeAPath() {
        assertThat(Commands.parsed("--path-prefix", "/ws/v1").config().pathPrefix())
                .isEqualTo("/ws/v1");
        assertThat(Commands.parsed().config().pathPrefix()).isEmpty();
        for (String bad :
                List.of("ws", "/ws/", "/a//b", "/a/../b", "/.", "/a b", "/" + "x".repeat(100))) {
            assertThatThrownBy(() -> Commands.parsed("--path-prefix", bad).config())
                    .as(bad)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("--path-prefix (HERALD_PATH_PREFIX): must be");
        }
    }

    @Test
    void anUnresolvableHostNamesTheSetting() {
        // as Main checks it, before anything listens
        HeraldConfig config = Commands.parsed("--host", "not.a.host.invalid").config();

        assertThatThrownBy(() -> config.refuseDefaultSecretWhenExposed(config.apps()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--host (HERALD_HOST): cannot resolve not.a.host.invalid");
    }
}
