package dev.herald.bench.soak;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.herald.bench.config.BenchConfig;
import dev.herald.bench.config.BenchOptions;
import dev.herald.bench.config.Scenario;
import dev.herald.bench.run.Coordinator;
import dev.herald.testing.HeraldProcess;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The soak's smoke run in CI: the packaged server, started by {@code bin/herald} (its JVM
 * settings), under two minutes of churn with fan-out beside it. Nothing may go wrong on the wire,
 * and what the load took must come back: every socket closed, and the live heap after a full GC
 * within {@link #HEAP_BOUND} of where it was before the run.
 */
class ChurnSmokeIT {
    /**
     * How far the live heap may end above its start. 2 minutes of churn open about 2,400
     * connections: a leak of 500 bytes for each would pass 1 MiB. The start is taken after a short
     * churn run, so what the server allocates once on first use (code paths, caches) is in it.
     */
    static final long HEAP_BOUND = 1L << 20;

    /**
     * Open files may differ by a few at the end (a log file rolled, a lazily opened descriptor).
     */
    static final long FILES_BOUND = 5;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir = Path.of("target", "churn-smoke");
    private HeraldProcess server;

    @BeforeEach
    void startServer() {
        Path launcher =
                Path.of(System.getProperty("herald.launcher", "../herald-server/bin/herald"));
        // bin/herald execs java: the process started is the server's own, its pid the one sampled
        server =
                HeraldProcess.options("churn-smoke")
                        .script(launcher)
                        .env("HERALD_METRICS_PORT", "-1")
                        .probe(HeraldProcess.Probe.READY)
                        .readyTimeout(Duration.ofSeconds(60))
                        .log(dir.resolve("server.log"))
                        .start();
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void twoMinutesOfChurnEndWithNoErrorsNoOpenSocketsAndTheHeapWhereItStarted() throws Exception {
        // first use: not measured, but it must be clean too
        JsonNode warm = churn(Duration.ofSeconds(5), null, "warm");
        assertThat(warm.path("measure").path("errors").path("total").asLong(-1)).isZero();

        JsonNode run = churn(Duration.ofMinutes(2), Duration.ofSeconds(15), "run");
        JsonNode m = run.path("measure");
        assertThat(run.path("errors").size()).as("error kinds: %s", run.path("errors")).isZero();
        assertThat(m.path("errors").path("total").asLong(-1))
                .as("errors: %s", m.path("errors"))
                .isZero();
        assertThat(m.path("open_at_end").asLong(-1)).isZero();
        // the load really ran: connections cycled, publications and client events arrived
        assertThat(m.path("cycles").asLong()).isGreaterThan(1000);
        assertThat(m.path("published").asLong()).isGreaterThan(1000);
        assertThat(m.path("deliveries").asLong()).isGreaterThan(1000);
        assertThat(m.path("client_events_received").asLong()).isGreaterThan(1000);

        JsonNode soak = run.path("soak");
        JsonNode start = soak.path("start");
        JsonNode end = soak.path("end");
        assertThat(end.path("open_files").asLong())
                .as("server open files at the end (start %d)", start.path("open_files").asLong())
                .isBetween(0L, start.path("open_files").asLong() + FILES_BOUND);
        assertThat(end.path("live_heap_bytes").asLong() - start.path("live_heap_bytes").asLong())
                .as(
                        "live heap growth over the run (start %,d bytes, end %,d)",
                        start.path("live_heap_bytes").asLong(),
                        end.path("live_heap_bytes").asLong())
                .isLessThanOrEqualTo(HEAP_BOUND);
    }

    private JsonNode churn(Duration duration, Duration sampleEvery, String name) throws Exception {
        BenchOptions o = new BenchOptions();
        o.port = server.port();
        o.duration = duration;
        o.warmup = Duration.ofSeconds(30);
        o.serverPid = server.pid();
        o.sampleEvery = sampleEvery;
        o.quiet = true;
        o.out = dir.resolve(name + ".json").toString();
        try (PrintStream log =
                new PrintStream(
                        Files.newOutputStream(dir.resolve(name + ".txt")),
                        true,
                        StandardCharsets.UTF_8)) {
            new Coordinator(BenchConfig.resolve(Scenario.CHURN, o), log).run();
        }
        return JSON.readTree(dir.resolve(name + ".json").toFile());
    }
}
