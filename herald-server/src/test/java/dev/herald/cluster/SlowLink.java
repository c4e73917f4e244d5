package dev.herald.cluster;

import dev.herald.testing.HeraldProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A TCP relay on loopback that delivers every byte, in order, a fixed time after it was sent, in
 * both directions: a Redis that is a network hop away (another zone, a busy link), for one node.
 */
final class SlowLink implements AutoCloseable {

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final long delayNanos;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    private record Chunk(long due, byte[] bytes) {}

    private SlowLink(ServerSocket server, InetSocketAddress target, Duration delay) {
        this.server = server;
        this.target = target;
        this.delayNanos = delay.toNanos();
    }

    /** Relays 127.0.0.1:(free port) to {@code targetPort} with {@code delay} each way. */
    static SlowLink start(int targetPort, Duration delay) {
        try {
            ServerSocket server =
                    new ServerSocket(0, 50, InetAddress.getByName(HeraldProcess.HOST));
            SlowLink link =
                    new SlowLink(
                            server, new InetSocketAddress(HeraldProcess.HOST, targetPort), delay);
            daemon("slow-link-accept", link::accept);
            return link;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String redisUrl() {
        return "redis://" + HeraldProcess.HOST + ":" + server.getLocalPort();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket();
                upstream.connect(target, 5_000);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(upstream);
                relay(client, upstream);
                relay(upstream, client);
            } catch (IOException e) {
                if (!closed) {
                    continue;
                }
                return;
            }
        }
    }

    /** One direction: a reader stamps each chunk with its due time, a writer delivers it then. */
    private void relay(Socket from, Socket to) {
        BlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
        daemon(
                "slow-link-read",
                () -> {
                    byte[] buffer = new byte[16 * 1024];
                    try (InputStream in = from.getInputStream()) {
                        int n;
                        while ((n = in.read(buffer)) >= 0) {
                            queue.add(
                                    new Chunk(
                                            System.nanoTime() + delayNanos,
                                            Arrays.copyOf(buffer, n)));
                        }
                    } catch (IOException e) {
                        // the connection ended
                    }
                    queue.add(new Chunk(System.nanoTime() + delayNanos, null));
                });
        daemon(
                "slow-link-write",
                () -> {
                    try (OutputStream out = to.getOutputStream()) {
                        while (true) {
                            Chunk chunk = queue.take();
                            long wait = chunk.due() - System.nanoTime();
                            if (wait > 0) {
                                TimeUnit.NANOSECONDS.sleep(wait); // the link's latency itself
                            }
                            if (chunk.bytes() == null) {
                                to.shutdownOutput();
                                return;
                            }
                            out.write(chunk.bytes());
                            out.flush();
                        }
                    } catch (IOException | InterruptedException e) {
                        // the connection ended
                    }
                });
    }

    private static void daemon(String name, Runnable task) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
