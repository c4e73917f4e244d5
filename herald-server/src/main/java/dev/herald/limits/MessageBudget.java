package dev.herald.limits;

/**
 * How many messages one connection may send: every WebSocket frame counts, whatever it holds
 * (Pusher events, pings, fragments), so a flood is stopped at the socket before it costs a parse,
 * an answer or a Redis command. The burst lets a client that reconnects re-subscribe to all its
 * channels at once (100 by default) and sign in.
 *
 * @param perSecond sustained messages per second; 0 turns the budget off
 * @param burst messages that may arrive at once after a quiet spell
 */
public record MessageBudget(int perSecond, int burst) {

    public static final int DEFAULT_PER_SECOND = 50;
    public static final int DEFAULT_BURST = 200;
    public static final MessageBudget DEFAULT =
            new MessageBudget(DEFAULT_PER_SECOND, DEFAULT_BURST);
    public static final MessageBudget UNLIMITED = new MessageBudget(0, 0);

    public MessageBudget {
        if (perSecond < 0) {
            throw new IllegalArgumentException(
                    "messages per second must be >= 0 (0 = no limit), got " + perSecond);
        }
        if (perSecond > 0 && burst < 1) {
            throw new IllegalArgumentException("message burst must be >= 1, got " + burst);
        }
    }

    public boolean limited() {
        return perSecond > 0;
    }

    /** A full bucket for one connection, or {@code null} when there is no limit. */
    public TokenBucket bucket(long nowNanos) {
        return limited() ? new TokenBucket(perSecond, burst, nowNanos) : null;
    }
}
