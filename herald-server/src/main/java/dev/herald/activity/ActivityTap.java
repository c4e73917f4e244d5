package dev.herald.activity;

import java.util.Map;

/**
 * Where the session, the REST API and webhooks report what happens, for the debug stream.
 *
 * <p><b>Cost when nobody watches.</b> Callers ask {@link #watching} first and build an event only
 * when it says yes: one volatile read and a lookup in a set that is empty unless a viewer is
 * attached somewhere in the cluster. {@link #record} is called on event loops and must hand off and
 * never block.
 */
public interface ActivityTap {

    ActivityTap NOOP =
            new ActivityTap() {
                @Override
                public boolean watching(String appId) {
                    return false;
                }

                @Override
                public void record(ActivityEvent event) {}
            };

    /** Someone, on any node, is watching this app's debug stream now. */
    boolean watching(String appId);

    /** Reports an event; only called after {@link #watching} said yes. */
    void record(ActivityEvent event);

    /** Reports an event of this node's, stamped now. */
    default void record(
            String node,
            String appId,
            ActivityEvent.Kind kind,
            String socketId,
            String channel,
            String event,
            String data,
            Map<String, Object> details) {
        record(
                new ActivityEvent(
                        System.currentTimeMillis(),
                        node,
                        appId,
                        kind,
                        socketId,
                        channel,
                        event,
                        data == null ? -1 : utf8Length(data),
                        data,
                        details));
    }

    /** The UTF-8 size of a string without encoding it. */
    static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c)) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
