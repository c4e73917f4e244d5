package dev.herald.bench.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.bench.config.Target;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A filtered publisher sends to the wanted channels only, and nothing when none is wanted. */
class HttpPublisherFilterTest {
    /** A keep-alive HTTP server on loopback that answers 200 {} and keeps each request body. */
    private static final class Recorder implements AutoCloseable {
        final ServerSocket server;
        final List<String> bodies = new CopyOnWriteArrayList<>();
        final Thread thread;

        Recorder() throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            thread = new Thread(this::serve, "recorder");
            thread.setDaemon(true);
            thread.start();
        }

        private void serve() {
            try (Socket s = server.accept()) {
                InputStream in = new BufferedInputStream(s.getInputStream());
                OutputStream out = s.getOutputStream();
                while (true) {
                    int length = -1;
                    String line;
                    while (!(line = readLine(in)).isEmpty()) {
                        String l = line.toLowerCase(Locale.ROOT);
                        if (l.startsWith("content-length:")) {
                            length = Integer.parseInt(l.substring(15).trim());
                        }
                    }
                    byte[] body = in.readNBytes(length);
                    bodies.add(new String(body, StandardCharsets.UTF_8));
                    out.write(
                            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"
                                    .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            } catch (IOException | RuntimeException e) {
                // closed by the test
            }
        }

        private static String readLine(InputStream in) throws IOException {
            StringBuilder sb = new StringBuilder();
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) {
                    throw new IOException("closed");
                }
                if (c != '\r') {
                    sb.append((char) c);
                }
            }
            return sb.toString();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    private static HttpPublisher publisher(int port, Set<Integer> wanted) {
        List<String> names = List.of("c0", "c1", "c2", "c3", "c4");
        return new HttpPublisher(
                new HttpPublisher.Settings(
                        "127.0.0.1",
                        port,
                        "app",
                        "key",
                        "secret",
                        1,
                        1,
                        "nio",
                        40,
                        "bench-marker",
                        PublishTargets.batched(names, new int[] {1, 1, 1, 1, 1}),
                        false,
                        Target.PUSHER,
                        "/pub/",
                        wanted::contains));
    }

    @Test
    void sendsOnlyTheWantedChannelsOfATarget() throws Exception {
        try (Recorder r = new Recorder()) {
            HttpPublisher p = publisher(r.server.getLocalPort(), Set.of(1, 3));
            try {
                p.connect();
                p.run(50, TimeUnit.MILLISECONDS.toNanos(200));
                assertThat(p.awaitIdle(TimeUnit.SECONDS.toNanos(10))).isTrue();
                Thread.sleep(100);
                assertThat(r.bodies).hasSizeBetween(5, 11);
                for (String b : r.bodies) {
                    assertThat(b)
                            .startsWith("{\"name\":\"bench-marker\",\"channels\":[\"c1\",\"c3\"],");
                }
                // a filtered publisher expects nothing: its channels' subscribers are not all meant
                assertThat(p.expectedSoFar()).isZero();
            } finally {
                p.close();
            }
        }
    }

    @Test
    void sendsNothingWhenNoChannelIsWanted() throws Exception {
        try (Recorder r = new Recorder()) {
            HttpPublisher p = publisher(r.server.getLocalPort(), Set.of());
            try {
                p.connect();
                p.run(200, TimeUnit.MILLISECONDS.toNanos(200));
                assertThat(p.awaitIdle(TimeUnit.SECONDS.toNanos(10))).isTrue();
                Thread.sleep(100);
                assertThat(r.bodies).isEmpty();
                assertThat(p.snapshot().sent()).isZero();
            } finally {
                p.close();
            }
        }
    }
}
