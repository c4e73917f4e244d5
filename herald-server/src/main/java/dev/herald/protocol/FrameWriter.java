package dev.herald.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * Writes JSON straight into a buffer that leaves room for the WebSocket frame header, then fills
 * the header in once the length is known. The result is a complete unmasked text frame (RFC 6455
 * §5.2), so one buffer serves every recipient without a second pass through a frame encoder.
 */
final class FrameWriter implements AutoCloseable {

    static final JsonFactory JSON = new JsonFactory();
    private static final int MAX_HEADER = 10;

    private final ByteBuf buf;
    private final JsonGenerator gen;
    private boolean finished;

    FrameWriter(ByteBufAllocator alloc, int sizeHint) {
        buf = alloc.buffer(MAX_HEADER + sizeHint);
        buf.writerIndex(MAX_HEADER);
        try {
            gen = JSON.createGenerator((OutputStream) new ByteBufOutputStream(buf));
        } catch (IOException e) {
            buf.release();
            throw new UncheckedIOException(e);
        }
    }

    JsonGenerator json() {
        return gen;
    }

    /** Finishes the JSON and returns the frame; the caller owns it. */
    ByteBuf finish() {
        try {
            gen.close();
        } catch (IOException e) {
            buf.release();
            throw new UncheckedIOException(e);
        }
        int length = buf.writerIndex() - MAX_HEADER;
        int start = MAX_HEADER - headerSize(length);
        writeHeader(buf, start, 0x81, length);
        buf.readerIndex(start);
        finished = true;
        return buf;
    }

    @Override
    public void close() {
        // finish() hands the buffer on; close() only releases it when writing failed half-way
        if (!finished) {
            buf.release();
        }
    }

    static int headerSize(int length) {
        return length <= 125 ? 2 : length <= 0xFFFF ? 4 : 10;
    }

    static void writeHeader(ByteBuf buf, int at, int firstByte, int length) {
        buf.setByte(at, firstByte);
        if (length <= 125) {
            buf.setByte(at + 1, length);
        } else if (length <= 0xFFFF) {
            buf.setByte(at + 1, 126);
            buf.setShort(at + 2, length);
        } else {
            buf.setByte(at + 1, 127);
            buf.setLong(at + 2, length);
        }
    }
}
