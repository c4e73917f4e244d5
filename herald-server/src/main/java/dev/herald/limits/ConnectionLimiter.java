package dev.herald.limits;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Node-wide WebSocket admission: a cap on open connections (0 = none) and on new connections per
 * second from one IP address (0 = none). Both refusals are answered with 4100 ("back off").
 */
public final class ConnectionLimiter {

    /** Why a connection was refused, or {@code null}. */
    public enum Refusal {
        NODE_CAPACITY,
        IP_RATE
    }

    private final int maxConnections;
    private final int perIpPerSecond;
    private final AtomicInteger open = new AtomicInteger();
    private final KeyedRateLimiter perIp = new KeyedRateLimiter();

    public ConnectionLimiter(int maxConnections, int perIpPerSecond) {
        this.maxConnections = maxConnections;
        this.perIpPerSecond = perIpPerSecond;
    }

    /**
     * Admits a connection, counting it as open, or says why not (counting nothing). An admitted
     * connection must be {@link #release() released} when it closes.
     */
    public Refusal tryAdmit(InetAddress address) {
        if (address != null && !perIp.tryAcquire(address, perIpPerSecond)) {
            return Refusal.IP_RATE;
        }
        if (open.incrementAndGet() > maxConnections && maxConnections > 0) {
            open.decrementAndGet();
            return Refusal.NODE_CAPACITY;
        }
        return null;
    }

    public void release() {
        open.decrementAndGet();
    }

    public int open() {
        return open.get();
    }
}
