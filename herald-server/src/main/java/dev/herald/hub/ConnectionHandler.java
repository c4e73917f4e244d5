package dev.herald.hub;

import dev.herald.apps.App;
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
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Pusher session on one WebSocket connection: handshake outcome, message dispatch, liveness
 * and clean-up. One instance per connection, confined to its event loop. Subscriptions and client
 * events are handled by the shared {@link SubscribeHandler} and {@link ClientEventHandler}.
 */
public final class ConnectionHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ConnectionHandler.class);

    /** What the upgrade request asked for, checked before the session starts. */
    public record Request(String appKey, App app, String protocol, String client) {
    }

    private final SessionContext context;
    private final SubscribeHandler subscriptions;
    private final ClientEventHandler clientEvents;
    private final Request request;
    private Connection connection;

    public ConnectionHandler(SessionContext context, SubscribeHandler subscriptions, ClientEventHandler clientEvents,
            Request request) {
        this.context = context;
        this.subscriptions = subscriptions;
        this.clientEvents = clientEvents;
        this.request = request;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == WebSocketUpgrade.Upgraded.INSTANCE) {
            start(ctx);
        } else if (evt == ActivityHandler.PROBE) {
            if (connection != null && "js".equals(request.client())) {
                connection.send(Frames.ping());
            }
        } else if (evt == ActivityHandler.TIMED_OUT) {
            closeWith(ctx, PusherError.PONG_TIMEOUT, "Pong reply not received: no answer to ping in time");
        } else {
            super.userEventTriggered(ctx, evt);
        }
    }

    private void start(ChannelHandlerContext ctx) {
        if (request.app() == null) {
            closeWith(ctx, PusherError.APP_NOT_FOUND,
                    "App key " + request.appKey() + " not in this cluster. Did you forget to specify the cluster?");
            return;
        }
        String protocolProblem = protocolProblem(request.protocol());
        if (protocolProblem != null) {
            closeWith(ctx, PusherError.UNSUPPORTED_PROTOCOL, protocolProblem);
            return;
        }
        if (!request.app().enabled()) {
            closeWith(ctx, PusherError.APP_DISABLED, "Application " + request.app().id() + " is disabled");
            return;
        }
        int loop = context.hub().indexOf(ctx.channel().eventLoop());
        connection = new Connection(context.socketIds().next(), request.app(), ctx, loop, System.nanoTime());
        connection.send(Frames.connectionEstablished(connection.socketId(), context.activityTimeoutSeconds()));
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
        if (connection != null) {
            connection.close(error, message);
            return;
        }
        Connection refused = new Connection("0.0", placeholderApp(), ctx, 0, System.nanoTime());
        refused.close(error, message);
    }

    private App placeholderApp() {
        return request.app() != null ? request.app() : Placeholder.APP;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        WebSocketFrame frame = (WebSocketFrame) msg;
        try {
            if (frame instanceof TextWebSocketFrame text) {
                onText(text);
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

    private void onText(TextWebSocketFrame frame) {
        if (connection == null || connection.isClosing()) {
            return;
        }
        ClientMessage message;
        try {
            message = ClientMessage.parse(frame.text());
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
        if (connection != null) {
            subscriptions.unsubscribeAll(connection);
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException || cause instanceof CorruptedFrameException) {
            // the frame decoder has already answered with a close frame (1009 or 1002)
            log.debug("closing {}: {}", connection, cause.getMessage());
        } else {
            log.warn("closing {} after an unexpected error", connection, cause);
        }
        ctx.close();
    }

    /** Stands in for the app while refusing a connection whose key matched none. */
    private static final class Placeholder {
        static final App APP = new App("-", "-", "-", false, false, dev.herald.apps.AppLimits.defaults());
    }
}
