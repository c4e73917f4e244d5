package dev.herald.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import java.util.Map;

/**
 * The node's liveness verdict, answered by {@code /health} on the server port and on the ops port:
 * healthy unless an event loop is stuck. A supervisor restarts a node that is not.
 *
 * @param stuckLoops names of the event loops that have not run a task for too long; empty when
 *     healthy
 */
public record Health(List<String> stuckLoops) {

    public static final Health OK = new Health(List.of());

    public Health {
        stuckLoops = List.copyOf(stuckLoops);
    }

    public boolean healthy() {
        return stuckLoops.isEmpty();
    }

    HttpResponseStatus status() {
        return healthy() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE;
    }

    Map<String, Object> body() {
        return healthy()
                ? Map.of("status", "ok")
                : Map.of("status", "stuck", "stuck_event_loops", stuckLoops);
    }
}
