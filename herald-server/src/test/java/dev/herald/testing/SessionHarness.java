package dev.herald.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.herald.activity.LocalActivityFeed;
import dev.herald.apps.App;
import dev.herald.auth.Authenticators;
import dev.herald.auth.ChannelAuthenticator;
import dev.herald.auth.HmacSigner;
import dev.herald.broker.LocalBroker;
import dev.herald.cache.LocalChannelCache;
import dev.herald.cluster.LocalClusterView;
import dev.herald.cluster.LocalDecisions;
import dev.herald.history.LocalChannelHistory;
import dev.herald.hub.ChannelTable;
import dev.herald.hub.Hub;
import dev.herald.limits.ConnectionLimiter;
import dev.herald.limits.MessageBudget;
import dev.herald.metrics.HeraldMetrics;
import dev.herald.observers.ChannelObserver;
import dev.herald.observers.ClusterObserver;
import dev.herald.protocol.Json;
import dev.herald.protocol.Member;
import dev.herald.session.ConnectionHandler;
import dev.herald.session.Handshake;
import dev.herald.session.PresenceNotifier;
import dev.herald.session.SessionContext;
import dev.herald.session.SocketIds;
import dev.herald.session.SubscriptionCounter;
import dev.herald.session.WatchlistNotifier;
import dev.herald.transport.WebSocketUpgrade;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A Pusher session in-process: one {@link SessionContext} with the local engines, and WebSocket
 * connections on {@link EmbeddedChannel}s whose pipeline is the session's handler alone, as after a
 * real upgrade. Frames go in as Netty's WebSocket frames and come out as the bytes the server
 * writes, read back as {@link Frame}s. Everything runs on the test's thread: queued work (fan-out,
 * scheduled sends) runs when a client's pending tasks are run.
 *
 * <p>As on a node, a {@link SubscriptionCounter} sends {@code pusher_internal:subscription_count};
 * its coalescing runs on a timer of its own whose time stands still until the test {@link #advance
 * advances} it. A test may add its own observers beside the node's, such as a webhook dispatcher.
 */
public final class SessionHarness implements AutoCloseable {

    public final HeraldMetrics metrics = HeraldMetrics.inMemory();

    /** Every local event the hub and the session reported, as text. */
    public final List<String> events = new CopyOnWriteArrayList<>();

    public final Hub hub;
    public final SessionContext context;

    /** The debug stream's feed: a test watches an app here to see what the session reports. */
    public final LocalActivityFeed activity = new LocalActivityFeed();

    private final ConnectionHandler.Handlers handlers;
    private final LocalChannelCache cache;

    /** The channel history the harness's broker records in. */
    public final LocalChannelHistory history;

    private final List<EmbeddedChannel> channels;

    /** The subscription counter's scheduler: an event loop with no connection, its time frozen. */
    private final EmbeddedChannel counterTimer = new EmbeddedChannel();

    private int opened;

    /**
     * @param clients how many connections the test will open: each has its own event loop, and the
     *     hub must know them all up front
     */
    public SessionHarness(int clients, MessageBudget budget, int maxMessageBytes) {
        this(clients, budget, maxMessageBytes, ChannelObserver.NOOP, ClusterObserver.NOOP);
    }

    /**
     * @param local hears this node's changes after the node's own observers, as the webhooks do
     * @param decided hears the decided member and channel events, after the presence and watchlist
     *     notices
     */
    public SessionHarness(
            int clients,
            MessageBudget budget,
            int maxMessageBytes,
            ChannelObserver local,
            ClusterObserver decided) {
        channels = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            channels.add(new EmbeddedChannel());
        }
        history = new LocalChannelHistory(1 << 20, System::currentTimeMillis);
        LocalBroker broker = new LocalBroker(history);
        ChannelTable table = new ChannelTable(metrics);
        // member_added / member_removed and watchlist events reach their sockets as on a real node
        // ... and subscription counts, in the order a node hears them
        counterTimer.freezeTime();
        LocalClusterView view = new LocalClusterView(table);
        ChannelObserver observer =
                ChannelObserver.of(
                        List.of(
                                new Recorder(),
                                new LocalDecisions(
                                        ClusterObserver.of(
                                                List.of(
                                                        new PresenceNotifier(broker),
                                                        new WatchlistNotifier(broker),
                                                        decided))),
                                new SubscriptionCounter(
                                        broker, counterTimer.eventLoop(), view, table),
                                local));
        hub =
                new Hub(
                        channels.stream().map(EmbeddedChannel::eventLoop).toList(),
                        table,
                        broker,
                        observer,
                        appId -> 0);
        broker.start(hub);
        cache = new LocalChannelCache(System::currentTimeMillis).start();
        context =
                new SessionContext(
                        hub,
                        broker,
                        view,
                        cache,
                        history,
                        observer,
                        new Authenticators(),
                        new SocketIds(),
                        new ConnectionLimiter(0, 0),
                        metrics,
                        120,
                        maxMessageBytes,
                        budget,
                        activity);
        handlers = ConnectionHandler.Handlers.of(context);
    }

    public SessionHarness(int clients) {
        this(clients, MessageBudget.DEFAULT, 10_240);
    }

    /**
     * Moves the subscription counter's time forward and runs what fell due: the counts it sends
     * reach the clients' queues, read with {@link Client#frames()}.
     */
    public void advance(Duration time) {
        counterTimer.advanceTimeBy(time.toNanos(), TimeUnit.NANOSECONDS);
        counterTimer.runScheduledPendingTasks();
        counterTimer.runPendingTasks();
    }

    /** The next unused connection's channel, for a test that builds its own pipeline on it. */
    public EmbeddedChannel nextChannel() {
        return channels.get(opened++);
    }

    /** Opens the next connection to the app (or to an unknown key when {@code app} is null). */
    public Client connect(App app, String key, String origin, String protocol) {
        EmbeddedChannel channel = channels.get(opened++);
        Handshake.Request request =
                handlers.handshake().request(channel, null, key, app, origin, protocol, "js");
        channel.pipeline().addLast(new ConnectionHandler(context, handlers, request));
        channel.pipeline().fireUserEventTriggered(WebSocketUpgrade.Upgraded.INSTANCE);
        return new Client(channel);
    }

    public Client connect(App app) {
        return connect(app, app.key(), null, "7");
    }

    /**
     * {@code key:signature} for a private or presence channel, as an app's auth endpoint signs it.
     */
    public static String auth(App app, String socketId, String channel, String channelData) {
        return new ChannelAuthenticator(app.key(), new HmacSigner(app.secret()))
                .sign(ChannelAuthenticator.channelStringToSign(socketId, channel, channelData));
    }

    /** {@code key:signature} for a sign-in's user data. */
    public static String signin(App app, String socketId, String userData) {
        return new ChannelAuthenticator(app.key(), new HmacSigner(app.secret()))
                .sign(ChannelAuthenticator.userStringToSign(socketId, userData));
    }

    @Override
    public void close() {
        for (EmbeddedChannel channel : channels) {
            channel.finishAndReleaseAll();
        }
        counterTimer.finishAndReleaseAll();
        cache.close();
    }

    /**
     * One frame the server wrote: its opcode, its text (or a close frame's reason) and close code.
     */
    public record Frame(int opcode, String text, int closeCode, byte[] payload) {
        public static final int TEXT = 0x1;
        public static final int CLOSE = 0x8;
        public static final int PING = 0x9;
        public static final int PONG = 0xA;

        public JsonNode json() {
            try {
                return Json.MAPPER.readTree(text);
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + text, e);
            }
        }

        /** The Pusher event name of a text frame. */
        public String event() {
            return json().path("event").asText();
        }

        @Override
        public String toString() {
            return opcode == CLOSE ? "close " + closeCode + " " + text : "op" + opcode + " " + text;
        }
    }

    /** One connection: what the test sends, and the frames the server wrote to it. */
    public static final class Client {
        public final EmbeddedChannel channel;
        private final List<Frame> received = new ArrayList<>();

        Client(EmbeddedChannel channel) {
            this.channel = channel;
        }

        public void send(String text) {
            send(new TextWebSocketFrame(text));
        }

        public void send(WebSocketFrame frame) {
            channel.writeInbound(frame);
            channel.runPendingTasks();
        }

        /** Every frame written since the last call, in order (running queued work first). */
        public List<Frame> frames() {
            channel.runPendingTasks();
            for (Object out; (out = channel.readOutbound()) != null; ) {
                try {
                    ByteBuf buf = (ByteBuf) out;
                    while (buf.isReadable()) {
                        received.add(decode(buf));
                    }
                } finally {
                    ReferenceCountUtil.release(out);
                }
            }
            List<Frame> frames = List.copyOf(received);
            received.clear();
            return frames;
        }

        /** The socket id from {@code pusher:connection_established}, the first frame. */
        public String socketId() {
            Frame first = frames().get(0);
            try {
                return Json.MAPPER
                        .readTree(first.json().path("data").asText())
                        .path("socket_id")
                        .asText();
            } catch (Exception e) {
                throw new AssertionError(first.toString(), e);
            }
        }

        private static Frame decode(ByteBuf buf) {
            int b0 = buf.readUnsignedByte();
            int b1 = buf.readUnsignedByte();
            if ((b1 & 0x80) != 0) {
                throw new AssertionError("a server frame must not be masked");
            }
            long length = b1 & 0x7F;
            if (length == 126) {
                length = buf.readUnsignedShort();
            } else if (length == 127) {
                length = buf.readLong();
            }
            byte[] payload = new byte[(int) length];
            buf.readBytes(payload);
            int opcode = b0 & 0x0F;
            if (opcode == Frame.CLOSE && payload.length >= 2) {
                int code = ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
                return new Frame(
                        opcode,
                        new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8),
                        code,
                        payload);
            }
            return new Frame(opcode, new String(payload, StandardCharsets.UTF_8), -1, payload);
        }
    }

    private final class Recorder implements ChannelObserver {
        @Override
        public void occupied(App app, String channel) {
            events.add("occupied " + channel);
        }

        @Override
        public void vacated(App app, String channel) {
            events.add("vacated " + channel);
        }

        @Override
        public void memberJoined(App app, String channel, Member member, String socketId) {
            events.add("joined " + channel + " " + member.userId());
        }

        @Override
        public void memberLeft(App app, String channel, String userId) {
            events.add("left " + channel + " " + userId);
        }

        @Override
        public void cacheMiss(App app, String channel) {
            events.add("cache miss " + channel);
        }

        @Override
        public void clientEvent(
                App app,
                String channel,
                String event,
                String data,
                String socketId,
                String userId) {
            events.add("client event " + channel + " " + event + " " + data);
        }
    }
}
