package dev.herald.bench.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A minimal HTTP/1.1 response reader for keep-alive publishing: status code, Content-Length or
 * chunked body, {@code Connection: close}. Bodies are skipped in place, except the first bytes of
 * an error body, which are kept for the report.
 */
final class ResponseDecoder extends ByteToMessageDecoder {
    interface Listener {
        void onResponse(int status, String errorBody, boolean close);

        void onInactive(ChannelHandlerContext ctx);

        void onError(Throwable cause);
    }

    private static final int HEAD = 0;
    private static final int BODY = 1;
    private static final int CHUNK_SIZE = 2;
    private static final int CHUNK_DATA = 3;
    private static final int TRAILER = 4;
    private static final int KEEP_BODY = 512;

    private final Listener listener;
    private int state = HEAD;
    private int status;
    private long remaining;
    private boolean close;
    private StringBuilder errorBody;

    ResponseDecoder(Listener listener) {
        this.listener = listener;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.isReadable()) {
            switch (state) {
                case HEAD:
                    if (!readHead(in)) {
                        return;
                    }
                    break;
                case BODY:
                    skipBody(in);
                    if (remaining == 0) {
                        complete();
                    }
                    break;
                case CHUNK_SIZE:
                    {
                        int eol = findCrlf(in);
                        if (eol < 0) {
                            return;
                        }
                        long size = 0;
                        for (int i = in.readerIndex(); i < eol; i++) {
                            int d = Character.digit((char) in.getByte(i), 16);
                            if (d < 0) {
                                break;
                            }
                            size = size * 16 + d;
                        }
                        in.readerIndex(eol + 2);
                        if (size == 0) {
                            state = TRAILER;
                        } else {
                            remaining = size;
                            state = CHUNK_DATA;
                        }
                        break;
                    }
                case CHUNK_DATA:
                    skipBody(in);
                    if (remaining == 0) {
                        if (in.readableBytes() < 2) {
                            return;
                        }
                        in.skipBytes(2);
                        state = CHUNK_SIZE;
                    }
                    break;
                case TRAILER:
                    {
                        int eol = findCrlf(in);
                        if (eol < 0) {
                            return;
                        }
                        boolean empty = eol == in.readerIndex();
                        in.readerIndex(eol + 2);
                        if (empty) {
                            complete();
                        }
                        break;
                    }
                default:
                    return;
            }
        }
    }

    private boolean readHead(ByteBuf in) {
        int start = in.readerIndex();
        int end = -1;
        for (int i = start; i + 3 < in.writerIndex(); i++) {
            if (in.getByte(i) == '\r'
                    && in.getByte(i + 1) == '\n'
                    && in.getByte(i + 2) == '\r'
                    && in.getByte(i + 3) == '\n') {
                end = i;
                break;
            }
        }
        if (end < 0) {
            if (in.readableBytes() > 65536) {
                throw new IllegalStateException("response head too large");
            }
            return false;
        }
        status =
                (in.getByte(start + 9) - '0') * 100
                        + (in.getByte(start + 10) - '0') * 10
                        + (in.getByte(start + 11) - '0');
        long length = 0;
        boolean chunked = false;
        close = false;
        int line = indexOfCrlf(in, start, end) + 2;
        while (line < end) {
            int eol = indexOfCrlf(in, line, end + 2);
            if (startsWithIgnoreCase(in, line, eol, "content-length:")) {
                length = parseLong(in, line + 15, eol);
            } else if (startsWithIgnoreCase(in, line, eol, "transfer-encoding:")) {
                chunked = containsIgnoreCase(in, line + 18, eol, "chunked");
            } else if (startsWithIgnoreCase(in, line, eol, "connection:")) {
                close = containsIgnoreCase(in, line + 11, eol, "close");
            }
            line = eol + 2;
        }
        in.readerIndex(end + 4);
        errorBody = status >= 300 ? new StringBuilder() : null;
        if (chunked) {
            state = CHUNK_SIZE;
        } else if (length > 0) {
            remaining = length;
            state = BODY;
        } else {
            complete();
        }
        return true;
    }

    private void skipBody(ByteBuf in) {
        int n = (int) Math.min(remaining, in.readableBytes());
        if (errorBody != null && errorBody.length() < KEEP_BODY) {
            errorBody.append(
                    in.toString(
                            in.readerIndex(),
                            Math.min(n, KEEP_BODY - errorBody.length()),
                            StandardCharsets.UTF_8));
        }
        in.skipBytes(n);
        remaining -= n;
    }

    private void complete() {
        state = HEAD;
        String body = errorBody == null ? null : errorBody.toString();
        errorBody = null;
        listener.onResponse(status, body, close);
    }

    private static int findCrlf(ByteBuf in) {
        return indexOfCrlf(in, in.readerIndex(), in.writerIndex());
    }

    private static int indexOfCrlf(ByteBuf in, int from, int to) {
        for (int i = from; i + 1 < to; i++) {
            if (in.getByte(i) == '\r' && in.getByte(i + 1) == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static boolean startsWithIgnoreCase(ByteBuf in, int from, int to, String prefix) {
        if (to - from < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (Character.toLowerCase((char) in.getByte(from + i)) != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean containsIgnoreCase(ByteBuf in, int from, int to, String word) {
        for (int i = from; i + word.length() <= to; i++) {
            if (startsWithIgnoreCase(in, i, to, word)) {
                return true;
            }
        }
        return false;
    }

    private static long parseLong(ByteBuf in, int from, int to) {
        long v = 0;
        for (int i = from; i < to; i++) {
            byte b = in.getByte(i);
            if (b >= '0' && b <= '9') {
                v = v * 10 + (b - '0');
            }
        }
        return v;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        listener.onInactive(ctx);
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        listener.onError(cause);
        ctx.close();
    }
}
