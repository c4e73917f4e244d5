package dev.herald.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on 127.0.0.1 in front of a server, for outages a client cannot tell from a real
 * network's: {@link #cut()} drops every connection through it at once and refuses new ones (each is
 * accepted and reset) until {@link #restore()}; {@link #upstream(int)} sends later connections to
 * another server; {@link #throttle(int)} slows what servers send. It reads the WebSocket traffic it
 * carries (unmasking the client's frames), so a test can see every text message each side sent, in
 * order, per connection.
 */
public final class CuttableProxy implements AutoCloseable {

    private static final int CONNECT_TIMEOUT_MS = 5_000;

    private final ServerSocket listener;
    private final List<Link> links = new CopyOnWriteArrayList<>();
    private volatile int upstreamPort;
    private volatile int downstreamBytesPerSecond;
    private volatile boolean closed;
    private boolean open = true; // guarded by this
    private final AtomicInteger refused = new AtomicInteger();

    private CuttableProxy(int upstreamPort) throws IOException {
        this.upstreamPort = upstreamPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getByName(HeraldProcess.HOST));
        Thread acceptor = new Thread(this::accept, "proxy-accept-" + listener.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A proxy to {@code upstreamPort} on 127.0.0.1, accepting connections. */
    public static CuttableProxy to(int upstreamPort) {
        try {
            return new CuttableProxy(upstreamPort);
        } catch (IOException e) {
            throw new IllegalStateException("could not open the proxy's port", e);
        }
    }

    /** The port clients connect to. */
    public int port() {
        return listener.getLocalPort();
    }

    /** Later connections go to this port of 127.0.0.1; open ones stay where they are. */
    public void upstream(int port) {
        upstreamPort = port;
    }

    /**
     * Passes what servers send to clients at no more than this rate, on every connection (0: as
     * fast as it comes), so that a test can act in the middle of a long stream.
     */
    public void throttle(int bytesPerSecond) {
        downstreamBytesPerSecond = bytesPerSecond;
    }

    /** Drops every open connection (both sides) and refuses new ones until {@link #restore()}. */
    public void cut() {
        List<Link> open;
        synchronized (this) {
            this.open = false;
            open = List.copyOf(links);
        }
        open.forEach(Link::drop);
    }

    /** Accepts connections again. */
    public synchronized void restore() {
        open = true;
    }

    /** Connections refused (reset as accepted) while cut, so far. */
    public int refused() {
        return refused.get();
    }

    /** Every connection passed through so far (not the refused ones), oldest first. */
    public List<Link> links() {
        return List.copyOf(links);
    }

    private void accept() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (!isOpen()) {
                refused.incrementAndGet();
                reset(client);
                continue;
            }
            Socket server = new Socket();
            try {
                server.connect(
                        new InetSocketAddress(HeraldProcess.HOST, upstreamPort),
                        CONNECT_TIMEOUT_MS);
            } catch (IOException e) {
                reset(client);
                closeQuietly(server);
                continue;
            }
            Link link = new Link(this, client, server);
            synchronized (this) {
                if (!open) {
                    // cut while this one was being connected: it must not outlive the cut
                    link.drop();
                    continue;
                }
                links.add(link);
            }
            link.start();
        }
    }

    private synchronized boolean isOpen() {
        return open;
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(listener);
        links.forEach(Link::drop);
    }

    private static void reset(Socket socket) {
        try {
            socket.setSoLinger(true, 0); // an RST, as a dead middlebox or host would answer
        } catch (SocketException e) {
            // closed already
        }
        closeQuietly(socket);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // nothing left to do
        }
    }

    /** One client connection and its upstream connection. */
    public static final class Link {
        private static final int SLICE = 512;
        private final CuttableProxy proxy;
        private final Socket client;
        private final Socket server;
        private final int upstreamPort;
        private final WebSocketTap fromClient = new WebSocketTap();
        private final WebSocketTap fromServer = new WebSocketTap();

        private Link(CuttableProxy proxy, Socket client, Socket server) {
            this.proxy = proxy;
            this.client = client;
            this.server = server;
            this.upstreamPort = server.getPort();
        }

        private void start() {
            pump(client, server, fromClient, false, "proxy-up-" + client.getPort());
            pump(server, client, fromServer, true, "proxy-down-" + client.getPort());
        }

        private void pump(
                Socket from, Socket to, WebSocketTap tap, boolean downstream, String name) {
            Thread thread =
                    new Thread(
                            () -> {
                                byte[] buffer = new byte[16 * 1024];
                                try (InputStream in = from.getInputStream();
                                        OutputStream out = to.getOutputStream()) {
                                    int read;
                                    while ((read = in.read(buffer)) >= 0) {
                                        int rate = downstream ? proxy.downstreamBytesPerSecond : 0;
                                        for (int at = 0; at < read; ) {
                                            int length =
                                                    rate > 0 ? Math.min(SLICE, read - at) : read;
                                            if (rate > 0) {
                                                Thread.sleep(Math.max(1, length * 1000L / rate));
                                            }
                                            tap.feed(buffer, at, length);
                                            out.write(buffer, at, length);
                                            out.flush();
                                            at += length;
                                        }
                                    }
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                } catch (IOException e) {
                                    // one side went away: the other goes too
                                }
                                drop();
                            },
                            name);
            thread.setDaemon(true);
            thread.start();
        }

        private void drop() {
            reset(client);
            reset(server);
        }

        /** The port of the server this connection went to. */
        public int upstreamPort() {
            return upstreamPort;
        }

        /** The text messages the client sent, in order. */
        public List<String> clientMessages() {
            return fromClient.messages();
        }

        /** The text messages the server sent, in order. */
        public List<String> serverMessages() {
            return fromServer.messages();
        }
    }

    /**
     * Reads the text messages out of one direction of a WebSocket connection: the HTTP upgrade
     * header first, then RFC 6455 frames (masked or not; fragments joined; control frames skipped).
     */
    static final class WebSocketTap {
        private final List<String> messages = new CopyOnWriteArrayList<>();
        private final ByteArrayOutputStream fragments = new ByteArrayOutputStream();
        private byte[] pending = new byte[0];
        private boolean upgraded;

        synchronized void feed(byte[] bytes, int offset, int length) {
            byte[] joined = new byte[pending.length + length];
            System.arraycopy(pending, 0, joined, 0, pending.length);
            System.arraycopy(bytes, offset, joined, pending.length, length);
            int at = 0;
            if (!upgraded) {
                int end = headerEnd(joined);
                if (end < 0) {
                    pending = joined;
                    return;
                }
                upgraded = true;
                at = end;
            }
            while (true) {
                int used = frame(joined, at);
                if (used == 0) {
                    break;
                }
                at += used;
            }
            pending = java.util.Arrays.copyOfRange(joined, at, joined.length);
        }

        /** Reads one whole frame at {@code at}; returns its length, or 0 if it is not all there. */
        private int frame(byte[] bytes, int at) {
            int available = bytes.length - at;
            if (available < 2) {
                return 0;
            }
            boolean fin = (bytes[at] & 0x80) != 0;
            int opcode = bytes[at] & 0x0F;
            boolean masked = (bytes[at + 1] & 0x80) != 0;
            long length = bytes[at + 1] & 0x7F;
            int header = 2;
            if (length == 126) {
                if (available < 4) {
                    return 0;
                }
                length = ((bytes[at + 2] & 0xFF) << 8) | (bytes[at + 3] & 0xFF);
                header = 4;
            } else if (length == 127) {
                if (available < 10) {
                    return 0;
                }
                length = 0;
                for (int i = 0; i < 8; i++) {
                    length = (length << 8) | (bytes[at + 2 + i] & 0xFF);
                }
                header = 10;
            }
            int maskAt = at + header;
            if (masked) {
                header += 4;
            }
            if (available < header + length) {
                return 0;
            }
            int payloadAt = at + header;
            byte[] payload = new byte[(int) length];
            for (int i = 0; i < length; i++) {
                byte b = bytes[payloadAt + i];
                payload[i] = masked ? (byte) (b ^ bytes[maskAt + (i & 3)]) : b;
            }
            if (opcode == 1 || opcode == 0) {
                fragments.writeBytes(payload);
                if (fin) {
                    messages.add(fragments.toString(StandardCharsets.UTF_8));
                    fragments.reset();
                }
            }
            return header + (int) length;
        }

        private static int headerEnd(byte[] bytes) {
            for (int i = 3; i < bytes.length; i++) {
                if (bytes[i - 3] == '\r'
                        && bytes[i - 2] == '\n'
                        && bytes[i - 1] == '\r'
                        && bytes[i] == '\n') {
                    return i + 1;
                }
            }
            return -1;
        }

        List<String> messages() {
            return new ArrayList<>(messages);
        }
    }
}
