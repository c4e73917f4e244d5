package dev.herald.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.apps.App;
import dev.herald.apps.HistoryRule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppsFileTest {

    @TempDir Path dir;

    private Path yaml(String text) throws IOException {
        return Files.writeString(dir.resolve("apps.yaml"), text);
    }

    @Test
    void readsAnAppWithADashedId() throws IOException {
        Path file = yaml("apps:\n  - id: ci-dashboard\n    key: ci-key\n    secret: ci-secret\n");

        assertThat(AppsFile.read(file)).extracting(App::id).containsExactly("ci-dashboard");
    }

    @Test
    void refusesAnIdOutsideTheRuleAndSaysWhichApp() throws IOException {
        Path file =
                yaml(
                        "apps:\n  - id: ok\n    key: k1\n    secret: s1\n"
                                + "  - id: 'team|blue'\n    key: k2\n    secret: s2\n");

        assertThatThrownBy(() -> AppsFile.read(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("apps[1]")
                .hasMessageContaining("app id 'team|blue' contains '|'")
                .hasMessageContaining("A-Z a-z 0-9 . _ -");
    }

    private Path history(String rules) throws IOException {
        return yaml("apps:\n  - id: builds\n    key: k\n    secret: s\n    history:\n" + rules);
    }

    private String refusal(String rules) throws IOException {
        Path file = history(rules);
        try {
            AppsFile.read(file);
        } catch (ConfigException e) {
            return e.getMessage();
        }
        throw new AssertionError("accepted: " + rules);
    }

    @Test
    void readsHistoryRulesInOrderWithDefaultSizeAndAge() throws IOException {
        Path file =
                history(
                        "      - channels: private-build-\n        size: 200\n        ttl_seconds: 600\n"
                                + "      - channels: presence-\n"
                                + "      - channels: private-\n        size: 10000\n        ttl_seconds: 86400\n"
                                + "      - channels: news\n        size: 1\n        ttl_seconds: 1\n");

        App app = AppsFile.read(file).get(0);

        assertThat(app.history())
                .containsExactly(
                        new HistoryRule("private-build-", 200, 600),
                        new HistoryRule("presence-", 100, 300),
                        new HistoryRule("private-", 10_000, 86_400),
                        new HistoryRule("news", 1, 1));
        assertThat(app.historyRule("private-build-7")).isEqualTo(app.history().get(0));
        assertThat(app.historyRule("private-chat")).isEqualTo(app.history().get(2));
        assertThat(app.historyRule("public")).isNull();
    }

    @Test
    void anAppWithoutHistoryKeepsNone() throws IOException {
        Path file = yaml("apps:\n  - id: a\n    key: k\n    secret: s\n    history: []\n");

        assertThat(AppsFile.read(file).get(0).history()).isEmpty();
    }

    @Test
    void refusesEachHistoryBoundPassedNamingTheRuleAndKey() throws IOException {
        assertThat(refusal("      - channels: a\n      - channels: b\n        size: 0\n"))
                .contains("apps[0].history[1].size must be a whole number from 1 to 10000, got 0");
        assertThat(refusal("      - channels: a\n        size: 10001\n"))
                .contains(
                        "apps[0].history[0].size must be a whole number from 1 to 10000, got 10001");
        assertThat(refusal("      - channels: a\n        ttl_seconds: 0\n"))
                .contains(
                        "apps[0].history[0].ttl_seconds must be a whole number from 1 to 86400, got 0");
        assertThat(refusal("      - channels: a\n        ttl_seconds: 86401\n"))
                .contains(
                        "apps[0].history[0].ttl_seconds must be a whole number from 1 to 86400, got 86401");
        assertThat(refusal("      - channels: a\n        size: 2.5\n"))
                .contains(
                        "apps[0].history[0].size must be a whole number from 1 to 10000, got 2.5");
        assertThat(refusal("      - channels: a\n        size: lots\n"))
                .contains("history[0].size must be a whole number from 1 to 10000, got \"lots\"");
        assertThat(refusal("      - channels: a\n        size: 3000000000\n"))
                .contains("history[0].size must be a whole number from 1 to 10000, got 3000000000");
        assertThat(refusal("      - channels: " + "c".repeat(201) + "\n"))
                .contains("apps[0].history[0].channels is 201 characters long; at most 200");
        // the longest prefix is accepted
        assertThat(
                        AppsFile.read(history("      - channels: " + "c".repeat(200) + "\n"))
                                .get(0)
                                .history())
                .singleElement()
                .extracting(HistoryRule::channels)
                .isEqualTo("c".repeat(200));
    }

    @Test
    void refusesMoreThanSixteenRules() throws IOException {
        String sixteen =
                IntStream.range(0, 16)
                        .mapToObj(i -> "      - channels: c" + (char) ('a' + i) + "\n")
                        .collect(Collectors.joining());

        assertThat(AppsFile.read(history(sixteen)).get(0).history()).hasSize(16);
        assertThat(refusal(sixteen + "      - channels: z\n"))
                .contains("apps[0].history has 17 rules; at most 16");
    }

    @Test
    void refusesUnknownKeysOfARuleNamingThem() throws IOException {
        assertThat(refusal("      - channels: a\n        sise: 5\n        ttl: 9\n"))
                .contains(
                        "apps[0].history[0]: unknown keys 'sise', 'ttl'; known keys: channels, size, ttl_seconds");
        assertThat(refusal("      - channels: a\n        prefix: b\n"))
                .contains("apps[0].history[0]: unknown key 'prefix'; known keys");
    }

    @Test
    void refusesAMalformedRuleSayingWhatIsWrong() throws IOException {
        assertThat(refusal("      - size: 5\n"))
                .contains(
                        "apps[0].history[0].channels is required and must be a string: a channel name prefix");
        assertThat(refusal("      - channels: [a, b]\n"))
                .contains("apps[0].history[0].channels is required and must be a string");
        assertThat(refusal("      - private-\n"))
                .contains("apps[0].history[0] must be a mapping {channels, size, ttl_seconds}");
        assertThat(refusal("      channels: private-\n"))
                .contains("apps[0].history must be a list of {channels, size, ttl_seconds}");
        assertThat(refusal("      - channels: 'private-build-*'\n"))
                .contains(
                        "apps[0].history[0].channels contains '*', which no channel name has",
                        "without wildcards");
    }

    @Test
    void refusesARuleThatAnEarlierPrefixAlwaysTakesFirst() throws IOException {
        assertThat(refusal("      - channels: private-\n      - channels: private-build-\n"))
                .contains(
                        "apps[0].history[1] (channels 'private-build-') never applies: "
                                + "history[0] (channels 'private-') matches its channels first",
                        "put the longer prefix first");
        assertThat(refusal("      - channels: news\n      - channels: news\n"))
                .contains("history[1] (channels 'news') never applies");
        assertThat(
                        AppsFile.read(
                                        history(
                                                "      - channels: private-build-\n"
                                                        + "      - channels: private-\n"))
                                .get(0)
                                .history())
                .hasSize(2);
    }
}
