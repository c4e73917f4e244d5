package dev.herald.server;

import dev.herald.activity.ActivityTap;
import dev.herald.apps.App;
import dev.herald.apps.StaticAppStore;
import dev.herald.auth.Authenticators;
import dev.herald.broker.LocalBroker;
import dev.herald.cache.LocalChannelCache;
import dev.herald.cluster.LocalClusterView;
import dev.herald.history.LocalChannelHistory;
import dev.herald.http.Health;
import dev.herald.http.HttpRouter;
import dev.herald.http.TrustedProxies;
import dev.herald.hub.ChannelTable;
import dev.herald.hub.Hub;
import dev.herald.limits.ConnectionLimiter;
import dev.herald.limits.MessageBudget;
import dev.herald.metrics.HeraldMetrics;
import dev.herald.observers.ChannelObserver;
import dev.herald.session.SessionContext;
import dev.herald.session.SocketIds;
import dev.herald.transport.HeraldChannelInitializer;
import dev.herald.transport.HttpLimits;
import dev.herald.transport.Transports;
import dev.herald.transport.WebSocketUpgrade;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.EventExecutor;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The start-up warm-up: before the node opens its ports, clients over loopback run the WebSocket
 * path a few thousand times (upgrade, {@code pusher:connection_established}, a subscription, a
 * ping, a close handshake) against a private listener on the server's own event loops, with the
 * server's HTTP pipeline, router, session and hub code. A just-started JVM runs that path
 * interpreted and spends its first seconds compiling it (docs/benchmarks.md); done here, the first
 * real clients meet code that is loaded and compiled.
 *
 * <p>Nothing of it is seen from outside: the listener serves one app of its own, on a hub, channel
 * table, connection limiter and metrics registry of its own, with no observers (so no webhook,
 * subscription count or cluster state) and no activity tap (so no console). Its connections count
 * against no app, no per-address budget and no node capacity. It is bounded by a number of
 * connections and a time budget, and any failure only ends it early: the node starts regardless.
 */
final class WarmUp {

    /** What a warm-up did: connections that went through every step, those that failed, time. */
    record Result(int connections, int failed, Duration took) {}

    private static final String CHANNEL_PREFIX = "warm-up-";

    /** A few distinct channels: joining an existing channel and creating one both run. */
    private static final int CHANNELS = 8;

    /** A broken path (refused, timing out) ends the warm-up instead of spending its budget. */
    private static final int MAX_FAILURES = 8;

    private final EventLoopGroup group;
    private final Transports transports;
    private final HttpLimits limits;
    private final WebSocketUpgrade upgrade;
    private final int writeBufferHighWaterMark;
    private final int activityTimeoutSeconds;
    private final int maxFrameBytes;
    private final MessageBudget messageBudget;

    WarmUp(
            EventLoopGroup group,
            Transports transports,
            HttpLimits limits,
            WebSocketUpgrade upgrade,
            int writeBufferHighWaterMark,
            int activityTimeoutSeconds,
            int maxFrameBytes,
            MessageBudget messageBudget) {
        this.group = group;
        this.transports = transports;
        this.limits = limits;
        this.upgrade = upgrade;
        this.writeBufferHighWaterMark = writeBufferHighWaterMark;
        this.activityTimeoutSeconds = activityTimeoutSeconds;
        this.maxFrameBytes = maxFrameBytes;
        this.messageBudget = messageBudget;
    }

    /**
     * Runs up to {@code connections} client connections, stopping at {@code budget}; returns once
     * the private listener and every connection it accepted are closed.
     */
    Result run(int connections, Duration budget) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + budget.toNanos();
        List<EventExecutor> loops = new ArrayList<>();
        group.iterator().forEachRemaining(loops::add);
        App app =
                App.of(
                        "herald-warm-up",
                        "herald-warm-up-"
                                + Long.toHexString(ThreadLocalRandom.current().nextLong()),
                        Long.toHexString(ThreadLocalRandom.current().nextLong()));
        HeraldMetrics metrics = HeraldMetrics.detached();
        ChannelTable table = new ChannelTable(metrics);
        LocalChannelHistory history = new LocalChannelHistory(1 << 20, System::currentTimeMillis);
        LocalBroker broker = new LocalBroker(history);
        Hub hub = new Hub(loops, table, broker, ChannelObserver.NOOP, appId -> 0);
        broker.start(hub);
        SessionContext sessions =
                new SessionContext(
                        hub,
                        broker,
                        new LocalClusterView(table),
                        new LocalChannelCache(System::currentTimeMillis),
                        history,
                        ChannelObserver.NOOP,
                        new Authenticators(),
                        new SocketIds(),
                        new ConnectionLimiter(0, 0),
                        metrics,
                        activityTimeoutSeconds,
                        maxFrameBytes,
                        messageBudget,
                        ActivityTap.NOOP);
        HttpRouter router =
                new HttpRouter(
                        new StaticAppStore(List.of(app)),
                        sessions,
                        upgrade,
                        () -> true,
                        () -> Health.OK,
                        metrics,
                        () -> 1,
                        "",
                        TrustedProxies.NONE);
        ChannelGroup accepted = new DefaultChannelGroup("warm-up", loops.get(0));
        HeraldChannelInitializer http = new HeraldChannelInitializer(limits, router, null);
        ServerBootstrap bootstrap =
                new ServerBootstrap()
                        .group(group)
                        .channel(transports.serverChannelClass())
                        .childOption(
                                ChannelOption.WRITE_BUFFER_WATER_MARK,
                                new WriteBufferWaterMark(
                                        writeBufferHighWaterMark / 2, writeBufferHighWaterMark))
                        .childHandler(
                                new ChannelInitializer<>() {
                                    @Override
                                    protected void initChannel(Channel ch) {
                                        accepted.add(ch);
                                        ch.pipeline().addLast(http);
                                    }
                                });
        transports.configureChildren(bootstrap);
        ChannelFuture bound = bootstrap.bind(InetAddress.getLoopbackAddress(), 0).await();
        if (!bound.isSuccess()) {
            return new Result(0, 1, Duration.ofNanos(System.nanoTime() - start));
        }
        Channel listener = bound.channel();
        AtomicInteger done = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger next = new AtomicInteger();
        try {
            InetSocketAddress address = (InetSocketAddress) listener.localAddress();
            // twice as many clients at once as there are loops: every loop serves some, and a
            // loop has another connection to serve while a client waits for its answer
            List<Thread> clients = new ArrayList<>();
            for (int i = 0; i < 2 * Math.max(2, loops.size()); i++) {
                Client client =
                        new Client(address, app.key(), deadline, connections, next, done, failed);
                Thread thread = new Thread(client, "herald-warm-up-" + i);
                thread.setDaemon(true);
                thread.start();
                clients.add(thread);
            }
            for (Thread thread : clients) {
                // each client stops at the deadline; its socket timeouts end at it too
                thread.join(
                        Math.max(
                                1,
                                TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())
                                        + 1_000));
            }
        } finally {
            listener.close().await(1, TimeUnit.SECONDS);
            accepted.close().await(1, TimeUnit.SECONDS);
        }
        return new Result(done.get(), failed.get(), Duration.ofNanos(System.nanoTime() - start));
    }

    /** One blocking client, running connections one after another until the count or the time. */
    private static final class Client implements Runnable {

        private final InetSocketAddress address;
        private final String appKey;
        private final long deadline;
        private final int connections;
        private final AtomicInteger next;
        private final AtomicInteger done;
        private final AtomicInteger failed;

        /** The payload of the last frame read. */
        private byte[] text;

        Client(
                InetSocketAddress address,
                String appKey,
                long deadline,
                int connections,
                AtomicInteger next,
                AtomicInteger done,
                AtomicInteger failed) {
            this.address = address;
            this.appKey = appKey;
            this.deadline = deadline;
            this.connections = connections;
            this.next = next;
            this.done = done;
            this.failed = failed;
        }

        @Override
        public void run() {
            int i;
            while (System.nanoTime() < deadline
                    && failed.get() < MAX_FAILURES
                    && (i = next.getAndIncrement()) < connections) {
                try {
                    connection(i % CHANNELS);
                    done.incrementAndGet();
                } catch (IOException | RuntimeException e) {
                    // one cut off by the deadline did not fail: the time was up
                    if (System.nanoTime() < deadline) {
                        failed.incrementAndGet();
                    }
                }
            }
        }

        private void connection(int channel) throws IOException {
            try (Socket socket = new Socket()) {
                socket.setTcpNoDelay(true);
                socket.connect(address, timeout());
                socket.setSoTimeout(timeout());
                OutputStream out = socket.getOutputStream();
                // buffered: the client reads the answer's head byte by byte, and each read of the
                // bare socket stream would be a system call
                InputStream in = new BufferedInputStream(socket.getInputStream(), 1024);
                byte[] key = new byte[16];
                ThreadLocalRandom.current().nextBytes(key);
                out.write(
                        ("GET /app/"
                                        + appKey
                                        + "?protocol=7&client=herald-warm-up&version=1 HTTP/1.1\r\n"
                                        + "Host: 127.0.0.1:"
                                        + address.getPort()
                                        + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                        + "Sec-WebSocket-Key: "
                                        + Base64.getEncoder().encodeToString(key)
                                        + "\r\nSec-WebSocket-Version: 13\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String head = readHead(in);
                if (!head.startsWith("HTTP/1.1 101 ")) {
                    throw new IOException("not upgraded: " + head.lines().findFirst().orElse(""));
                }
                expect(in, "pusher:connection_established");
                out.write(
                        frame(
                                1,
                                ("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\""
                                                + CHANNEL_PREFIX
                                                + channel
                                                + "\"}}")
                                        .getBytes(StandardCharsets.UTF_8)));
                expect(in, "pusher_internal:subscription_succeeded");
                out.write(
                        frame(
                                1,
                                "{\"event\":\"pusher:ping\",\"data\":{}}"
                                        .getBytes(StandardCharsets.UTF_8)));
                expect(in, "pusher:pong");
                out.write(frame(8, new byte[] {0x03, (byte) 0xE8})); // close, 1000
                out.flush();
                // the server answers the close and closes: read to its end
                while (readFrame(in) != 8) {
                    // nothing else is expected, but any frame before the close is skipped
                }
            }
        }

        /**
         * What is left of the time, rounded up: a socket timeout ends at the deadline, not before.
         */
        private int timeout() throws IOException {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IOException("warm-up time is up");
            }
            return (int) Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, Integer.MAX_VALUE);
        }

        /** Reads frames until a text frame containing {@code event}. */
        private void expect(InputStream in, String event) throws IOException {
            for (int i = 0; i < 4; i++) {
                if (readFrame(in) == 1
                        && new String(text, StandardCharsets.UTF_8).contains(event)) {
                    return;
                }
            }
            throw new IOException("no " + event);
        }

        /** One server frame (unmasked, as servers send them); returns its opcode. */
        private int readFrame(InputStream in) throws IOException {
            int b0 = read(in);
            int b1 = read(in);
            long length = b1 & 0x7F;
            if (length == 126) {
                length = (read(in) << 8) | read(in);
            } else if (length == 127) {
                length = 0;
                for (int i = 0; i < 8; i++) {
                    length = (length << 8) | read(in);
                }
            }
            if (length > 1 << 16) {
                throw new IOException("frame too long for a warm-up: " + length);
            }
            text = in.readNBytes((int) length);
            if (text.length != length) {
                throw new EOFException();
            }
            return b0 & 0x0F;
        }

        private static int read(InputStream in) throws IOException {
            int b = in.read();
            if (b < 0) {
                throw new EOFException();
            }
            return b;
        }

        private static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int last4 = 0;
            while (last4 != 0x0D0A0D0A) { // CR LF CR LF
                int b = read(in);
                head.write(b);
                last4 = (last4 << 8) | b;
                if (head.size() > 8192) {
                    throw new IOException("answer head too long");
                }
            }
            return head.toString(StandardCharsets.ISO_8859_1);
        }

        /** A client frame: FIN, the opcode, masked as RFC 6455 requires of clients. */
        private static byte[] frame(int opcode, byte[] payload) {
            if (payload.length > 125) {
                throw new IllegalArgumentException("warm-up frames are short");
            }
            byte[] mask = new byte[4];
            ThreadLocalRandom.current().nextBytes(mask);
            byte[] frame = new byte[6 + payload.length];
            frame[0] = (byte) (0x80 | opcode);
            frame[1] = (byte) (0x80 | payload.length);
            System.arraycopy(mask, 0, frame, 2, 4);
            for (int i = 0; i < payload.length; i++) {
                frame[6 + i] = (byte) (payload[i] ^ mask[i % 4]);
            }
            return frame;
        }
    }
}
