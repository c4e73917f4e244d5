package dev.herald.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.herald.apps.App;
import dev.herald.metrics.HeraldMetrics;
import dev.herald.protocol.Frames;
import dev.herald.protocol.PusherError;
import dev.herald.transport.SocketWriter;
import dev.herald.transport.UringSender;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Fan-out frames sent straight to an epoll socket, over a real loopback connection: whatever the
 * socket takes at once, in part or not at all, the client receives every byte in order.
 */
class ConnectionSocketTest {

    /** The server side of the one connection: its Pusher state and its pipeline position. */
    private record Accepted(Connection connection, ChannelHandlerContext ctx) {}

    private final HeraldMetrics metrics = HeraldMetrics.inMemory();
    private final App app = App.of("app-id", "app-key", "app-secret");
    private final CompletableFuture<Accepted> accepted = new CompletableFuture<>();
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private EventLoopGroup group;
    private Channel server;
    private Channel client;

    @BeforeEach
    void connect() throws Exception {
        assumeTrue(Epoll.isAvailable(), "epoll is the transport this path is for");
        group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
        server =
                new ServerBootstrap()
                        .group(group)
                        .channel(EpollServerSocketChannel.class)
                        // small kernel buffers, so that a few frames fill the socket
                        .childOption(ChannelOption.SO_SNDBUF, 4096)
                        .childHandler(
                                new ChannelInboundHandlerAdapter() {
                                    @Override
                                    public void channelActive(ChannelHandlerContext ctx) {
                                        accepted.complete(
                                                new Accepted(
                                                        new Connection(
                                                                "1.1",
                                                                app,
                                                                metrics.forApp(app.id()),
                                                                ctx,
                                                                0),
                                                        ctx));
                                    }
                                })
                        .bind("127.0.0.1", 0)
                        .sync()
                        .channel();
        client =
                new Bootstrap()
                        .group(group)
                        .channel(EpollSocketChannel.class)
                        .option(ChannelOption.SO_RCVBUF, 4096)
                        .option(ChannelOption.AUTO_READ, false)
                        .handler(
                                new ChannelInitializer<>() {
                                    @Override
                                    protected void initChannel(Channel ch) {
                                        ch.pipeline()
                                                .addLast(
                                                        new ChannelInboundHandlerAdapter() {
                                                            @Override
                                                            public void channelRead(
                                                                    ChannelHandlerContext ctx,
                                                                    Object msg) {
                                                                ByteBuf bytes = (ByteBuf) msg;
                                                                try {
                                                                    synchronized (received) {
                                                                        received.writeBytes(
                                                                                ByteBufUtil
                                                                                        .getBytes(
                                                                                                bytes));
                                                                    }
                                                                } finally {
                                                                    bytes.release();
                                                                }
                                                            }
                                                        });
                                    }
                                })
                        .connect(server.localAddress())
                        .sync()
                        .channel();
    }

    @AfterEach
    void close() {
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static ByteBuf frame(int i, int size) {
        ByteBuf frame = ByteBufAllocator.DEFAULT.directBuffer(size);
        frame.writeCharSequence("<" + i + ">", StandardCharsets.US_ASCII);
        while (frame.readableBytes() < size) {
            frame.writeByte('a' + i % 26);
        }
        return frame;
    }

    private <T> T onLoop(Callable<T> task) throws Exception {
        return accepted.get(5, TimeUnit.SECONDS)
                .ctx
                .executor()
                .submit(task)
                .get(5, TimeUnit.SECONDS);
    }

    private byte[] receiveAll(int bytes) {
        client.config().setAutoRead(true);
        await().atMost(Duration.ofSeconds(10))
                .until(
                        () -> {
                            synchronized (received) {
                                return received.size() >= bytes;
                            }
                        });
        synchronized (received) {
            return received.toByteArray();
        }
    }

    /**
     * Delivers six frames one after another, each as a publication the outbox sends with nothing
     * else waiting: small ones the socket takes whole, then ones larger than its buffer, so it
     * takes part of the first and none of the rest until the client reads. In all they stay under
     * the high-water mark, so a slow machine cannot make the stalled client look slow. Checks that
     * the client got every byte in order; returns how the deliveries went.
     */
    private Map<Connection.Delivery, Integer> deliverSixInOrder(
            BiFunction<Connection, ByteBuf, Connection.Delivery> deliver) throws Exception {
        Connection c = accepted.get(5, TimeUnit.SECONDS).connection;
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        List<ByteBuf> frames = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ByteBuf f = frame(i, i < 3 ? 100 : 20_000);
            expected.write(ByteBufUtil.getBytes(f));
            frames.add(f);
        }

        Map<Connection.Delivery, Integer> outcomes =
                onLoop(
                        () -> {
                            Map<Connection.Delivery, Integer> counts =
                                    new EnumMap<>(Connection.Delivery.class);
                            for (ByteBuf frame : frames) {
                                Connection.Delivery d = deliver.apply(c, frame);
                                counts.merge(d, 1, Integer::sum);
                                if (d != Connection.Delivery.SENT && c.markFlushPending()) {
                                    c.flushPending();
                                }
                                frame.release();
                            }
                            return counts;
                        });

        assertThat(receiveAll(expected.size())).isEqualTo(expected.toByteArray());
        return outcomes;
    }

    private static int queued(Map<Connection.Delivery, Integer> outcomes) {
        return outcomes.getOrDefault(Connection.Delivery.QUEUED, 0)
                + outcomes.getOrDefault(Connection.Delivery.QUEUED_PAST_MARK, 0);
    }

    @Test
    void framesTheSocketCannotTakeAtOnceFollowInOrder() throws Exception {
        Map<Connection.Delivery, Integer> outcomes =
                deliverSixInOrder((c, frame) -> c.deliver(frame, true));

        assertThat(outcomes)
                .as("the first frames go straight to the socket")
                .containsKey(Connection.Delivery.SENT);
        assertThat(queued(outcomes))
                .as("the socket fills up and the rest waits in the pipeline")
                .isPositive();
        assertThat(outcomes).doesNotContainKey(Connection.Delivery.DROPPED);
    }

    @Test
    void framesSentInIoUringBatchesFollowInOrderToo() throws Exception {
        Map<Connection.Delivery, Integer> outcomes;
        try (UringSender batch = UringSender.open()) {
            // as the outbox sends a publication with its loop's batch: a connection with nothing
            // queued goes in the batch, one with bytes waiting is written through the pipeline
            outcomes =
                    deliverSixInOrder(
                            (c, frame) -> {
                                if (!c.canSendNow(frame)) {
                                    return c.deliver(frame, true);
                                }
                                c.addSend(batch, frame);
                                assertThat(batch.submit()).isTrue();
                                Connection.Delivery d = c.sent(frame, batch.result(0));
                                batch.clear();
                                return d;
                            });
        }

        assertThat(outcomes).containsKey(Connection.Delivery.SENT);
        assertThat(queued(outcomes))
                .as("the batch's short send left the rest to the pipeline")
                .isPositive();
        assertThat(outcomes).doesNotContainKey(Connection.Delivery.DROPPED);
    }

    @Test
    void aClosedConnectionIsNeverBatched() throws Exception {
        Accepted a = accepted.get(5, TimeUnit.SECONDS);
        ByteBuf frame = frame(1, 50);
        try {
            assertThat(onLoop(() -> a.connection.canSendNow(frame))).isTrue();
            a.ctx.channel().close().sync();
            assertThat(onLoop(() -> a.connection.canSendNow(frame))).isFalse();
        } finally {
            frame.release();
        }
    }

    @Test
    void aFrameWaitingInThePipelineIsNotOvertaken() throws Exception {
        Connection c = accepted.get(5, TimeUnit.SECONDS).connection;
        ByteBuf answer = frame(1, 50);
        ByteBuf event = frame(2, 50);
        byte[] expected =
                (answer.toString(StandardCharsets.US_ASCII)
                                + event.toString(StandardCharsets.US_ASCII))
                        .getBytes(StandardCharsets.US_ASCII);

        Connection.Delivery d =
                onLoop(
                        () -> {
                            c.beginRead(); // an answer written while reading waits for the
                            // end of the read
                            c.send(answer);
                            Connection.Delivery delivery = c.deliver(event, true);
                            event.release();
                            c.endRead();
                            if (delivery != Connection.Delivery.SENT && c.markFlushPending()) {
                                c.flushPending();
                            }
                            return delivery;
                        });

        assertThat(d).isEqualTo(Connection.Delivery.QUEUED);
        assertThat(receiveAll(expected.length)).isEqualTo(expected);
    }

    @Test
    void aClosedSocketIsNeverWrittenPastThePipeline() throws Exception {
        Accepted a = accepted.get(5, TimeUnit.SECONDS);
        SocketWriter writer = SocketWriter.of(a.ctx.channel());
        assertThat(writer).isNotNull();
        a.ctx.channel().close().sync();

        ByteBuf frame = frame(1, 50);
        try {
            assertThat(onLoop(() -> writer.trySend(frame))).isEqualTo(-1);
        } finally {
            frame.release();
        }
    }

    @Test
    void nothingIsQueuedBehindTheCloseFrame() throws Exception {
        Connection c = accepted.get(5, TimeUnit.SECONDS).connection;
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        List<ByteBuf> backlog = new ArrayList<>();
        // more than the socket takes while the client does not read, under the high-water mark:
        // the close frame waits in the pipeline behind the rest
        for (int i = 0; i < 3; i++) {
            ByteBuf f = frame(i, 20_000);
            expected.write(ByteBufUtil.getBytes(f));
            backlog.add(f);
        }
        ByteBuf error = Frames.error(PusherError.RECONNECT, "closing");
        ByteBuf close = Frames.close(PusherError.RECONNECT.code(), "closing");
        expected.write(ByteBufUtil.getBytes(error));
        expected.write(ByteBufUtil.getBytes(close));
        error.release();
        close.release();
        ByteBuf event = frame(9, 50);

        // a node's drain tells the client 4200; fan-out and answers keep coming for it
        List<Connection.Delivery> outcomes =
                onLoop(
                        () -> {
                            for (ByteBuf frame : backlog) {
                                c.deliver(frame, true);
                                frame.release();
                            }
                            c.flushPending();
                            c.close(PusherError.RECONNECT, "closing");
                            List<Connection.Delivery> ds =
                                    List.of(c.deliver(event, true), c.deliver(event, false));
                            c.send(event.retain());
                            event.release();
                            return ds;
                        });

        assertThat(outcomes).containsOnly(Connection.Delivery.DROPPED);
        assertThat(event.refCnt()).as("the dropped frames were released").isZero();
        // the server half-closes after its close frame: the client's side ends with all it got
        client.config().setAutoRead(true);
        client.read();
        assertThat(client.closeFuture().await(10, TimeUnit.SECONDS)).isTrue();
        synchronized (received) {
            assertThat(received.toByteArray()).isEqualTo(expected.toByteArray());
        }
    }
}
