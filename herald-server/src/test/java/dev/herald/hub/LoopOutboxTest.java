package dev.herald.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.apps.App;
import dev.herald.broker.LocalBroker;
import dev.herald.metrics.HeraldMetrics;
import dev.herald.protocol.EncodedEvent;
import dev.herald.protocol.Frames;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Fan-out batching: what waits while the loop is busy goes out in one flush, in order. */
class LoopOutboxTest {

    private static final String APP_ID = "app-id";

    /** Stands in for the socket: keeps what was written and counts the flushes. */
    private static final class Socket extends ChannelOutboundHandlerAdapter {
        final List<String> written = new ArrayList<>();
        int flushes;

        /**
         * Whether the channel turns unwritable at the first write, as a socket whose buffer fills
         * up.
         */
        boolean fillsUp;

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            ByteBuf frame = (ByteBuf) msg;
            written.add(frame.toString(StandardCharsets.UTF_8));
            frame.release();
            promise.trySuccess();
            if (fillsUp) {
                ctx.channel().unsafe().outboundBuffer().setUserDefinedWritability(1, false);
            }
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            flushes++;
        }
    }

    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private final HeraldMetrics metrics = HeraldMetrics.inMemory();
    private final App app = App.of(APP_ID, "app-key", "app-secret");
    private EmbeddedChannel loop;
    private LocalBroker broker;
    private Hub hub;

    @BeforeEach
    void start() {
        loop = track(new EmbeddedChannel());
        broker = new LocalBroker();
        hub = new Hub(List.of(loop.eventLoop()), broker, metrics);
        broker.start(hub);
    }

    @AfterEach
    void stop() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    private EmbeddedChannel track(EmbeddedChannel ch) {
        channels.add(ch);
        return ch;
    }

    private Socket subscriber(String socketId, String... channelNames) {
        Socket socket = new Socket();
        EmbeddedChannel ch = track(new EmbeddedChannel(socket, new ChannelInboundHandlerAdapter()));
        Connection c =
                new Connection(
                        socketId, app, metrics.forApp(APP_ID), ch.pipeline().lastContext(), 0);
        for (String name : channelNames) {
            hub.subscribe(c, name, null, 100);
        }
        loop.runPendingTasks();
        socket.flushes = 0;
        return socket;
    }

    private void publish(String channel, String data, String excludeSocketId) {
        EncodedEvent event = new EncodedEvent(Frames.event("e", channel, data));
        try {
            broker.publish(APP_ID, channel, event, excludeSocketId);
        } finally {
            event.release();
        }
    }

    @Test
    void publicationsQueuedWhileTheLoopIsBusyLeaveInOneFlushInOrder() {
        Socket a = subscriber("1.1", "news", "sport");
        Socket b = subscriber("1.2", "news");

        publish("news", "one", null);
        publish("sport", "two", null);
        publish("news", "three", null);
        loop.runPendingTasks();

        assertThat(a.written).hasSize(3);
        assertThat(a.written.get(0)).contains("one");
        assertThat(a.written.get(1)).contains("two");
        assertThat(a.written.get(2)).contains("three");
        assertThat(a.flushes).isEqualTo(1);
        assertThat(b.written).hasSize(2);
        assertThat(b.written.get(0)).contains("one");
        assertThat(b.written.get(1)).contains("three");
        assertThat(b.flushes).isEqualTo(1);
    }

    @Test
    void anIdleLoopSendsEachPublicationAtOnce() {
        Socket a = subscriber("1.1", "news");

        publish("news", "one", null);
        loop.runPendingTasks();
        assertThat(a.written).hasSize(1);
        assertThat(a.flushes).isEqualTo(1);

        publish("news", "two", null);
        loop.runPendingTasks();
        assertThat(a.written).hasSize(2);
        assertThat(a.flushes).isEqualTo(2);
    }

    @Test
    void theExcludedSocketIsSkippedAndCountsNoDelivery() {
        Socket a = subscriber("1.1", "news");
        Socket b = subscriber("1.2", "news");

        publish("news", "one", "1.1");
        loop.runPendingTasks();

        assertThat(a.written).isEmpty();
        assertThat(a.flushes).isZero();
        assertThat(b.written).hasSize(1);
        assertThat(metrics.forApp(APP_ID).messagesSent().count()).isEqualTo(1.0);
    }

    @Test
    void aSubscriberPassingItsHighWaterMarkEndsTheDrainUntilTheLoopTurns() {
        Socket a = subscriber("1.1", "news");
        Socket b = subscriber("1.2", "news");
        a.fillsUp = true;

        publish("news", "one", null);
        publish("news", "two", null);
        publish("news", "three", null);
        loop.runPendingTasks();

        assertThat(a.written).hasSize(3);
        assertThat(a.written.get(2)).contains("three");
        assertThat(b.written).hasSize(3);
        assertThat(a.flushes)
                .as("the first drain stops after the publication that filled a's buffer")
                .isEqualTo(2);
        assertThat(b.flushes).isEqualTo(2);
    }

    @Test
    void aFloodIsWrittenInBoundedBatchesAndNothingIsLost() {
        Socket a = subscriber("1.1", "news");
        int n = LoopOutbox.MAX_BATCH * 2 + 5;
        for (int i = 0; i < n; i++) {
            publish("news", "m" + i, null);
        }
        loop.runPendingTasks();

        assertThat(a.written).hasSize(n);
        assertThat(a.written.get(n - 1)).contains("m" + (n - 1));
        assertThat(a.flushes).as("one flush per batch").isEqualTo(3);
    }
}
