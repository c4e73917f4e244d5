package dev.herald.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a {@link Broker} that spans nodes does on top of {@link BrokerContract}: every call of
 * {@link #node} is another node of the same cluster. Extended by {@code RedisBrokerTest}.
 */
public abstract class ClusteredBrokerContract extends BrokerContract {

    @Test
    void deliversToAnotherNodeOnceItsSubscriptionCompletes() throws Exception {
        RecordingListener a = new RecordingListener();
        RecordingListener b = new RecordingListener();
        Broker publisher = node(a);
        Broker subscriber = node(b);
        subscribe(subscriber, b, "app-id", "private-chat");

        publish(publisher, "app-id", "private-chat", "hello", "123.456");

        await().atMost(WITHIN).until(() -> b.publications.size() == 1);
        RecordingListener.Received received = b.publications.get(0);
        assertThat(received.appId()).isEqualTo("app-id");
        assertThat(received.channel()).isEqualTo("private-chat");
        assertThat(received.text()).isEqualTo("hello");
        assertThat(received.excludeSocketId()).isEqualTo("123.456");
        await().during(Duration.ofMillis(200))
                .atMost(WITHIN)
                .until(() -> a.publications.size() == 1 && b.publications.size() == 1);
    }

    @Test
    void relaysTheFrameBytesUntouched() throws Exception {
        RecordingListener b = new RecordingListener();
        Broker publisher = node(new RecordingListener());
        Broker subscriber = node(b);
        subscribe(subscriber, b, "app-id", "news");
        StringBuilder everyByte = new StringBuilder();
        for (char c = 0; c < 256; c++) {
            everyByte.append(c);
        }

        publish(publisher, "app-id", "news", everyByte.toString(), null);

        await().atMost(WITHIN).until(() -> b.publications.size() == 1);
        assertThat(b.publications.get(0).text()).isEqualTo(everyByte.toString());
        assertThat(b.publications.get(0).excludeSocketId()).isNull();
    }

    @Test
    void keepsOneNodesPublicationsInOrderOnAnother() throws Exception {
        RecordingListener b = new RecordingListener();
        Broker publisher = node(new RecordingListener());
        Broker subscriber = node(b);
        subscribe(subscriber, b, "app-id", "news");
        List<String> sent = new ArrayList<>();

        for (int i = 0; i < 500; i++) {
            sent.add("event " + i);
            publish(publisher, "app-id", "news", "event " + i, null);
        }

        await().atMost(WITHIN).until(() -> b.publications.size() >= sent.size());
        assertThat(b.texts("app-id", "news")).containsExactlyElementsOf(sent);
    }

    @Test
    void carriesEveryValidAppIdAndChannelName() throws Exception {
        RecordingListener b = new RecordingListener();
        Broker publisher = node(new RecordingListener());
        Broker subscriber = node(b);
        String appId = "Az.09_-";
        String[] channels = {
            "private-encrypted-x",
            "_-=@,.;",
            "#server-to-user-alice@example.com",
            "presence-cache-room"
        };
        for (String channel : channels) {
            subscribe(subscriber, b, appId, channel);
        }

        for (String channel : channels) {
            publish(publisher, appId, channel, channel, null);
        }

        await().atMost(WITHIN).until(() -> b.publications.size() == channels.length);
        for (String channel : channels) {
            assertThat(b.texts(appId, channel)).containsExactly(channel);
        }
    }

    @Test
    void stopsDeliveringToANodeThatUnsubscribed() throws Exception {
        RecordingListener b = new RecordingListener();
        Broker publisher = node(new RecordingListener());
        Broker subscriber = node(b);
        subscribe(subscriber, b, "app-id", "news");
        subscribe(subscriber, b, "app-id", "marker");
        b.wants("app-id", "news", false);
        subscriber.unsubscribe("app-id", "news");
        // the unsubscribe is under way once a later subscription completes on the same node
        subscribe(subscriber, b, "app-id", "later");

        publish(publisher, "app-id", "news", "unwanted", null);
        publish(publisher, "app-id", "marker", "marker", null);

        await().atMost(WITHIN).until(() -> b.texts("app-id", "marker").size() == 1);
        assertThat(b.texts("app-id", "news")).isEmpty();
    }

    @Test
    void runsACommandOnEveryNodeOnce() throws Exception {
        RecordingListener a = new RecordingListener();
        RecordingListener b = new RecordingListener();
        Broker sender = node(a);
        node(b);
        NodeCommand command = NodeCommand.terminateUser("app-id", "user\nwith a newline");

        sender.broadcast(command);

        await().atMost(WITHIN).until(() -> b.commands.size() == 1);
        await().during(Duration.ofMillis(200))
                .atMost(WITHIN)
                .until(() -> a.commands.size() == 1 && b.commands.size() == 1);
        assertThat(b.commands).containsExactly(command);
        assertThat(a.commands).containsExactly(command);
    }
}
