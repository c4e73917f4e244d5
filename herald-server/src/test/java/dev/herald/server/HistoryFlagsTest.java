package dev.herald.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.herald.apps.App;
import dev.herald.apps.HistoryRule;
import dev.herald.config.ConfigException;
import dev.herald.config.HeraldConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The history flags: the default app's rules from {@code --app-history-channels} with the size and
 * age of their own flags, and the node's bound on its in-memory history. Each flag's variable is
 * its default ({@code SettingOptionsTest}), so the flags stand for the variables here.
 */
class HistoryFlagsTest {

    @TempDir Path dir;

    private static App defaultApp(String... args) {
        return Commands.parsed(args).config().apps().get(0);
    }

    private static String refusal(String... args) {
        try {
            Commands.parsed(args).config();
        } catch (ConfigException e) {
            return e.getMessage();
        }
        throw new AssertionError("accepted: " + String.join(" ", args));
    }

    @Test
    void withoutTheFlagsTheDefaultAppKeepsNoHistoryAndTheNodeBoundIs64MiB() {
        HeraldConfig config = Commands.parsed().config();

        assertThat(config.apps().get(0).history()).isEmpty();
        assertThat(config.historyMaxBytes()).isEqualTo(64L * 1024 * 1024);
    }

    @Test
    void eachPrefixIsARuleOfTheDefaultSizeAndAge() {
        App app = defaultApp("--app-history-channels", "private-build-, presence-,,");

        assertThat(app.history())
                .containsExactly(
                        new HistoryRule("private-build-", 100, 300),
                        new HistoryRule("presence-", 100, 300));
    }

    @Test
    void sizeAndAgeApplyToEveryRuleOfTheDefaultApp() {
        App app =
                defaultApp(
                        "--app-history-channels",
                        "private-build-,presence-",
                        "--app-history-size",
                        "10000",
                        "--app-history-ttl-seconds",
                        "86400");

        assertThat(app.history())
                .containsExactly(
                        new HistoryRule("private-build-", 10_000, 86_400),
                        new HistoryRule("presence-", 10_000, 86_400));
        assertThat(
                        defaultApp(
                                        "--app-history-channels",
                                        "a",
                                        "--app-history-size",
                                        "1",
                                        "--app-history-ttl-seconds",
                                        "1")
                                .history())
                .containsExactly(new HistoryRule("a", 1, 1));
    }

    @Test
    void sizeAndAgeOutOfBoundsAreRefusedNamingTheFlagAndItsVariable() {
        assertThat(refusal("--app-history-channels", "a", "--app-history-size", "0"))
                .isEqualTo("--app-history-size (HERALD_APP_HISTORY_SIZE) must be 1-10000, got 0");
        assertThat(refusal("--app-history-channels", "a", "--app-history-size", "10001"))
                .isEqualTo(
                        "--app-history-size (HERALD_APP_HISTORY_SIZE) must be 1-10000, got 10001");
        assertThat(refusal("--app-history-channels", "a", "--app-history-ttl-seconds", "0"))
                .isEqualTo(
                        "--app-history-ttl-seconds (HERALD_APP_HISTORY_TTL_SECONDS) must be 1-86400 "
                                + "seconds, got 0");
        assertThat(refusal("--app-history-channels", "a", "--app-history-ttl-seconds", "86401"))
                .isEqualTo(
                        "--app-history-ttl-seconds (HERALD_APP_HISTORY_TTL_SECONDS) must be 1-86400 "
                                + "seconds, got 86401");
    }

    @Test
    void sizeOrAgeWithoutChannelsIsRefusedRatherThanIgnored() {
        assertThat(refusal("--app-history-size", "200"))
                .startsWith(
                        "--app-history-size (HERALD_APP_HISTORY_SIZE) applies to the default app's history "
                                + "rules, but --app-history-channels (HERALD_APP_HISTORY_CHANNELS) names no "
                                + "channels");
        assertThat(refusal("--app-history-ttl-seconds", "60", "--app-history-channels", " , "))
                .startsWith(
                        "--app-history-ttl-seconds (HERALD_APP_HISTORY_TTL_SECONDS) applies to the default "
                                + "app's history rules");
    }

    @Test
    void badPrefixesAreRefusedNamingTheFlag() {
        String seventeen =
                IntStream.range(0, 17)
                        .mapToObj(i -> "c" + (char) ('a' + i))
                        .collect(Collectors.joining(","));
        String sixteen = seventeen.substring(0, seventeen.lastIndexOf(','));

        assertThat(defaultApp("--app-history-channels", sixteen).history()).hasSize(16);
        assertThat(refusal("--app-history-channels", seventeen))
                .isEqualTo(
                        "--app-history-channels (HERALD_APP_HISTORY_CHANNELS) has 17 prefixes; at most 16");
        assertThat(refusal("--app-history-channels", "x".repeat(201)))
                .isEqualTo(
                        "--app-history-channels (HERALD_APP_HISTORY_CHANNELS): prefix '"
                                + "x".repeat(201)
                                + "' is 201 characters long; at most 200");
        assertThat(refusal("--app-history-channels", "private-*"))
                .startsWith(
                        "--app-history-channels (HERALD_APP_HISTORY_CHANNELS): prefix 'private-*' "
                                + "contains '*', which no channel name has");
        assertThat(refusal("--app-history-channels", "private-,private-build-"))
                .isEqualTo(
                        "--app-history-channels (HERALD_APP_HISTORY_CHANNELS): prefix 'private-build-' "
                                + "never applies: prefix 'private-' matches its channels first (the first "
                                + "rule that matches decides); put the longer prefix first");
    }

    @Test
    void theNodeBoundIsAtLeastOneMebibyte() {
        assertThat(Commands.parsed("--history-max-bytes", "1048576").config().historyMaxBytes())
                .isEqualTo(1_048_576L);
        assertThat(Commands.parsed("--history-max-bytes", "8589934592").config().historyMaxBytes())
                .isEqualTo(8L << 30);
        assertThat(refusal("--history-max-bytes", "1048575"))
                .isEqualTo(
                        "--history-max-bytes (HERALD_HISTORY_MAX_BYTES) must be at least 1048576, "
                                + "got 1048575");
    }

    @Test
    void appsOfTheAppsFileKeepTheirOwnRules() throws IOException {
        Path file =
                Files.writeString(
                        dir.resolve("apps.yaml"),
                        "apps:\n  - id: a\n    key: k\n    secret: s\n    history:\n"
                                + "      - channels: news\n        size: 7\n");

        HeraldConfig config =
                Commands.parsed(
                                "--config",
                                file.toString(),
                                "--app-id",
                                "default",
                                "--app-history-channels",
                                "private-",
                                "--app-history-size",
                                "9")
                        .config();

        assertThat(config.apps())
                .extracting(App::id, App::history)
                .containsExactly(
                        tuple("a", List.of(new HistoryRule("news", 7, 300))),
                        tuple("default", List.of(new HistoryRule("private-", 9, 300))));
    }
}
