package dev.herald.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.activity.ActivityTap;
import dev.herald.apps.App;
import dev.herald.apps.AppFeatures;
import dev.herald.apps.AppLimits;
import dev.herald.apps.HistoryRule;
import dev.herald.apps.StaticAppStore;
import dev.herald.auth.Authenticators;
import dev.herald.broker.LocalBroker;
import dev.herald.cache.LocalChannelCache;
import dev.herald.cluster.LocalClusterView;
import dev.herald.cluster.LocalDecisions;
import dev.herald.history.LocalChannelHistory;
import dev.herald.http.Health;
import dev.herald.http.HttpRouter;
import dev.herald.hub.ChannelTable;
import dev.herald.hub.Hub;
import dev.herald.limits.ConnectionLimiter;
import dev.herald.limits.MessageBudget;
import dev.herald.metrics.HeraldMetrics;
import dev.herald.observers.ChannelObserver;
import dev.herald.observers.ClusterObserver;
import dev.herald.session.PresenceNotifier;
import dev.herald.session.SessionContext;
import dev.herald.session.SocketIds;
import dev.herald.session.SubscriptionCounter;
import dev.herald.session.WatchlistNotifier;
import dev.herald.transport.HeraldChannelInitializer;
import dev.herald.transport.HttpLimits;
import dev.herald.transport.WebSocketUpgrade;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One node's real engines (local broker, hub, cluster view, channel cache, admission, HTTP router)
 * serving one connection: an {@link EmbeddedChannel} whose pipeline is the server's own (HTTP
 * codec, aggregator, router, then the WebSocket handlers the upgrade installs). Built fresh for
 * each fuzz input, so no input sees state left by another. Webhooks are left out: no app here has a
 * webhook target, so the dispatcher would only add a thread.
 */
final class InProcessNode implements AutoCloseable {

    /**
     * Every feature on, so that every handler is reachable (history on every channel, so that
     * recovery is); limits are the defaults.
     */
    static final App APP =
            new App(
                    "app-id",
                    "app-key",
                    "app-secret",
                    true,
                    new AppFeatures(true, true, true, true, false, Duration.ofSeconds(30)),
                    AppLimits.defaults(),
                    List.of(),
                    List.of(new HistoryRule("", 50, 60)));

    /** The server's defaults (HERALD_MAX_FRAME_BYTES, HERALD_MAX_HTTP_BODY_BYTES). */
    static final int MAX_FRAME_BYTES = 262_144;

    static final int MAX_HTTP_BODY_BYTES = 1_048_576;
    static final String UPGRADE =
            "GET /app/app-key?protocol=7&client=js&version=8.4.0 HTTP/1.1\r\n"
                    + "Host: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

    final EmbeddedChannel channel;
    final Hub hub;
    final ConnectionLimiter admission;
    private final LocalBroker broker;
    private final LocalChannelCache cache;

    /** HTTP requests that reached the router (each gets at most one answer). */
    int requests;

    private final ByteArrayOutputStream lastOutbound = new ByteArrayOutputStream();

    InProcessNode() {
        // registered first, with no handlers: the hub must know the channel's event loop
        channel = new EmbeddedChannel();
        // timers (subscription counts, probes, close grace) fire only when advance() says, so
        // that what they send is never taken for an answer to the message being read
        channel.freezeTime();
        LocalChannelHistory history = new LocalChannelHistory(1 << 20, System::currentTimeMillis);
        broker = new LocalBroker(history);
        HeraldMetrics metrics = HeraldMetrics.inMemory();
        ChannelTable table = new ChannelTable(metrics);
        LocalClusterView view = new LocalClusterView(table);
        cache =
                new LocalChannelCache(
                        System::currentTimeMillis); // not started: the sweeper is a thread
        ChannelObserver observer =
                ChannelObserver.of(
                        List.of(
                                new LocalDecisions(
                                        ClusterObserver.of(
                                                List.of(
                                                        new PresenceNotifier(broker),
                                                        new WatchlistNotifier(broker)))),
                                new SubscriptionCounter(broker, channel.eventLoop(), view, table)));
        hub = new Hub(List.of(channel.eventLoop()), table, broker, observer, appId -> 0);
        broker.start(hub);
        admission = new ConnectionLimiter(0, 0);
        SessionContext sessions =
                new SessionContext(
                        hub,
                        broker,
                        view,
                        cache,
                        history,
                        observer,
                        new Authenticators(),
                        new SocketIds(),
                        admission,
                        metrics,
                        120,
                        MAX_FRAME_BYTES,
                        MessageBudget.DEFAULT,
                        ActivityTap.NOOP);
        WebSocketUpgrade upgrade =
                new WebSocketUpgrade(
                        MAX_FRAME_BYTES,
                        TimeUnit.SECONDS.toMillis(120),
                        TimeUnit.SECONDS.toMillis(30));
        HttpRouter router =
                new HttpRouter(
                        new StaticAppStore(List.of(APP)),
                        sessions,
                        upgrade,
                        () -> true,
                        () -> Health.OK,
                        metrics,
                        () -> 1);
        // the server's own pipeline, plus a counter in front of the router
        channel.pipeline()
                .addLast(
                        new HeraldChannelInitializer(
                                new HttpLimits(
                                        MAX_HTTP_BODY_BYTES,
                                        TimeUnit.SECONDS.toMillis(10),
                                        TimeUnit.SECONDS.toMillis(60)),
                                router,
                                null));
        channel.pipeline()
                .addBefore(
                        "router",
                        "request-counter",
                        new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                if (msg instanceof FullHttpRequest) {
                                    requests++;
                                }
                                ctx.fireChannelRead(msg);
                            }
                        });
    }

    /** Writes bytes as the client; {@code false} (writing nothing) once the server has closed. */
    boolean write(byte[] bytes) {
        if (!channel.isOpen()) {
            return false;
        }
        channel.writeInbound(Unpooled.wrappedBuffer(bytes));
        channel.runPendingTasks();
        return true;
    }

    /** Releases everything the server wrote since the last call and returns its size in bytes. */
    long drain() {
        lastOutbound.reset();
        long bytes = 0;
        for (Object out = channel.readOutbound(); out != null; out = channel.readOutbound()) {
            try {
                if (out instanceof ByteBuf buf) {
                    bytes += buf.readableBytes();
                    if (lastOutbound.size() < 65_536) {
                        buf.getBytes(
                                buf.readerIndex(),
                                lastOutbound,
                                Math.min(buf.readableBytes(), 65_536));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                ReferenceCountUtil.release(out);
            }
        }
        return bytes;
    }

    /**
     * The first 64 KB of what the last {@link #drain()} released, as text (for messages and ids).
     */
    String lastOutbound() {
        return lastOutbound.toString(StandardCharsets.ISO_8859_1);
    }

    /** Lets timers due within {@code millis} fire (subscription counts, probes). */
    void advance(long millis) {
        channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        channel.runPendingTasks();
    }

    /**
     * Closes the connection as the client would by going away, and checks that the node holds
     * nothing for it: no connection, no channel, no admission slot.
     */
    @Override
    public void close() {
        try {
            channel.close();
            channel.runPendingTasks();
            drain();
            channel.finishAndReleaseAll(); // rethrows anything that reached the end of the pipeline
        } finally {
            cache.close();
            broker.close();
        }
        assertThat(hub.openConnections()).as("connections still registered after close").isZero();
        assertThat(hub.connectionCount(APP.id()))
                .as("connections still counted against the app")
                .isZero();
        assertThat(hub.table().channels(APP.id())).as("channels still held after close").isEmpty();
        assertThat(admission.open()).as("admission slots still taken after close").isZero();
    }
}
