package dev.herald.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;

/**
 * The tests' one WebSocket client implementation, written by hand on a {@link Socket}: it does the
 * HTTP upgrade itself and reads frames one by one, so a test sees the server's WS ping frames and
 * can choose not to answer them, send what no library would, or stop reading. {@link RawWebSocket}
 * is the Pusher-message layer on top of it.
 */
public final class RawFrameSocket implements AutoCloseable {

    public static final int CONTINUATION = 0x0;
    public static final int TEXT = 0x1;
    public static final int BINARY = 0x2;
    public static final int CLOSE = 0x8;
    public static final int PING = 0x9;
    public static final int PONG = 0xA;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    /** One frame as received; {@code fin} is false for every fragment of a message but the last. */
    public record Frame(int opcode, byte[] payload, boolean fin) {
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /** The status code of a close frame, or -1 when it has none. */
        public int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : -1;
        }

        @Override
        public String toString() {
            return switch (opcode) {
                case TEXT -> "text " + text();
                case CLOSE -> "close " + closeCode();
                case PING -> "ping";
                case PONG -> "pong";
                default -> "opcode " + opcode;
            };
        }
    }

    private RawFrameSocket(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        this.out = socket.getOutputStream();
    }

    /** Connects and performs the opening handshake; fails unless the server answers 101. */
    public static RawFrameSocket connect(URI ws, int readTimeoutMillis) {
        return connect(ws, readTimeoutMillis, 0);
    }

    /**
     * Like {@link #connect(URI, int)}, with the socket's receive buffer set to {@code
     * receiveBufferBytes} before connecting (0 = the system's default), so that a client that stops
     * reading makes the server's side fill up sooner.
     */
    public static RawFrameSocket connect(URI ws, int readTimeoutMillis, int receiveBufferBytes) {
        return connect(ws, readTimeoutMillis, receiveBufferBytes, Map.of());
    }

    /**
     * Like {@link #connect(URI, int, int)}, with extra handshake headers (such as {@code Origin}).
     */
    public static RawFrameSocket connect(
            URI ws, int readTimeoutMillis, int receiveBufferBytes, Map<String, String> headers) {
        try {
            Socket socket = new Socket();
            if (receiveBufferBytes > 0) {
                socket.setReceiveBufferSize(receiveBufferBytes);
            }
            socket.connect(new InetSocketAddress(ws.getHost(), ws.getPort()), readTimeoutMillis);
            socket.setSoTimeout(readTimeoutMillis);
            RawFrameSocket raw = new RawFrameSocket(socket);
            raw.handshake(ws, headers);
            return raw;
        } catch (IOException e) {
            throw new UncheckedIOException("could not connect to " + ws, e);
        }
    }

    private void handshake(URI ws, Map<String, String> headers) throws IOException {
        byte[] nonce = new byte[16];
        RANDOM.nextBytes(nonce);
        String target = ws.getRawPath() + (ws.getRawQuery() == null ? "" : "?" + ws.getRawQuery());
        StringBuilder request =
                new StringBuilder(
                        "GET "
                                + target
                                + " HTTP/1.1\r\n"
                                + "Host: "
                                + ws.getHost()
                                + ":"
                                + ws.getPort()
                                + "\r\n"
                                + "Upgrade: websocket\r\n"
                                + "Connection: Upgrade\r\n"
                                + "Sec-WebSocket-Key: "
                                + Base64.getEncoder().encodeToString(nonce)
                                + "\r\n"
                                + "Sec-WebSocket-Version: 13\r\n");
        headers.forEach(
                (name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
        request.append("\r\n");
        out.write(request.toString().getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String status = readLine(in);
        if (!status.startsWith("HTTP/1.1 101")) {
            throw new IOException("upgrade refused: " + status);
        }
        while (!readLine(in).isEmpty()) {
            // skip the response headers
        }
    }

    /** Reads the next frame; a read timeout surfaces as {@link java.net.SocketTimeoutException}. */
    public Frame readFrame() throws IOException {
        int first = in.readUnsignedByte();
        int second = in.readUnsignedByte();
        long length = second & 0x7F;
        if (length == 126) {
            length = in.readUnsignedShort();
        } else if (length == 127) {
            length = in.readLong();
        }
        byte[] mask = null;
        if ((second & 0x80) != 0) {
            mask = new byte[4];
            in.readFully(mask);
        }
        byte[] payload = new byte[Math.toIntExact(length)];
        in.readFully(payload);
        if (mask != null) {
            for (int i = 0; i < payload.length; i++) {
                payload[i] ^= mask[i % 4];
            }
        }
        return new Frame(first & 0x0F, payload, (first & 0x80) != 0);
    }

    public void sendText(String text) throws IOException {
        send(TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends one final, masked frame (clients must mask, RFC 6455 section 5.3). */
    public void send(int opcode, byte[] payload) throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(0x80 | opcode);
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else if (payload.length < 65536) {
            frame.write(0x80 | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length & 0xFF);
        } else {
            frame.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame.write((int) ((long) payload.length >>> shift) & 0xFF);
            }
        }
        byte[] mask = new byte[4];
        RANDOM.nextBytes(mask);
        frame.write(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i % 4]);
        }
        synchronized (out) {
            out.write(frame.toByteArray());
            out.flush();
        }
    }

    /** How long a read may block before {@link java.net.SocketTimeoutException}; 0 is for ever. */
    void readTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    /** Drops the TCP connection, without a close frame. */
    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a test socket
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                int end = line.length();
                return end > 0 && line.charAt(end - 1) == '\r'
                        ? line.substring(0, end - 1)
                        : line.toString();
            }
            line.append((char) c);
        }
        throw new EOFException("connection closed during the handshake");
    }
}
