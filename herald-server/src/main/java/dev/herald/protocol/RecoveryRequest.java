package dev.herald.protocol;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a client asked to recover (docs/recovery.md "Client to server"): the last position it got on
 * each channel, and its earlier socket ids, whose excluded events are not replayed to it.
 *
 * @param positions by channel name; a channel without one is a fresh subscription with positions
 */
public record RecoveryRequest(Map<String, StreamPosition> positions, List<String> socketIds) {

    /** Channels one {@code pusher:herald_recovery} message may list. */
    public static final int MAX_CHANNELS = 100;

    /** Earlier socket ids a client may name. */
    public static final int MAX_SOCKET_IDS = 10;

    public RecoveryRequest {
        positions = Map.copyOf(positions);
        socketIds = List.copyOf(socketIds);
    }

    /** Positions for every later subscription, with nothing to recover. */
    public static final RecoveryRequest FRESH = new RecoveryRequest(Map.of(), List.of());

    /** The same without {@code channel}'s position: each is recovered from once. */
    public RecoveryRequest without(String channel) {
        if (!positions.containsKey(channel)) {
            return this;
        }
        HashMap<String, StreamPosition> rest = new HashMap<>(positions);
        rest.remove(channel);
        return new RecoveryRequest(rest, socketIds);
    }

    /** The position to recover {@code channel} from, or {@code null}. */
    public StreamPosition position(String channel) {
        return positions.get(channel);
    }
}
