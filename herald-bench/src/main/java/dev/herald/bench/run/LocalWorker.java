package dev.herald.bench.run;

import dev.herald.bench.client.Fleet;
import dev.herald.bench.config.FleetConfig;
import dev.herald.bench.stats.Snapshot;
import java.util.BitSet;
import java.util.Map;

/** The connections live in this process. */
final class LocalWorker implements Worker {
    private final Fleet fleet;

    LocalWorker(FleetConfig cfg) {
        this.fleet = new Fleet(cfg);
    }

    @Override
    public void start() {
        fleet.start();
    }

    @Override
    public void startActivity() {
        fleet.startActivity();
    }

    @Override
    public void stopActivity() {
        fleet.stopActivity();
    }

    @Override
    public void storm(long at) {
        fleet.storm(at);
    }

    @Override
    public BitSet waitingMarkers() {
        return fleet.waitingMarkers();
    }

    @Override
    public long[] counters() {
        return fleet.counters();
    }

    @Override
    public Snapshot snapshot() {
        return fleet.snapshot();
    }

    @Override
    public Map<String, Long> errors() {
        return fleet.errors();
    }

    @Override
    public String transportName() {
        return fleet.transportName();
    }

    @Override
    public void close() {
        fleet.close();
    }
}
