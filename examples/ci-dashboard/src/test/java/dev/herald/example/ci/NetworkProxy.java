package dev.herald.example.ci;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The network between the browser and Herald: a TCP proxy on a free loopback port. {@link #cut()}
 * resets every connection through it and, until {@link #restore()}, holds each new one unanswered,
 * as a network that is down would; a restore puts the held ones through, so the browser's pending
 * reconnection goes on at once instead of after pusher-js's next retry.
 */
final class NetworkProxy implements AutoCloseable {
    private static final String HOST = "127.0.0.1";

    private final ServerSocket server;
    private final int upstreamPort;
    private final Set<Socket> open = new HashSet<>();
    private final List<Socket> held = new ArrayList<>();
    private final AtomicInteger heldSinceCut = new AtomicInteger();
    private boolean down;

    NetworkProxy(int upstreamPort) throws IOException {
        this.upstreamPort = upstreamPort;
        this.server = new ServerSocket(0, 50, InetAddress.getByName(HOST));
        Thread acceptor = new Thread(this::acceptAll, "network-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Connections that came while the network was down, since the last {@link #cut()}. */
    int held() {
        return heldSinceCut.get();
    }

    synchronized void cut() {
        down = true;
        heldSinceCut.set(0);
        open.forEach(NetworkProxy::reset);
        open.clear();
    }

    void restore() {
        List<Socket> waiting;
        synchronized (this) {
            down = false;
            waiting = new ArrayList<>(held);
            held.clear();
        }
        waiting.forEach(this::connect);
    }

    @Override
    public void close() throws IOException {
        server.close();
        cut();
        synchronized (this) {
            held.forEach(NetworkProxy::reset);
            held.clear();
        }
    }

    private void acceptAll() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            synchronized (this) {
                if (down) {
                    held.add(client);
                    heldSinceCut.incrementAndGet();
                    continue;
                }
            }
            connect(client);
        }
    }

    private void connect(Socket client) {
        Socket upstream;
        try {
            upstream = new Socket(HOST, upstreamPort);
            upstream.setTcpNoDelay(true);
            client.setTcpNoDelay(true);
        } catch (IOException e) {
            reset(client); // Herald is down: the browser sees its connection refused
            return;
        }
        // under the lock cut() takes: no pair slips past a cut
        synchronized (this) {
            if (down) {
                reset(upstream);
                reset(client);
                return;
            }
            open.add(client);
            open.add(upstream);
        }
        pump(client, upstream);
        pump(upstream, client);
    }

    private void pump(Socket from, Socket to) {
        Thread t =
                new Thread(
                        () -> {
                            byte[] buffer = new byte[16 * 1024];
                            try {
                                InputStream in = from.getInputStream();
                                OutputStream out = to.getOutputStream();
                                for (int n; (n = in.read(buffer)) >= 0; ) {
                                    out.write(buffer, 0, n);
                                    out.flush();
                                }
                            } catch (IOException e) {
                                // one side gone: both go below
                            } finally {
                                synchronized (this) {
                                    open.remove(from);
                                    open.remove(to);
                                }
                                reset(from);
                                reset(to);
                            }
                        },
                        "network-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void reset(Socket socket) {
        if (socket.isClosed()) {
            return;
        }
        try {
            socket.setSoLinger(true, 0); // RST: the peer sees the connection lost at once
            socket.close();
        } catch (IOException e) {
            // closed meanwhile by the other pump: gone either way
        }
    }
}
