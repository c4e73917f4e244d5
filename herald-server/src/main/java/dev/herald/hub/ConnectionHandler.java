package dev.herald.hub;

import dev.herald.apps.App;
import dev.herald.metrics.AppMeters;
import dev.herald.protocol.ClientMessage;
import dev.herald.protocol.Frames;
import dev.herald.protocol.PusherError;
import dev.herald.transport.ActivityHandler;
import dev.herald.transport.WebSocketUpgrade;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Pusher session on one WebSocket connection: handshake outcome, message dispatch, liveness
 * and clean-up. One instance per connection, confined to its event loop. Subscriptions and client
 * events are handled by the shared {@link SubscribeHandler} and {@link ClientEventHandler}.
 */
public final class ConnectionHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ConnectionHandler.class);

    /**
     * What the upgrade request asked for, checked before the session starts.
     *
     * @param refusal  why the request was refused before the upgrade (origin, admission), or
     *                 {@code null}; answered once the WebSocket is open, as Pusher clients expect
     */
    public record Request(String appKey, App app, String protocol, String client, PusherError refusal,
            String refusalMessage) {
    }

    private final SessionContext context;
    private final SubscribeHandler subscriptions;
    private final ClientEventHandler clientEvents;
    private final SigninHandler signins;
    /** The upgrade request until the session starts; then only the bits still needed are kept. */
    private Request request;
    private boolean jsClient;
    private Connection connection;
    private boolean counted;
    private io.netty.buffer.CompositeByteBuf fragments;

    public ConnectionHandler(SessionContext context, Handlers handlers, Request request) {
        this.context = context;
        this.subscriptions = handlers.subscriptions();
        this.clientEvents = handlers.clientEvents();
        this.signins = handlers.signins();
        this.request = request;
        this.jsClient = "js".equals(request.client());
    }

    /** The stateless message handlers, shared by all connections. */
    public record Handlers(SubscribeHandler subscriptions, ClientEventHandler clientEvents, SigninHandler signins) {
        public static Handlers of(SessionContext context) {
            return new Handlers(new SubscribeHandler(context), new ClientEventHandler(context),
                    new SigninHandler(context));
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
            closeWith(ctx, PusherError.PONG_TIMEOUT, "Pong reply not received: no answer to ping in time");
        } else {
            super.userEventTriggered(ctx, evt);
        }
    }

    private void start(ChannelHandlerContext ctx) {
        if (request.refusal() != null) {
            closeWith(ctx, request.refusal(), request.refusalMessage());
            return;
        }
        if (request.app() == null) {
            context.metrics().connectionsRefused("unknown_app").increment();
            closeWith(ctx, PusherError.APP_NOT_FOUND,
                    "App key " + request.appKey() + " not in this cluster. Did you forget to specify the cluster?");
            return;
        }
        String protocolProblem = protocolProblem(request.protocol());
        if (protocolProblem != null) {
            closeWith(ctx, PusherError.UNSUPPORTED_PROTOCOL, protocolProblem);
            return;
        }
        App app = request.app();
        if (!app.enabled()) {
            context.metrics().connectionsRefused("app_disabled").increment();
            closeWith(ctx, PusherError.APP_DISABLED, "Application " + app.id() + " is disabled");
            return;
        }
        if (!context.hub().tryAddConnection(app)) {
            context.metrics().connectionsRefused("app_quota").increment();
            closeWith(ctx, PusherError.OVER_CONNECTION_QUOTA, "Application is over connection quota ("
                    + app.limits().maxConnections() + " connections)");
            return;
        }
        counted = true;
        int loop = context.hub().indexOf(ctx.channel().eventLoop());
        AppMeters meters = context.hub().meters(app.id());
        meters.connectionsOpened().increment();
        // writes start at the head-most handler: every frame is already complete bytes, so no
        // handler between ours and the socket has anything to do with them
        ChannelHandlerContext out = ctx.pipeline().context(ActivityHandler.class);
        connection = new Connection(context.socketIds().next(), app, meters, out != null ? out : ctx, loop);
        context.hub().opened(connection);
        log.atDebug().addKeyValue("app", app.id()).addKeyValue("socket", connection.socketId())
                .log("connection opened");
        connection.send(Frames.connectionEstablished(connection.socketId(), context.activityTimeoutSeconds()));
        request = null; // an idle connection holds nothing it no longer needs
        if (app.features().authorizedConnections()) {
            ctx.executor().schedule(new AuthorizationDeadline(connection),
                    app.features().authorizedConnectionTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Authorized connections (spec §4.2): sign in or join a private channel in time, or leave. */
    private record AuthorizationDeadline(Connection connection) implements Runnable {
        @Override
        public void run() {
            if (!connection.isAuthorized()) {
                connection.close(PusherError.UNAUTHORIZED_CLOSE, "Connection not authorized within timeout: sign in "
                        + "or subscribe to a private or presence channel");
            }
        }
    }

    /** Protocols 4 to 7 are served; a missing value is read as 7 (spec §2.1, lenient). */
    static String protocolProblem(String protocol) {
        if (protocol == null || protocol.isEmpty()) {
            return null;
        }
        int version;
        try {
            version = Integer.parseInt(protocol);
        } catch (NumberFormatException e) {
            return "Unsupported protocol version " + protocol + ": use 4 to 7";
        }
        return version >= 4 && version <= 7 ? null : "Unsupported protocol version " + version + ": use 4 to 7";
    }

    /** Before the session exists (refused handshakes), errors are written straight to the context. */
    private void closeWith(ChannelHandlerContext ctx, PusherError error, String message) {
        log.atDebug().addKeyValue("app", request != null && request.app() != null ? request.app().id() : null)
                .addKeyValue("socket", connection == null ? null : connection.socketId())
                .addKeyValue("code", error.code()).log("connection refused: {}", message);
        if (connection != null) {
            connection.close(error, message);
        } else {
            Connection.refuse(ctx, error, message);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        WebSocketFrame frame = (WebSocketFrame) msg;
        if (connection != null) {
            connection.beginRead();
        }
        try {
            if (frame instanceof TextWebSocketFrame text) {
                if (text.isFinalFragment()) {
                    onText(text.text());
                } else {
                    fragment(ctx, text.content(), false);
                }
            } else if (frame instanceof ContinuationWebSocketFrame continuation) {
                fragment(ctx, continuation.content(), continuation.isFinalFragment());
            } else if (frame instanceof PingWebSocketFrame) {
                ByteBuf pong = ctx.alloc().buffer(2 + frame.content().readableBytes());
                pong.writeByte(0x8A).writeByte(frame.content().readableBytes()).writeBytes(frame.content());
                ctx.writeAndFlush(pong, ctx.voidPromise());
            } else if (frame instanceof CloseWebSocketFrame) {
                if (connection != null) {
                    connection.closeFrame(1000, "");
                } else {
                    ctx.close();
                }
            } else if (frame instanceof BinaryWebSocketFrame && connection != null) {
                connection.sendError(PusherError.INVALID_MESSAGE, "Binary frames are not supported; send JSON text");
            }
            // pong frames only count as activity, which ActivityHandler has seen
        } finally {
            frame.release();
        }
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
            context.metrics().framesRefused(1009).increment();
            ctx.writeAndFlush(Frames.close(1009, "Message too big"))
                    .addListener(io.netty.channel.ChannelFutureListener.CLOSE);
            return;
        }
        fragments.addComponent(true, content.retain());
        if (last) {
            String text = fragments.toString(java.nio.charset.StandardCharsets.UTF_8);
            fragments.release();
            fragments = null;
            onText(text);
        }
    }

    private void onText(String text) {
        if (connection == null || connection.isClosing()) {
            return;
        }
        connection.meters().messagesReceived().increment();
        connection.meters().bytesReceived().increment(text.length());
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
                default -> {
                    if (event.startsWith("client-")) {
                        clientEvents.handle(connection, message);
                    } else {
                        connection.sendError(PusherError.INVALID_MESSAGE, "Unsupported event received on socket " + event);
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
            log.atDebug().addKeyValue("app", connection.app().id()).addKeyValue("socket", connection.socketId())
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
            ctx.writeAndFlush(Frames.close(corrupted.closeStatus().code(), corrupted.closeStatus().reasonText()))
                    .addListener(io.netty.channel.ChannelFutureListener.CLOSE);
            return;
        } else if (cause instanceof TooLongFrameException || cause instanceof CorruptedFrameException) {
            log.debug("closing {}: {}", connection, cause.getMessage());
        } else if (cause instanceof java.io.IOException) {
            // the peer went away without a close handshake (reset, broken pipe): routine
            log.debug("connection {} lost: {}", connection, cause.toString());
        } else {
            log.warn("closing {} after an unexpected error", connection, cause);
        }
        ctx.close();
    }
}
