package dev.herald.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.apps.App;
import dev.herald.apps.AppFeatures;
import dev.herald.broker.BrokerListener;
import dev.herald.broker.LocalBroker;
import dev.herald.broker.NodeCommand;
import dev.herald.cluster.LocalChannels;
import dev.herald.cluster.LocalClusterView;
import dev.herald.protocol.EncodedEvent;
import dev.herald.protocol.Member;
import io.netty.channel.DefaultEventLoop;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link SubscriptionCounter} with the local broker and cluster view on a real event loop: changes
 * are coalesced into one send, and what it remembers per channel goes with the channel.
 */
class SubscriptionCounterTest {

    private static final App APP =
            App.of("1", "key-1", "secret-1")
                    .withFeatures(
                            new AppFeatures(
                                    false, false, false, true, false, Duration.ofSeconds(30)));

    private final DefaultEventLoop loop = new DefaultEventLoop();
    private final Counts here = new Counts();
    private final List<String> sent = new CopyOnWriteArrayList<>();
    private final SubscriptionCounter counter;

    SubscriptionCounterTest() {
        LocalBroker broker = new LocalBroker();
        broker.start(new Recorder());
        counter = new SubscriptionCounter(broker, loop, new LocalClusterView(here), here);
    }

    @AfterEach
    void close() {
        loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }

    @Test
    void aBurstOfChangesIsOneSendWithTheCountAsItIsThen() throws Exception {
        for (int n = 1; n <= 3; n++) {
            here.set("room", n);
            counter.subscriptionCountChanged(APP, "room", n);
        }

        await().atMost(Duration.ofSeconds(5)).until(() -> !sent.isEmpty());
        Thread.sleep(SubscriptionCounter.COALESCE_MILLIS * 2);
        assertThat(sent).containsExactly("room {\"subscription_count\":3}");
        assertThat(counter.remembered()).isEqualTo(1);
    }

    @Test
    void whatItRemembersGoesWithTheChannel() throws Exception {
        here.set("room", 2);
        counter.subscriptionCountChanged(APP, "room", 2);
        await().atMost(Duration.ofSeconds(5)).until(() -> sent.size() == 1);

        here.set("room", 0);
        counter.subscriptionCountChanged(APP, "room", 0);
        assertThat(counter.remembered()).isZero();

        // a change that raced the last leave: it is remembered until its send finds the channel
        // gone
        counter.subscriptionCountChanged(APP, "room", 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> counter.remembered() == 0);
        assertThat(sent).hasSize(1);
    }

    /** This node's counts, as the hub would report them. */
    private static final class Counts implements LocalChannels {
        private final ConcurrentHashMap<String, Integer> counts = new ConcurrentHashMap<>();

        void set(String channel, int count) {
            counts.put(channel, count);
        }

        @Override
        public int subscriptionCount(String appId, String channel) {
            return counts.getOrDefault(channel, 0);
        }

        @Override
        public int userCount(String appId, String channel) {
            return 0;
        }

        @Override
        public List<Member> members(String appId, String channel) {
            return List.of();
        }

        @Override
        public Member member(String appId, String channel, String userId) {
            return null;
        }

        @Override
        public Collection<String> appIds() {
            return List.of("1");
        }

        @Override
        public Collection<String> channelNames(String appId) {
            return counts.keySet();
        }

        @Override
        public int connectionCount(String appId) {
            return 0;
        }
    }

    /** Records each publication as "channel data". */
    private final class Recorder implements BrokerListener {
        @Override
        public void onPublication(
                String appId, String channel, EncodedEvent event, String excludeSocketId) {
            String frame = event.frame().toString(StandardCharsets.UTF_8);
            String data =
                    frame.substring(frame.indexOf("\"data\":\"") + 8, frame.lastIndexOf('"'))
                            .replace("\\\"", "\"");
            sent.add(channel + " " + data);
        }

        @Override
        public boolean hasSubscribers(String appId, String channel) {
            return true;
        }

        @Override
        public void onCommand(NodeCommand command) {}
    }
}
