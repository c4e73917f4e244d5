package dev.herald.activity;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A viewer in a test: what reached it, in order, the probes sent to find a route left out (each
 * probe names its route in the event's node field).
 */
public final class Viewer implements Consumer<ActivityEvent> {

    /** The event name of probes ({@link ActivityFeedContract#awaitRoute}). */
    static final String PROBE = "probe";

    private final List<ActivityEvent> received = new CopyOnWriteArrayList<>();
    private final Set<String> routes = ConcurrentHashMap.newKeySet();

    @Override
    public void accept(ActivityEvent event) {
        if (PROBE.equals(event.event())) {
            routes.add(event.node());
        } else {
            received.add(event);
        }
    }

    /** Every event but the probes. */
    public List<ActivityEvent> events() {
        return List.copyOf(received);
    }

    /** The event names of {@link #events}. */
    public List<String> names() {
        return received.stream().map(ActivityEvent::event).toList();
    }

    /** Whether a probe of this route reached the viewer. */
    boolean probed(String route) {
        return routes.contains(route);
    }
}
