package dev.herald.session;

import dev.herald.activity.ActivityEvent;
import dev.herald.apps.App;
import dev.herald.hub.Connection;
import dev.herald.limits.TokenBucket;
import dev.herald.metrics.AppMeters;
import dev.herald.protocol.ClientInput;
import dev.herald.protocol.ClientMessage;
import dev.herald.protocol.CloseCodes;
import dev.herald.protocol.Frames;
import dev.herald.protocol.PusherError;
import dev.herald.transport.ActivityHandler;
import dev.herald.transport.WebSocketUpgrade;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Pusher session on one WebSocket connection: handshake outcome, message dispatch, liveness and
 * clean-up. One instance per connection, confined to its event loop. Subscriptions and client
 * events are handled by the shared {@link SubscribeHandler} and {@link ClientEventHandler}.
 */
public final class ConnectionHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ConnectionHandler.class);

    private final SessionContext context;
    private final SubscribeHandler subscriptions;
    private final ClientEventHandler clientEvents;
    private final SigninHandler signins;
    private final RecoveryHandler recovery;
    private final Handshake handshake;

    /** The upgrade request until the session starts; then only the bits still needed are kept. */
    private Handshake.Request request;

    private boolean jsClient;
    private Connection connection;
    private boolean counted;
    private CompositeByteBuf fragments;

    /** The connection's message budget, made on its first message; {@code null} without a limit. */
    private TokenBucket budget;

    public ConnectionHandler(SessionContext context, Handlers handlers, Handshake.Request request) {
        this.context = context;
        this.subscriptions = handlers.subscriptions();
        this.clientEvents = handlers.clientEvents();
        this.signins = handlers.signins();
        this.recovery = handlers.recovery();
        this.handshake = handlers.handshake();
        this.request = request;
        this.jsClient = "js".equals(request.client());
    }

    /** The stateless handlers, shared by all connections. */
    public record Handlers(
            SubscribeHandler subscriptions,
            RecoveryHandler recovery,
            ClientEventHandler clientEvents,
            SigninHandler signins,
            Handshake handshake) {
        public static Handlers of(SessionContext context) {
            RecoveryHandler recovery = new RecoveryHandler(context);
            return new Handlers(
                    new SubscribeHandler(context, recovery),
                    recovery,
                    new ClientEventHandler(context),
                    new SigninHandler(context),
                    new Handshake(context));
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == WebSocketUpgrade.Upgraded.INSTANCE) {
            start(ctx);
        } else if (evt == ActivityHandler.PROBE) {
            if (connection != null && jsClient) {
                connection.send(Frames.ping());
            }
        } else if (evt == ActivityHandler.TIMED_OUT) {
            closeWith(
                    ctx,
                    PusherError.PONG_TIMEOUT,
                    "Pong reply not received: no answer to ping in time");
        } else {
            super.userEventTriggered(ctx, evt);
        }
    }

    private void start(ChannelHandlerContext ctx) {
        Handshake.Refusal refusal = handshake.start(request);
        if (refusal != null) {
            closeWith(ctx, refusal.error(), refusal.message());
            return;
        }
        App app = request.app();
        counted = true;
        int loop = context.hub().indexOf(ctx.channel().eventLoop());
        AppMeters meters = context.hub().meters(app.id());
        meters.connectionsOpened().increment();
        // writes start at the head-most handler: every frame is already complete bytes, so no
        // handler between ours and the socket has anything to do with them
        ChannelHandlerContext out = ctx.pipeline().context(ActivityHandler.class);
        connection =
                new Connection(
                        context.socketIds().next(), app, meters, out != null ? out : ctx, loop);
        context.hub().opened(connection);
        log.atDebug()
                .addKeyValue("app", app.id())
                .addKeyValue("socket", connection.socketId())
                .log("connection opened");
        connection.send(
                Frames.connectionEstablished(
                        connection.socketId(), context.activityTimeoutSeconds()));
        if (context.tap().watching(app.id())) {
            context.report(
                    connection,
                    ActivityEvent.Kind.CONNECTED,
                    null,
                    null,
                    null,
                    Map.of("address", String.valueOf(ctx.channel().remoteAddress())));
        }
        request = null; // an idle connection holds nothing it no longer needs
        if (app.features().authorizedConnections()) {
            ctx.executor()
                    .schedule(
                            new AuthorizationDeadline(connection),
                            app.features().authorizedConnectionTimeout().toMillis(),
                            TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Authorized connections (docs/protocol.md §4.2): sign in or join a private channel in time, or
     * leave.
     */
    private record AuthorizationDeadline(Connection connection) implements Runnable {
        @Override
        public void run() {
            if (!connection.isAuthorized()) {
                connection.close(
                        PusherError.UNAUTHORIZED_CLOSE,
                        "Connection not authorized within timeout: sign in "
                                + "or subscribe to a private or presence channel");
            }
        }
    }

    /**
     * Before the session exists (refused handshakes), errors are written straight to the context.
     */
    private void closeWith(ChannelHandlerContext ctx, PusherError error, String message) {
        log.atDebug()
                .addKeyValue(
                        "app", request != null && request.app() != null ? request.app().id() : null)
                .addKeyValue("socket", connection == null ? null : connection.socketId())
                .addKeyValue("code", error.code())
                .log("connection refused: {}", message);
        if (connection != null) {
            connection.close(error, message);
        } else {
            Connection.refuse(ctx, error, message);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        WebSocketFrame frame = (WebSocketFrame) msg;
        if (connection == null || connection.isClosing()) {
            // not started yet, or on its way out: nothing the client says now is answered
            if (frame instanceof CloseWebSocketFrame && connection == null) {
                ctx.close();
            }
            frame.release();
            return;
        }
        connection.beginRead();
        try {
            if (!(frame instanceof CloseWebSocketFrame) && !withinBudget()) {
                connection.meters().messageRateCloses().increment();
                closeWith(
                        ctx,
                        PusherError.TOO_MANY_MESSAGES,
                        "Too many messages: a connection may send "
                                + context.messageBudget().perSecond()
                                + " per second (bursts of "
                                + context.messageBudget().burst()
                                + "); back off, then reconnect");
            } else if (frame instanceof TextWebSocketFrame text) {
                if (text.isFinalFragment()) {
                    onText(text.content());
                } else {
                    fragment(ctx, text.content(), false);
                }
            } else if (frame instanceof ContinuationWebSocketFrame continuation) {
                fragment(ctx, continuation.content(), continuation.isFinalFragment());
            } else if (frame instanceof PingWebSocketFrame) {
                connection.send(Frames.wsPong(frame.content()));
            } else if (frame instanceof CloseWebSocketFrame) {
                connection.answerClose(CloseCodes.NORMAL);
            } else if (frame instanceof BinaryWebSocketFrame) {
                connection.sendError(
                        PusherError.INVALID_MESSAGE,
                        "Binary frames are not supported; send JSON text");
            }
            // pong frames only count as activity, which ActivityHandler has seen
        } finally {
            frame.release();
        }
    }

    /** Takes one message from the connection's budget; {@code false} when it is spent. */
    private boolean withinBudget() {
        if (!context.messageBudget().limited()) {
            return true;
        }
        long now = System.nanoTime();
        if (budget == null) {
            budget = context.messageBudget().bucket(now);
        }
        return budget.tryAcquire(now);
    }

    /**
     * Past the high-water mark the session stops reading, so a client that sends and never reads
     * cannot make the server queue answers without end: what it has not taken bounds what it may
     * ask for. Reading resumes once the queue drains below the low-water mark.
     */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        // a closing connection reads on, dropping what comes, until the client closes its side
        boolean closing = connection != null && connection.isClosing();
        ctx.channel().config().setAutoRead(ctx.channel().isWritable() || closing);
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (connection != null) {
            connection.endRead();
        }
        ctx.fireChannelReadComplete();
    }

    /**
     * Joins a message sent in fragments (rare: Pusher clients send whole frames, so the joining
     * buffer exists only while one is in progress), bounded like a single frame.
     */
    private void fragment(ChannelHandlerContext ctx, ByteBuf content, boolean last) {
        if (fragments == null) {
            fragments = ctx.alloc().compositeBuffer();
        }
        if (fragments.readableBytes() + content.readableBytes() > context.maxMessageBytes()) {
            fragments.release();
            fragments = null;
            refuseFrame(CloseCodes.MESSAGE_TOO_BIG, "Message too big");
            return;
        }
        fragments.addComponent(true, content.retain());
        if (last) {
            try {
                onText(fragments);
            } finally {
                fragments.release();
                fragments = null;
            }
        }
    }

    /** Closes with an RFC 6455 code for a frame the session cannot take (1007, 1009). */
    private void refuseFrame(int code, String reason) {
        context.metrics().framesRefused(code).increment();
        connection.closeFrame(code, reason);
    }

    private void onText(ByteBuf content) {
        connection.meters().messagesReceived().increment();
        connection.meters().bytesReceived().increment(content.readableBytes());
        // RFC 6455 §8.1: a text message that is not UTF-8 fails the connection with 1007; the
        // decoder leaves that check to us (a fragment may end inside a character, so the whole
        // message is checked)
        if (!ByteBufUtil.isText(content, StandardCharsets.UTF_8)) {
            refuseFrame(CloseCodes.INVALID_PAYLOAD, "Invalid UTF-8 in text message");
            return;
        }
        String text = content.toString(StandardCharsets.UTF_8);
        ClientMessage message;
        try {
            message = ClientMessage.parse(text);
        } catch (ClientMessage.Malformed e) {
            connection.sendError(PusherError.INVALID_MESSAGE, e.getMessage());
            return;
        }
        String event = message.event();
        try {
            switch (event) {
                case "pusher:ping" -> connection.send(Frames.pong());
                case "pusher:pong" -> {
                    // activity only
                }
                case "pusher:subscribe" -> subscriptions.subscribe(connection, message);
                case "pusher:unsubscribe" -> subscriptions.unsubscribe(connection, message);
                case "pusher:signin" -> signins.signin(connection, message);
                case "pusher:herald_recovery" -> recovery.remember(connection, message);
                default -> {
                    if (event.startsWith("client-")) {
                        clientEvents.handle(connection, message);
                    } else {
                        connection.sendError(
                                PusherError.INVALID_MESSAGE,
                                "Unsupported event received on socket " + ClientInput.quote(event));
                    }
                }
            }
        } catch (ClientMessage.Malformed e) {
            connection.sendError(PusherError.INVALID_MESSAGE, e.getMessage());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (fragments != null) {
            fragments.release();
            fragments = null;
        }
        if (connection != null) {
            context.hub().closed(connection);
            subscriptions.unsubscribeAll(connection);
            if (context.tap().watching(connection.app().id())) {
                int code = connection.closeCode();
                context.report(
                        connection,
                        ActivityEvent.Kind.DISCONNECTED,
                        null,
                        null,
                        null,
                        // no close frame was exchanged: the socket just ended (RFC 6455 §7.1.5)
                        Map.of("code", code == 0 ? CloseCodes.ABNORMAL : code));
            }
            log.atDebug()
                    .addKeyValue("app", connection.app().id())
                    .addKeyValue("socket", connection.socketId())
                    .log("connection closed");
        }
        if (counted) {
            counted = false;
            context.hub().removeConnection(connection.app());
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof CorruptedWebSocketFrameException corrupted) {
            // a frame the decoder refused: say why with the RFC 6455 code (1002, or 1009 too big)
            log.debug("closing {}: {}", connection, cause.getMessage());
            context.metrics().framesRefused(corrupted.closeStatus().code()).increment();
            ctx.writeAndFlush(
                            Frames.close(
                                    corrupted.closeStatus().code(),
                                    corrupted.closeStatus().reasonText()))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        } else if (cause instanceof TooLongFrameException
                || cause instanceof CorruptedFrameException) {
            log.debug("closing {}: {}", connection, cause.getMessage());
        } else if (cause instanceof IOException) {
            // the peer went away without a close handshake (reset, broken pipe): routine
            log.debug("connection {} lost: {}", connection, cause.toString());
        } else {
            log.warn("closing {} after an unexpected error", connection, cause);
        }
        ctx.close();
    }
}
