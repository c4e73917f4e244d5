package dev.herald.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.herald.protocol.EncodedEvent;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Broker} does, on one node. Extended by each engine's test ({@code
 * LocalBrokerTest}); engines that span nodes extend {@link ClusteredBrokerContract}.
 */
public abstract class BrokerContract {

    /** Long enough for a round trip to a busy Redis; a correct engine takes milliseconds. */
    protected static final Duration WITHIN = Duration.ofSeconds(5);

    /**
     * A started broker for one node, delivering to {@code listener}; the subclass closes it after
     * the test.
     */
    protected abstract Broker node(BrokerListener listener) throws Exception;

    /** An event whose frame is these bytes (ISO-8859-1, so any byte value can be written). */
    protected static EncodedEvent event(String frame) {
        return new EncodedEvent(Unpooled.copiedBuffer(frame, StandardCharsets.ISO_8859_1));
    }

    /** Publishes as the hub does: the caller keeps its reference and releases it afterwards. */
    protected static void publish(
            Broker broker, String appId, String channel, String frame, String exclude) {
        EncodedEvent event = event(frame);
        try {
            broker.publish(appId, channel, event, exclude);
        } finally {
            event.release();
        }
    }

    /** Subscribes as the hub does: the listener has subscribers first, then the broker is told. */
    protected static void subscribe(
            Broker broker, RecordingListener listener, String appId, String channel)
            throws Exception {
        listener.wants(appId, channel, true);
        broker.subscribe(appId, channel)
                .toCompletableFuture()
                .get(WITHIN.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Test
    void deliversAPublicationToThisNodeOnce() throws Exception {
        RecordingListener listener = new RecordingListener();
        Broker broker = node(listener);
        subscribe(broker, listener, "app-id", "private-chat");

        publish(broker, "app-id", "private-chat", "hello", "123.456");

        await().atMost(WITHIN).until(() -> listener.publications.size() == 1);
        await().during(Duration.ofMillis(200))
                .atMost(WITHIN)
                .until(() -> listener.publications.size() == 1);
        RecordingListener.Received received = listener.publications.get(0);
        assertThat(received.appId()).isEqualTo("app-id");
        assertThat(received.channel()).isEqualTo("private-chat");
        assertThat(received.text()).isEqualTo("hello");
        assertThat(received.excludeSocketId()).isEqualTo("123.456");
    }

    @Test
    void deliversWithoutAnExcludedSocket() throws Exception {
        RecordingListener listener = new RecordingListener();
        Broker broker = node(listener);
        subscribe(broker, listener, "app-id", "news");

        publish(broker, "app-id", "news", "hello", null);

        await().atMost(WITHIN).until(() -> listener.publications.size() == 1);
        assertThat(listener.publications.get(0).excludeSocketId()).isNull();
    }

    @Test
    void keepsAChannelsPublicationsInOrder() throws Exception {
        RecordingListener listener = new RecordingListener();
        Broker broker = node(listener);
        subscribe(broker, listener, "app-id", "news");
        List<String> sent = new ArrayList<>();

        for (int i = 0; i < 200; i++) {
            sent.add("event " + i);
            publish(broker, "app-id", "news", "event " + i, null);
        }

        await().atMost(WITHIN).until(() -> listener.publications.size() >= sent.size());
        assertThat(listener.texts("app-id", "news")).containsExactlyElementsOf(sent);
    }

    @Test
    void neitherKeepsNorReleasesTheCallersEvent() throws Exception {
        RecordingListener listener = new RecordingListener();
        Broker broker = node(listener);
        subscribe(broker, listener, "app-id", "news");
        EncodedEvent event = event("hello");

        broker.publish("app-id", "news", event, null);

        assertThat(event.frame().refCnt()).isEqualTo(1);
        assertThat(event.frame().readerIndex()).isZero();
        event.release();
        await().atMost(WITHIN).until(() -> listener.publications.size() == 1);
        assertThat(listener.publications.get(0).text()).isEqualTo("hello");
    }

    @Test
    void completesSubscriptionsAgainAndAgain() throws Exception {
        RecordingListener listener = new RecordingListener();
        Broker broker = node(listener);
        subscribe(broker, listener, "app-id", "news");
        subscribe(broker, listener, "app-id", "news");
        listener.wants("app-id", "news", false);
        broker.unsubscribe("app-id", "news");
        broker.unsubscribe("app-id", "news");
        subscribe(broker, listener, "app-id", "news");

        publish(broker, "app-id", "news", "back", null);

        await().atMost(WITHIN)
                .until(() -> listener.texts("app-id", "news").equals(List.of("back")));
    }

    @Test
    void saysAChannelWithSubscribersHasAnAudience() throws Exception {
        RecordingListener listener = new RecordingListener();
        Broker broker = node(listener);

        subscribe(broker, listener, "app-id", "news");

        assertThat(broker.hasAudience("app-id", "news")).isTrue();
    }

    @Test
    void keepsAppsAndChannelsApart() throws Exception {
        RecordingListener listener = new RecordingListener();
        Broker broker = node(listener);
        subscribe(broker, listener, "app-one", "news");
        subscribe(broker, listener, "app-two", "news");
        subscribe(broker, listener, "app-one", "sport");

        publish(broker, "app-one", "news", "1", null);
        publish(broker, "app-two", "news", "2", null);
        publish(broker, "app-one", "sport", "3", null);

        await().atMost(WITHIN).until(() -> listener.publications.size() == 3);
        assertThat(listener.texts("app-one", "news")).containsExactly("1");
        assertThat(listener.texts("app-two", "news")).containsExactly("2");
        assertThat(listener.texts("app-one", "sport")).containsExactly("3");
    }

    @Test
    void runsACommandOnThisNodeOnce() throws Exception {
        RecordingListener listener = new RecordingListener();
        Broker broker = node(listener);
        NodeCommand command = NodeCommand.terminateUser("app-id", "alice");

        broker.broadcast(command);

        await().atMost(WITHIN).until(() -> listener.commands.size() == 1);
        await().during(Duration.ofMillis(200))
                .atMost(WITHIN)
                .until(() -> listener.commands.size() == 1);
        assertThat(listener.commands).containsExactly(command);
    }
}
