package dev.herald.bench.run;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.herald.bench.client.Fleet;
import dev.herald.bench.config.FleetConfig;
import dev.herald.bench.config.FleetMode;
import dev.herald.bench.stats.Histograms;
import dev.herald.bench.stats.Snapshot;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** The hidden {@code child} mode: one share of the connections, driven over stdin/stdout. */
public final class ChildMain {
    private final PrintStream out;
    private final Fleet fleet;

    private ChildMain(PrintStream out, Fleet fleet) {
        this.out = out;
        this.fleet = fleet;
    }

    public static int run() throws IOException, InterruptedException {
        PrintStream out =
                new PrintStream(
                        new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        System.setOut(System.err); // stdout carries the protocol only
        BufferedReader in =
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String first = in.readLine();
        if (first == null) {
            return 2;
        }
        FleetConfig cfg = ChildProtocol.JSON.readValue(first, FleetConfig.class);
        Fleet fleet = new Fleet(cfg);
        ChildMain child = new ChildMain(out, fleet);
        ObjectNode hello =
                ChildProtocol.JSON
                        .createObjectNode()
                        .put("type", "hello")
                        .put("transport", fleet.transportName())
                        .put("pid", ProcessHandle.current().pid());
        child.emit(hello);

        ScheduledExecutorService timer =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "bench-child-snap");
                            t.setDaemon(true);
                            return t;
                        });
        timer.scheduleAtFixedRate(
                child::snap,
                ChildProtocol.SNAP_INTERVAL_MS,
                ChildProtocol.SNAP_INTERVAL_MS,
                TimeUnit.MILLISECONDS);
        if (cfg.mode() == FleetMode.STORM) {
            timer.scheduleAtFixedRate(
                    child::reportWaiting,
                    ChildProtocol.WAIT_INTERVAL_MS,
                    ChildProtocol.WAIT_INTERVAL_MS,
                    TimeUnit.MILLISECONDS);
        }
        String line;
        while ((line = in.readLine()) != null) {
            String cmd = line.trim();
            if (cmd.equals(ChildProtocol.START)) {
                fleet.start();
            } else if (cmd.equals(ChildProtocol.ACTIVITY)) {
                fleet.startActivity();
            } else if (cmd.equals(ChildProtocol.STOP)) {
                fleet.stopActivity();
            } else if (cmd.startsWith(ChildProtocol.STORM + " ")) {
                fleet.storm(Long.parseLong(cmd.substring(ChildProtocol.STORM.length() + 1)));
            } else if (cmd.equals(ChildProtocol.CLOSE)) {
                break;
            }
        }
        timer.shutdown();
        timer.awaitTermination(2, TimeUnit.SECONDS);
        fleet.close();
        child.snap();
        child.emit(ChildProtocol.JSON.createObjectNode().put("type", "bye"));
        return 0;
    }

    private void snap() {
        Snapshot s = fleet.snapshot();
        ObjectNode n = ChildProtocol.JSON.createObjectNode().put("type", "snap");
        var arr = n.putArray("c");
        for (long v : s.counters) {
            arr.add(v);
        }
        n.put("lat", Histograms.encode(s.latency));
        n.put("setup", Histograms.encode(s.setup));
        n.put("first", s.firstConnect);
        n.put("lastEst", s.lastEstablished);
        n.put("lastReady", s.lastReady);
        n.set("errors", ChildProtocol.JSON.valueToTree(fleet.errors()));
        if (s.back != null) {
            n.put("back", Histograms.encode(s.back));
            n.put("resub", Histograms.encode(s.resubscribed));
            n.put("lastBack", s.lastBack);
        }
        emit(n);
    }

    private long waitingReported;

    /** reconnect-storm: the marker channels with a client waiting, when they changed. */
    private void reportWaiting() {
        long changes = fleet.waitingChanges();
        if (changes == waitingReported) {
            return;
        }
        waitingReported = changes;
        ObjectNode n = ChildProtocol.JSON.createObjectNode().put("type", "wait");
        var w = n.putArray("w");
        fleet.waitingMarkers().stream().forEach(w::add);
        emit(n);
    }

    private synchronized void emit(ObjectNode n) {
        out.println(n.toString());
        out.flush();
    }
}
