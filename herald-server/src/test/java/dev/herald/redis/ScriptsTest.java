package dev.herald.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ScriptsTest {

    @Test
    void readsEveryScriptFromItsFile() {
        List<String> scripts =
                List.of(
                        Scripts.OCCUPY,
                        Scripts.VACATE,
                        Scripts.JOIN,
                        Scripts.LEAVE,
                        Scripts.REAP,
                        Scripts.MEMBERS,
                        Scripts.CONFIRM_MARK,
                        Scripts.WATCHING,
                        Scripts.STATS_RECORD,
                        Scripts.STATS_SERIES);

        assertThat(scripts).allSatisfy(script -> assertThat(script).contains("return"));
        assertThat(scripts).doesNotHaveDuplicates();
    }

    /** The layout is RedisKeys' alone: no script spells a key name. */
    @Test
    void noScriptKnowsAKeyName() {
        assertThat(
                        List.of(
                                Scripts.OCCUPY,
                                Scripts.VACATE,
                                Scripts.JOIN,
                                Scripts.LEAVE,
                                Scripts.REAP,
                                Scripts.MEMBERS,
                                Scripts.CONFIRM_MARK,
                                Scripts.WATCHING,
                                Scripts.STATS_RECORD,
                                Scripts.STATS_SERIES,
                                Scripts.HISTORY_RECORD.text(),
                                Scripts.HISTORY_READ.text()))
                .noneSatisfy(
                        script ->
                                assertThat(script)
                                        .containsAnyOf(
                                                "herald:",
                                                "':s:'",
                                                "':m:'",
                                                "':o'",
                                                "':mn'",
                                                "':c'",
                                                "'{'",
                                                "':r:'",
                                                "'watching'",
                                                "'stats:'",
                                                "'act:'"));
    }

    @Test
    void saysWhichScriptIsMissing() {
        assertThatThrownBy(() -> Scripts.load("no-such-script"))
                .hasMessageContaining("no-such-script.lua");
    }
}
