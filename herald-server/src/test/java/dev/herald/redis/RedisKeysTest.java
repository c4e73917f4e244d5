package dev.herald.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.redis.RedisKeys.AppChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RedisKeysTest {

    private final RedisKeys keys = new RedisKeys(RedisKeys.DEFAULT_NAMESPACE);

    /** The names every node of a cluster must agree on, whatever version it runs. */
    @Test
    void writesTheNamesNodesShare() {
        assertThat(keys.nodes()).isEqualTo("herald:nodes");
        assertThat(keys.subscriptions("42", "app-id")).isEqualTo("herald:n:42:s:app-id");
        assertThat(keys.members("42", "app-id", "presence-room"))
                .isEqualTo("herald:n:42:p:app-id|presence-room");
        assertThat(keys.connections("42")).isEqualTo("herald:n:42:c");
        assertThat(keys.nodeKeys("42")).isEqualTo("herald:n:42:keys");
        assertThat(keys.alive("42")).isEqualTo("herald:n:42:alive");
        assertThat(keys.cache("app-id", "cache-x")).isEqualTo("herald:cache:app-id|cache-x");
        assertThat(keys.removalMark("app-id|presence-room|u1"))
                .isEqualTo("herald:gone:app-id|presence-room|u1");
        assertThat(keys.relayChannel("app-id", "private-x"))
                .isEqualTo("herald:ch:app-id|private-x");
        assertThat(keys.controlChannel()).isEqualTo("herald:ctl");
        assertThat(keys.watching()).isEqualTo("herald:watching");
        assertThat(RedisKeys.watcher("app-id", "42")).isEqualTo("app-id|42");
        assertThat(keys.activityChannel("app-id")).isEqualTo("herald:act:app-id");
        assertThat(keys.statsNodes("app-id")).isEqualTo("herald:stats:app-id");
        assertThat(keys.statsRings("app-id", "42")).isEqualTo("herald:stats:app-id|42");
        assertThat(keys.historyMeta("app-id", "private-x"))
                .isEqualTo("herald:hmeta:app-id|private-x");
        assertThat(keys.historyStream("app-id", "private-x"))
                .isEqualTo("herald:hist:app-id|private-x");
    }

    @Test
    void scriptPiecesJoinIntoTheSameConsoleKeys() {
        assertThat(keys.statsRingsPrefix("a") + "42").isEqualTo(keys.statsRings("a", "42"));
        assertThat("a" + RedisKeys.watcherSuffix("42")).isEqualTo(RedisKeys.watcher("a", "42"));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = ' ',
            value = {"app-id 42", "A.b_c-9 1", "a node|with|bars"})
    void readsBackEveryWatcherAndActivityChannel(String appId, String node) {
        assertThat(RedisKeys.readWatcher(RedisKeys.watcher(appId, node)))
                .isEqualTo(new RedisKeys.Watcher(appId, node));
        assertThat(keys.readActivityChannel(keys.activityChannel(appId))).isEqualTo(appId);
    }

    @Test
    void readsNoWatcherOrActivityChannelItDidNotWrite() {
        assertThat(RedisKeys.readWatcher("no-separator")).isNull();
        assertThat(RedisKeys.readWatcher("app|")).isNull();
        assertThat(RedisKeys.readWatcher("not:an:app|42")).isNull();
        assertThat(keys.readActivityChannel("herald:ch:app-id|x")).isNull();
        assertThat(keys.readActivityChannel("herald:act:not|an:app")).isNull();
        assertThat(keys.readActivityChannel("herald:act:")).isNull();
        assertThat(new RedisKeys("test-1").readActivityChannel(keys.activityChannel("a"))).isNull();
    }

    @Test
    void scriptPiecesJoinIntoTheSameKeys() {
        assertThat(keys.nodePrefix() + "42" + RedisKeys.subscriptionsSuffix("a"))
                .isEqualTo(keys.subscriptions("42", "a"));
        assertThat(keys.nodePrefix() + "42" + RedisKeys.membersStem("a") + "presence-x")
                .isEqualTo(keys.members("42", "a", "presence-x"));
        assertThat(keys.nodePrefix() + "42" + RedisKeys.connectionsSuffix())
                .isEqualTo(keys.connections("42"));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = ' ',
            value = {
                "app-id private-chat",
                "ci-dashboard presence-build.42",
                "A.b_c-9 _-=@,.;",
                "1001 #server-to-user-alice@example.com",
                "a a|b|c",
                "a :colon:in:channel"
            })
    void readsBackEveryAppAndChannel(String appId, String channel) {
        assertThat(keys.readRelayChannel(keys.relayChannel(appId, channel)))
                .isEqualTo(new AppChannel(appId, channel));
        assertThat(keys.readMembersKey("42", keys.members("42", appId, channel)))
                .isEqualTo(new AppChannel(appId, channel));
        assertThat(keys.readSubscriptionsKey("42", keys.subscriptions("42", appId)))
                .isEqualTo(appId);
    }

    @Test
    void readsNothingFromNamesItDidNotWrite() {
        assertThat(keys.readRelayChannel("herald:ctl")).isNull();
        assertThat(keys.readRelayChannel("other:ch:app|channel")).isNull();
        assertThat(keys.readRelayChannel("herald:ch:no-separator")).isNull();
        assertThat(keys.readRelayChannel("herald:ch:not:an:app|channel")).isNull();
        assertThat(keys.readMembersKey("42", keys.subscriptions("42", "app"))).isNull();
        assertThat(keys.readSubscriptionsKey("42", keys.members("42", "app", "presence-x")))
                .isNull();
    }

    @Test
    void tellsNodesApartWhoseIdsShareAPrefix() {
        assertThat(keys.readSubscriptionsKey("4", keys.subscriptions("42", "app"))).isNull();
        assertThat(keys.readMembersKey("4", keys.members("42", "app", "presence-x"))).isNull();
    }

    @Test
    void keepsANamespaceApart() {
        RedisKeys other = new RedisKeys("test-1");

        assertThat(other.relayChannel("a", "b")).isEqualTo("test-1:ch:a|b");
        assertThat(other.nodes()).isEqualTo("test-1:nodes");
        assertThat(keys.readRelayChannel(other.relayChannel("a", "b"))).isNull();
        assertThatThrownBy(() -> new RedisKeys("a:b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RedisKeys("")).isInstanceOf(IllegalArgumentException.class);
    }
}
