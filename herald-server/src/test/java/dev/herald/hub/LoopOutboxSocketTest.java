package dev.herald.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.apps.App;
import dev.herald.broker.LocalBroker;
import dev.herald.metrics.HeraldMetrics;
import dev.herald.observers.ChannelObserver;
import dev.herald.protocol.EncodedEvent;
import dev.herald.protocol.Frames;
import dev.herald.transport.UringSender;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.util.concurrent.EventExecutor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The outbox over real epoll sockets with the loop's io_uring batch: more subscribers on one loop
 * than one batch holds, every one gets every publication, in order, and the excluded socket none.
 */
class LoopOutboxSocketTest {

    private static final int SUBSCRIBERS = UringSender.CAPACITY + 76;

    private final HeraldMetrics metrics = HeraldMetrics.inMemory();
    private final App app = App.of("app-id", "app-key", "app-secret");
    private final List<Socket> clients = new ArrayList<>();
    private final AtomicInteger subscribed = new AtomicInteger();
    private EventLoopGroup group;
    private UringSender sender;

    @AfterEach
    void close() throws IOException {
        for (Socket s : clients) {
            s.close();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (sender != null) {
            sender.close(); // after the loop has stopped
        }
    }

    @Test
    void everySubscriberOfAPublicationLargerThanOneBatchGetsItInOrder() throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        EventExecutor loop = group.next();
        sender = UringSender.open();
        LocalBroker broker = new LocalBroker();
        Hub hub =
                new Hub(
                        List.of(loop),
                        new ChannelTable(metrics),
                        broker,
                        ChannelObserver.NOOP,
                        appId -> 0,
                        List.of(sender));
        broker.start(hub);
        AtomicInteger ids = new AtomicInteger();
        Channel server =
                new ServerBootstrap()
                        .group(group)
                        .channel(EpollServerSocketChannel.class)
                        .childHandler(
                                new ChannelInboundHandlerAdapter() {
                                    @Override
                                    public boolean isSharable() {
                                        return true;
                                    }

                                    @Override
                                    public void channelActive(ChannelHandlerContext ctx) {
                                        Connection c =
                                                new Connection(
                                                        "1." + ids.incrementAndGet(),
                                                        app,
                                                        metrics.forApp(app.id()),
                                                        ctx,
                                                        0);
                                        hub.subscribe(c, "news", null, 100);
                                        subscribed.incrementAndGet();
                                    }
                                })
                        .bind("127.0.0.1", 0)
                        .sync()
                        .channel();
        InetSocketAddress address = (InetSocketAddress) server.localAddress();
        for (int i = 0; i < SUBSCRIBERS; i++) {
            clients.add(new Socket(address.getAddress(), address.getPort()));
        }
        Awaitility.await()
                .atMost(10, TimeUnit.SECONDS)
                .until(() -> subscribed.get() == SUBSCRIBERS);

        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        ByteArrayOutputStream expectedByExcluded = new ByteArrayOutputStream();
        for (int i = 0; i < 3; i++) {
            EncodedEvent event = new EncodedEvent(Frames.event("e", "news", "{\"n\":" + i + "}"));
            try {
                ByteBuf frame = event.frame();
                expected.write(ByteBufUtil.getBytes(frame));
                if (i != 1) {
                    expectedByExcluded.write(ByteBufUtil.getBytes(frame));
                }
                // the second leaves out the first subscriber, as a client event its sender made
                broker.publish(app.id(), "news", event, i == 1 ? "1.1" : null);
            } finally {
                event.release();
            }
            // each alone, so that each is the last of its drain and goes through the batch
            loop.submit(() -> {}).sync();
            loop.submit(() -> {}).sync();
        }

        byte[] all = expected.toByteArray();
        for (int i = 0; i < SUBSCRIBERS; i++) {
            Socket client = clients.get(i);
            client.setSoTimeout(5000);
            byte[] want = i == 0 ? expectedByExcluded.toByteArray() : all;
            InputStream in = client.getInputStream();
            assertThat(in.readNBytes(want.length)).as("subscriber %s", i).isEqualTo(want);
            assertThat(in.available()).as("nothing more for subscriber %s", i).isZero();
        }
    }
}
