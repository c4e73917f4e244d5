package dev.herald.console;

import dev.herald.activity.StatsHistory;
import dev.herald.apps.App;
import dev.herald.apps.AppStore;
import dev.herald.hub.Hub;
import dev.herald.metrics.AppMeters;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every 10 seconds, writes this node's figures of each app into the {@link StatsHistory}: its
 * connections at that moment and the messages it delivered since the last step. Both come from what
 * the hub counts anyway, so the charts cost nothing on the path of a message.
 */
final class StatsSampler {

    private static final Logger log = LoggerFactory.getLogger(StatsSampler.class);

    private final String node;
    private final AppStore apps;
    private final Hub hub;
    private final StatsHistory history;
    private final Map<String, Double> lastSent = new HashMap<>();

    StatsSampler(String node, AppStore apps, Hub hub, StatsHistory history) {
        this.node = node;
        this.apps = apps;
        this.hub = hub;
        this.history = history;
    }

    /** Samples on {@code timer} (the console's own thread) until it is shut down. */
    StatsSampler start(ScheduledExecutorService timer) {
        long now = System.currentTimeMillis();
        // the first sample only sets the counters' baseline; the next falls on a step's end
        sample(now);
        long next = StatsHistory.STEP_MILLIS - now % StatsHistory.STEP_MILLIS;
        timer.scheduleAtFixedRate(
                () -> sample(System.currentTimeMillis()),
                next,
                StatsHistory.STEP_MILLIS,
                TimeUnit.MILLISECONDS);
        return this;
    }

    /** Records the step that ends at {@code now} (rounded to the step). */
    synchronized void sample(long now) {
        long stepEnd =
                Math.round((double) now / StatsHistory.STEP_MILLIS) * StatsHistory.STEP_MILLIS;
        long stepStart = stepEnd - StatsHistory.STEP_MILLIS;
        for (App app : apps.all()) {
            AppMeters meters = hub.meters(app.id());
            double sent = meters.messagesSent().count();
            Double before = lastSent.put(app.id(), sent);
            if (before == null) {
                continue;
            }
            try {
                history.record(
                        node,
                        app.id(),
                        stepStart,
                        hub.connectionCount(app.id()),
                        Math.max(0, Math.round(sent - before)));
            } catch (RuntimeException e) {
                log.warn("Could not record the console's figures for app {}", app.id(), e);
            }
        }
    }
}
