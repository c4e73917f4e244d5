package dev.herald.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.apps.App;
import dev.herald.apps.AppSettings;
import dev.herald.config.ConfigException;
import dev.herald.config.HeraldConfig;
import dev.herald.config.ServerSettings;
import dev.herald.settings.Flag;
import dev.herald.settings.Setting;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Help.Visibility;
import picocli.CommandLine.Model.OptionSpec;

/** The {@code herald} command line is made from the settings schema, and read back through it. */
@DisplayName("issue 14: flags and environment variables come from the settings schema")
class SettingOptionsTest {

    @Test
    void everySettingWithAFlagIsAnOptionDefaultingToItsVariableThenItsDefault() {
        // not interpolated: the default as declared, naming the variable
        CommandLine command = new CommandLine(new Main()).setInterpolateVariables(false);
        List<OptionSpec> options = command.getCommandSpec().options();
        List<Setting<?>> flags =
                ServerSettings.commandLine().stream().filter(s -> s.flag().name() != null).toList();
        assertThat(options.subList(0, flags.size()).stream().map(OptionSpec::longestName))
                .containsExactlyElementsOf(flags.stream().map(s -> s.flag().name()).toList());
        assertThat(options.subList(flags.size(), options.size()))
                .satisfiesExactly(
                        help -> assertThat(help.usageHelp()).isTrue(),
                        version -> assertThat(version.versionHelp()).isTrue());
        for (Setting<?> setting : flags) {
            Flag flag = setting.flag();
            OptionSpec option = command.getCommandSpec().findOption(flag.name());
            String fallback = setting.flagDefault();
            assertThat(option.defaultValue())
                    .isEqualTo(
                            "${env:"
                                    + flag.env()
                                    + (fallback == null ? "" : ":-" + fallback)
                                    + "}");
            boolean trueOrFalse = setting.type().flagType() == boolean.class;
            assertThat(option.description())
                    .containsExactly(
                            trueOrFalse
                                    ? flag.help() + " " + SettingOptions.BOOLEAN_VALUES
                                    : flag.help());
            assertThat(option.arity().toString()).isEqualTo(trueOrFalse ? "0..1" : "1");
            assertThat(flag.help())
                    .as("--help of %s names its variable", flag.name())
                    .contains(flag.env());
            assertThat(option.showDefaultValue())
                    .isEqualTo(flag.secret() ? Visibility.NEVER : Visibility.ON_DEMAND);
        }
    }

    @Test
    void withNoFlagsTheConfigHoldsTheSchemaDefaults() {
        HeraldConfig config = Commands.parsed().config();
        assertThat(config.host()).isEqualTo(ServerSettings.HOST.defaultValue());
        assertThat(config.port()).isEqualTo(ServerSettings.PORT.defaultValue());
        assertThat(config.nodeLeaseSeconds()).isEqualTo(ServerSettings.NODE_LEASE.defaultValue());
        assertThat(config.webhooks().outboxMaxBytes())
                .isEqualTo(ServerSettings.WEBHOOK_OUTBOX_MAX_BYTES.defaultValue());
        assertThat(config.apps())
                .singleElement()
                .isEqualTo(App.of("app-id", "app-key", "app-secret"));
    }

    @Test
    void theDefaultAppsFlagsSetItsSettings() {
        App app =
                Commands.parsed(
                                "--app-max-connections",
                                "7",
                                "--cache-ttl",
                                "0.25",
                                "--app-allowed-origins",
                                "https://a.example, ,https://b.example",
                                "--app-watchlist",
                                "false")
                        .config()
                        .apps()
                        .get(0);
        assertThat(AppSettings.read(AppSettings.MAX_CONNECTIONS, app)).isEqualTo(7);
        assertThat(app.limits().cacheTtl()).isEqualTo(Duration.ofMillis(250));
        assertThat(app.features().allowedOrigins())
                .containsExactly("https://a.example", "https://b.example");
        assertThat(app.features().watchlist()).isFalse();
    }

    @Test
    void aValueOutOfBoundsIsRefusedNamingTheFlagAndItsVariable() {
        assertThatThrownBy(() -> Commands.parsed("--max-event-bytes", "0").config())
                .isInstanceOf(ConfigException.class)
                .hasMessage("--max-event-bytes (HERALD_MAX_EVENT_BYTES) must be > 0, got 0");
        assertThatThrownBy(() -> Commands.parsed("--app-api-requests-per-second", "-1").config())
                .hasMessage(
                        "--app-api-requests-per-second (HERALD_APP_API_REQUESTS_PER_SECOND) must be >= 0 "
                                + "(0 = no limit), got -1");
        assertThatThrownBy(() -> Commands.parsed("--port", "70000").config())
                .hasMessage("--port (HERALD_PORT) must be 0-65535, got 70000");
        assertThatThrownBy(
                        () -> Commands.parsed("--redis-url", "http://user:hunter2@redis").config())
                .hasMessage(
                        "--redis-url (HERALD_REDIS_URL) must start with redis://, rediss:// or redis-sentinel://, got "
                                + "http://user:****@redis");
        assertThatThrownBy(() -> Commands.parsed("--shutdown-grace", "3601").config())
                .hasMessage(
                        "--shutdown-grace (HERALD_SHUTDOWN_GRACE) must be 0-3600 seconds, got 3601");
        assertThatThrownBy(() -> Commands.parsed("--shutdown-grace", "NaN").config())
                .hasMessageStartingWith(
                        "--shutdown-grace (HERALD_SHUTDOWN_GRACE) must be 0-3600 seconds");
        assertThatThrownBy(() -> Commands.parsed("--warm-up-connections", "20001").config())
                .hasMessage(
                        "--warm-up-connections (HERALD_WARM_UP_CONNECTIONS) must be 1-20000, got 20001");
        assertThatThrownBy(() -> Commands.parsed("--warm-up-connections", "0").config())
                .hasMessage(
                        "--warm-up-connections (HERALD_WARM_UP_CONNECTIONS) must be 1-20000, got 0");
        assertThatThrownBy(() -> Commands.parsed("--transport", "carrier-pigeon").config())
                .hasMessage(
                        "--transport (HERALD_TRANSPORT) must be auto, io_uring, epoll or nio, got carrier-pigeon");
        assertThatThrownBy(() -> Commands.parsed("--fanout-send", "sendmmsg").config())
                .hasMessage(
                        "--fanout-send (HERALD_FANOUT_SEND) must be auto, io_uring or send, got sendmmsg");
    }
}
