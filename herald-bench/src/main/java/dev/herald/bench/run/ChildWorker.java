package dev.herald.bench.run;

import com.fasterxml.jackson.databind.JsonNode;
import dev.herald.bench.config.FleetConfig;
import dev.herald.bench.stats.Counter;
import dev.herald.bench.stats.Histograms;
import dev.herald.bench.stats.Snapshot;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * A share of the connections in a child JVM running the same jar ({@code Main child}). Its
 * snapshots arrive every 100 ms; interval histograms are summed here until the sampler takes them.
 */
final class ChildWorker implements Worker {
    private final Process process;
    private final OutputStream stdin;
    private final Thread reader;
    private final CountDownLatch hello = new CountDownLatch(1);
    private final CountDownLatch bye = new CountDownLatch(1);
    private long[] counters = new long[Counter.COUNT];
    private Histogram latency = Histograms.create();
    private Histogram setup = Histograms.create();
    private long firstConnect = Long.MAX_VALUE;
    private long lastEstablished;
    private long lastReady;
    private Histogram back;
    private Histogram resubscribed;
    private long lastBack;
    private Map<String, Long> errors = new LinkedHashMap<>();
    private volatile String transport = "?";
    private volatile BitSet waiting = new BitSet();
    private volatile long pid = -1;

    ChildWorker(FleetConfig cfg, String jvmOpts, int index) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (jvmOpts != null && !jvmOpts.isBlank()) {
            cmd.addAll(List.of(jvmOpts.trim().split("\\s+")));
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.herald.bench.Main");
        cmd.add("child");
        process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        stdin = process.getOutputStream();
        send(ChildProtocol.JSON.writeValueAsString(cfg));
        reader = new Thread(this::readLoop, "bench-child-" + index);
        reader.setDaemon(true);
        reader.start();
    }

    long pid() {
        return pid > 0 ? pid : process.pid();
    }

    boolean awaitHello(long timeout, TimeUnit unit) throws InterruptedException {
        return hello.await(timeout, unit);
    }

    private void readLoop() {
        try (BufferedReader r =
                new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                JsonNode n = ChildProtocol.JSON.readTree(line);
                switch (n.path("type").asText()) {
                    case "hello":
                        transport = n.path("transport").asText();
                        pid = n.path("pid").asLong(-1);
                        hello.countDown();
                        break;
                    case "snap":
                        onSnap(n);
                        break;
                    case "wait":
                        BitSet w = new BitSet();
                        n.path("w").forEach(c -> w.set(c.asInt()));
                        waiting = w;
                        break;
                    case "bye":
                        bye.countDown();
                        break;
                    default:
                        break;
                }
            }
        } catch (IOException e) {
            System.err.println("herald-bench: lost child process: " + e.getMessage());
        } finally {
            hello.countDown();
            bye.countDown();
        }
    }

    private synchronized void onSnap(JsonNode n) {
        long[] c = new long[Counter.COUNT];
        JsonNode arr = n.path("c");
        for (int i = 0; i < c.length && i < arr.size(); i++) {
            c[i] = arr.get(i).asLong();
        }
        counters = c;
        latency.add(Histograms.decode(n.path("lat").asText()));
        setup.add(Histograms.decode(n.path("setup").asText()));
        firstConnect = Math.min(firstConnect, n.path("first").asLong(Long.MAX_VALUE));
        lastEstablished = Math.max(lastEstablished, n.path("lastEst").asLong());
        lastReady = Math.max(lastReady, n.path("lastReady").asLong());
        if (n.has("back")) {
            if (back == null) {
                back = Histograms.create();
                resubscribed = Histograms.create();
            }
            back.add(Histograms.decode(n.path("back").asText()));
            resubscribed.add(Histograms.decode(n.path("resub").asText()));
            lastBack = Math.max(lastBack, n.path("lastBack").asLong());
        }
        Map<String, Long> e = new LinkedHashMap<>();
        n.path("errors").properties().forEach(f -> e.put(f.getKey(), f.getValue().asLong()));
        errors = e;
    }

    private synchronized void send(String line) {
        try {
            stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        } catch (IOException e) {
            System.err.println("herald-bench: child process not reachable: " + e.getMessage());
        }
    }

    @Override
    public void start() {
        send(ChildProtocol.START);
    }

    @Override
    public void startActivity() {
        send(ChildProtocol.ACTIVITY);
    }

    @Override
    public void stopActivity() {
        send(ChildProtocol.STOP);
    }

    @Override
    public void storm(long at) {
        send(ChildProtocol.STORM + " " + at);
    }

    @Override
    public BitSet waitingMarkers() {
        return waiting;
    }

    @Override
    public synchronized long[] counters() {
        return counters.clone();
    }

    @Override
    public synchronized Snapshot snapshot() {
        Snapshot s = new Snapshot(counters.clone(), latency, setup);
        s.firstConnect = firstConnect;
        s.lastEstablished = lastEstablished;
        s.lastReady = lastReady;
        s.back = back;
        s.resubscribed = resubscribed;
        s.lastBack = lastBack;
        latency = Histograms.create();
        setup = Histograms.create();
        back = null;
        resubscribed = null;
        return s;
    }

    @Override
    public synchronized Map<String, Long> errors() {
        return new LinkedHashMap<>(errors);
    }

    @Override
    public String transportName() {
        return transport;
    }

    @Override
    public void close() {
        send(ChildProtocol.CLOSE);
        try {
            stdin.close();
        } catch (IOException e) {
            // already gone
        }
        try {
            bye.await(20, TimeUnit.SECONDS);
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
