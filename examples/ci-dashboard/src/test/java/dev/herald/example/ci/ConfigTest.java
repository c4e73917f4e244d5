package dev.herald.example.ci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigTest {
    @Test
    void defaultsMatchHeraldDefaults() {
        Config c = Config.defaults();
        assertThat(c.heraldHost()).isEqualTo("127.0.0.1");
        assertThat(c.heraldPort()).isEqualTo(6001);
        assertThat(c.heraldWsHost()).isEqualTo("127.0.0.1");
        assertThat(c.heraldWsPort()).isEqualTo(6001);
        assertThat(c.appId()).isEqualTo("app-id");
        assertThat(c.appKey()).isEqualTo("app-key");
        assertThat(c.appSecret()).isEqualTo("app-secret");
        assertThat(c.port()).isEqualTo(8080);
        assertThat(c.jdbcUrl()).startsWith("jdbc:h2:mem:");
        assertThat(c.demo()).isTrue();
    }

    @Test
    void environmentThenFlags() {
        Map<String, String> env =
                Map.of(
                        "HERALD_PORT",
                        "7001",
                        "HERALD_APP_KEY",
                        "k1",
                        "CI_DASHBOARD_PORT",
                        "9000",
                        "HERALD_HOST",
                        "0.0.0.0",
                        "CI_DASHBOARD_JDBC_URL",
                        "jdbc:postgresql://db/ci");
        Config c =
                Config.parse(
                        new String[] {
                            "--port",
                            "9100",
                            "--app-secret=s3",
                            "--no-demo",
                            "--herald-ws-host",
                            "ci.example.com"
                        },
                        env);
        assertThat(c.heraldPort()).isEqualTo(7001);
        assertThat(c.heraldWsPort()).isEqualTo(7001);
        assertThat(c.heraldHost())
                .as("a bind-all address is reached on loopback")
                .isEqualTo("127.0.0.1");
        assertThat(c.heraldWsHost()).isEqualTo("ci.example.com");
        assertThat(c.appKey()).isEqualTo("k1");
        assertThat(c.appSecret()).isEqualTo("s3");
        assertThat(c.port()).isEqualTo(9100);
        assertThat(c.jdbcUrl()).isEqualTo("jdbc:postgresql://db/ci");
        assertThat(c.demo()).isFalse();
        assertThat(Config.parse(new String[] {"--demo", "false"}, Map.of()).demo()).isFalse();
        assertThat(
                        Config.parse(new String[] {"--demo"}, Map.of("CI_DASHBOARD_DEMO", "false"))
                                .demo())
                .isTrue();
    }

    @Test
    void rejectsUnknownFlagsAndBadNumbers() {
        assertThatThrownBy(() -> Config.parse(new String[] {"--nope", "1"}, Map.of()))
                .hasMessageContaining("unknown flag");
        assertThatThrownBy(() -> Config.parse(new String[] {"--port", "x"}, Map.of()))
                .hasMessageContaining("needs a number");
        assertThat(Config.help())
                .contains("--herald-port", "HERALD_APP_SECRET", "CI_DASHBOARD_JDBC_URL");
    }
}
