package dev.herald.transport;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.ContentLengthNotAllowedException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.InvalidChunkExtensionException;
import io.netty.handler.codec.http.InvalidLineSeparatorException;
import io.netty.handler.codec.http.TooLongHttpContentException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.TransferEncodingNotAllowedException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The last answer on an HTTP connection: a JSON error ({@code {"error":..., "status":...}}, the
 * API's error shape) with {@code Connection: close}, then the connection closes. Used when the
 * request could not be read (malformed, too large, too slow) or was a refused WebSocket handshake:
 * the connection cannot be trusted to carry another request.
 */
public final class HttpRefusal {

    /**
     * After the answer the write side closes at once (the client sees the answer end), but the
     * socket stays open this long before it is closed: closing it while the client is still sending
     * makes the kernel answer with a reset, which can destroy the answer before the client reads
     * it. Nothing more is read meanwhile, so a huge body costs no more than this wait.
     */
    static final long LINGER_MILLIS = 1000;

    private static final int QUOTE_LIMIT = 200;

    private HttpRefusal() {}

    /** Answers {@code status} with {@code message} and closes the connection. */
    public static void send(ChannelHandlerContext ctx, HttpResponseStatus status, String message) {
        write(ctx, response(status, message));
    }

    /**
     * As {@link #send(ChannelHandlerContext, HttpResponseStatus, String)}, with one more response
     * header ({@code headerName} may be {@code null}).
     */
    public static void send(
            ChannelHandlerContext ctx,
            HttpResponseStatus status,
            String message,
            CharSequence headerName,
            Object headerValue) {
        FullHttpResponse res = response(status, message);
        if (headerName != null) {
            res.headers().set(headerName, headerValue);
        }
        write(ctx, res);
    }

    /** The answer to a request the codec could not read: why, and the status that says so. */
    public static void undecodable(ChannelHandlerContext ctx, Throwable cause) {
        send(ctx, statusOf(cause), messageOf(cause));
    }

    static HttpResponseStatus statusOf(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return HttpResponseStatus.REQUEST_URI_TOO_LONG;
        } else if (cause instanceof TooLongHttpHeaderException) {
            return HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
        } else if (cause instanceof TooLongHttpContentException) {
            return HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE;
        }
        return HttpResponseStatus.BAD_REQUEST;
    }

    static String messageOf(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return "Request line too long: at most " + HttpLimits.MAX_REQUEST_LINE_BYTES + " bytes";
        } else if (cause instanceof TooLongHttpHeaderException) {
            return "Request header fields too large: at most "
                    + HttpLimits.MAX_HEADER_BYTES
                    + " bytes in all";
        } else if (cause instanceof TooLongHttpContentException) {
            return cause.getMessage();
        } else if (cause instanceof ContentLengthNotAllowedException) {
            return "Malformed HTTP request: Content-Length and Transfer-Encoding must not both be present";
        } else if (cause instanceof TransferEncodingNotAllowedException) {
            return "Malformed HTTP request: Transfer-Encoding is not allowed before HTTP/1.1";
        } else if (cause instanceof InvalidLineSeparatorException
                || cause instanceof InvalidChunkExtensionException) {
            return "Malformed HTTP request: every line must end with CR LF";
        }
        String why = String.valueOf(cause.getMessage());
        return "Malformed HTTP request: "
                + (why.length() > QUOTE_LIMIT ? why.substring(0, QUOTE_LIMIT) + "…" : why);
    }

    private static FullHttpResponse response(HttpResponseStatus status, String message) {
        StringBuilder json = new StringBuilder(message.length() + 32).append("{\"error\":\"");
        JsonStringEncoder.getInstance().quoteAsString(message, json);
        json.append("\",\"status\":").append(status.code()).append('}');
        ByteBuf body = Unpooled.copiedBuffer(json, StandardCharsets.UTF_8);
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return res;
    }

    private static void write(ChannelHandlerContext ctx, FullHttpResponse res) {
        Channel channel = ctx.channel();
        channel.config().setAutoRead(false);
        ctx.writeAndFlush(res)
                .addListener(
                        (ChannelFutureListener)
                                f -> {
                                    if (f.isSuccess() && channel instanceof DuplexChannel duplex) {
                                        duplex.shutdownOutput();
                                        channel.eventLoop()
                                                .schedule(
                                                        () -> channel.close(),
                                                        LINGER_MILLIS,
                                                        TimeUnit.MILLISECONDS);
                                    } else {
                                        channel.close();
                                    }
                                });
    }
}
