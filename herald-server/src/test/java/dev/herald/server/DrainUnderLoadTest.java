package dev.herald.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.herald.testing.Json;
import dev.herald.testing.RawWebSocket;
import io.netty.util.concurrent.EventExecutor;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A node that stops while an event loop is behind (a backlog of tasks, as under heavy delivery
 * load) still tells every client 4200; one that stops while a loop is stuck tells the other loops'
 * clients and still ends. Either way {@link HeraldServer#close()} ends within the bound its javadoc
 * gives.
 */
@DisplayName("a draining node tells every client 4200 even when an event loop is behind")
class DrainUnderLoadTest {

    /**
     * Clients; new connections alternate between the two loops (the listener took loop 0), so half
     * of them are on loop 1, the one kept busy.
     */
    private static final int CLIENTS = 10;

    /** What the old drain waited after the grace before it shut the loops down. */
    private static final long OLD_MARGIN_MILLIS = 2_500;

    private HeraldServer server;
    private final List<RawWebSocket> clients = new ArrayList<>();
    private final CountDownLatch unstick = new CountDownLatch(1);

    @AfterEach
    void stop() {
        unstick.countDown();
        clients.forEach(RawWebSocket::close);
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aLoopThatGetsToTheDrainLateStillEndsItsSpreadWithTheGrace() throws Exception {
        // behind past the grace, not past the grace and the old margin: a spread that started
        // when the loop got to it ran 0.8 s past the grace, past that margin
        Duration grace = Duration.ofSeconds(1);
        Duration busy = Duration.ofMillis(3_200);
        drainsWithLoop1Busy(grace, busy);
    }

    @Test
    void aLoopBehindPastTheGraceAndTheOldMarginStillTellsItsClients() throws Exception {
        // behind past the grace and the old margin, within the wait for a late loop
        Duration grace = Duration.ofMillis(500);
        Duration busy = grace.plusMillis((OLD_MARGIN_MILLIS + HeraldServer.LATE_LOOP_MILLIS) / 2);
        assertThat(busy).isGreaterThan(grace.plusMillis(OLD_MARGIN_MILLIS));
        drainsWithLoop1Busy(grace, busy);
    }

    @Test
    void aStuckLoopDoesNotHoldTheStopOrTheOtherLoopsClients() throws Exception {
        Duration grace = Duration.ofMillis(500);
        start(grace);
        CountDownLatch stuck = new CountDownLatch(1);
        server.eventLoops()
                .get(1)
                .execute(
                        () -> {
                            stuck.countDown();
                            try {
                                unstick.await();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        });
        assertThat(stuck.await(5, TimeUnit.SECONDS)).isTrue();

        Duration took = timedClose(grace);

        assertThat(took)
                .as("the late loop was waited for")
                .isGreaterThan(grace.plusMillis(HeraldServer.LATE_LOOP_MILLIS - 100));
        // loop 0's clients were told and are gone; loop 1's still wait for their loop
        List<RawWebSocket> gone = clients.stream().filter(RawWebSocket::isClosed).toList();
        assertThat(gone).hasSize(CLIENTS / 2);
        assertThat(toldBy(gone)).containsOnly("4200/4200");
    }

    /** Every client is told 4200 although loop 1 is busy for {@code busy} as the drain starts. */
    private void drainsWithLoop1Busy(Duration grace, Duration busy) throws Exception {
        start(grace);

        keepLoop1Busy(busy);
        Duration took = timedClose(grace);

        assertThat(toldByEachClient()).containsOnly("4200/4200");
        assertThat(took)
                .as("close() waited for the busy loop")
                .isGreaterThan(busy.minusMillis(100));
    }

    private void start(Duration grace) throws InterruptedException {
        server =
                Commands.server(
                        "--metrics-port",
                        "-1",
                        "--event-loop-threads",
                        "2",
                        "--shutdown-grace",
                        Double.toString(grace.toMillis() / 1000.0),
                        // the warm-up's listener would take loop 0 and move the clients' placement
                        "--warm-up=false");
        server.start();
        URI uri = URI.create("ws://127.0.0.1:" + server.port() + "/app/app-key?protocol=7");
        for (int i = 0; i < CLIENTS; i++) {
            RawWebSocket ws = RawWebSocket.open(uri);
            clients.add(ws);
            ws.awaitConnectionEstablished();
        }
    }

    /**
     * Queues on loop 1 a backlog of short tasks that lasts {@code busy} from now, as deliveries
     * leave it: the loop turns to its I/O between batches of them (and so, once shutting down,
     * closes its channels before it runs what is queued behind).
     */
    private void keepLoop1Busy(Duration busy) throws InterruptedException {
        CountDownLatch started = new CountDownLatch(1);
        EventExecutor loop = server.eventLoops().get(1);
        long begin = System.nanoTime();
        int slices = (int) busy.toMillis();
        for (int i = 1; i <= slices; i++) {
            long until = begin + busy.toNanos() / slices * i;
            loop.execute(
                    () -> {
                        started.countDown();
                        while (until - System.nanoTime() > 0) {
                            LockSupport.parkNanos(until - System.nanoTime());
                        }
                    });
        }
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
    }

    /**
     * Closes the node on another thread; fails unless close() ends within the javadoc's bound (the
     * listener's loop, 0, is not the busy one; there is no ops port and no webhook).
     */
    private Duration timedClose(Duration grace) throws Exception {
        Duration bound =
                grace.plusMillis(
                        HeraldServer.LATE_LOOP_MILLIS
                                + HeraldServer.DRAIN_MARGIN_MILLIS
                                + HeraldServer.LOOP_WAIT_MILLIS);
        long start = System.nanoTime();
        CompletableFuture<Void> closed = CompletableFuture.runAsync(server::close);
        try {
            closed.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("close() did not end within " + bound, e);
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private List<String> toldByEachClient() {
        return toldBy(clients);
    }

    /**
     * What each client was told: its {@code pusher:error} codes and its close code, or "cut" when
     * the connection ended without a close frame.
     */
    private static List<String> toldBy(List<RawWebSocket> sockets) {
        List<String> told = new ArrayList<>();
        for (RawWebSocket ws : sockets) {
            String close;
            try {
                close = Integer.toString(ws.awaitClose().code());
            } catch (AssertionError e) {
                close = "cut";
            }
            // the reader keeps every frame before it ends: all are there now
            List<String> errors = new ArrayList<>();
            for (JsonNode frame : ws.drain()) {
                if (frame.path("event").asText().equals("pusher:error")) {
                    errors.add(Json.data(frame).path("code").asText());
                }
            }
            told.add(String.join(",", errors) + "/" + close);
        }
        return told;
    }
}
