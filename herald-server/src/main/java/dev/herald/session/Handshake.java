package dev.herald.session;

import dev.herald.apps.App;
import dev.herald.hub.Hub;
import dev.herald.limits.ConnectionLimiter;
import dev.herald.metrics.HeraldMetrics;
import dev.herald.protocol.ClientInput;
import dev.herald.protocol.PusherError;
import io.netty.channel.Channel;
import java.net.InetAddress;

/**
 * Decides whether a WebSocket connection is admitted, in one place: the answer to "why was my
 * connection refused?" is here. The checks run in this order, and the first that fails decides:
 *
 * <ol>
 *   <li>on the upgrade request ({@link #request}): the page's origin (when the key names an app),
 *       the node's capacity, the connection rate of the client's address;
 *   <li>as the session starts ({@link #start}): the app key, the protocol version, whether the app
 *       is enabled, the app's connection quota.
 * </ol>
 *
 * The first group runs before the upgrade so that a refused client takes no node slot for long; the
 * second after it, because a refusal is answered on the open WebSocket ({@code pusher:error}, then
 * a close frame with the same code), which is where Pusher clients look for it.
 */
public final class Handshake {

    private final ConnectionLimiter limiter;
    private final Hub hub;
    private final HeraldMetrics metrics;

    public Handshake(SessionContext context) {
        this.limiter = context.admission();
        this.hub = context.hub();
        this.metrics = context.metrics();
    }

    /** Why a connection is refused: the Pusher code and the message the client reads. */
    public record Refusal(PusherError error, String message) {}

    /**
     * What the upgrade request asked for, and the refusal already decided on it, if any.
     *
     * @param app the app the key names, or {@code null} for an unknown key
     * @param refusal why the request was refused before the upgrade, or {@code null}
     */
    public record Request(
            String appKey, App app, String protocol, String client, Refusal refusal) {}

    /**
     * The checks on the upgrade request. When they pass, the connection holds a node slot until its
     * channel closes, whatever ends it (a failed handshake, a reset, a timeout, a normal close).
     *
     * @param address the client's address, against which the per-address rate counts (behind a
     *     trusted proxy the one it names); {@code null} when unknown, which no rate limits
     */
    public Request request(
            Channel channel,
            InetAddress address,
            String appKey,
            App app,
            String origin,
            String protocol,
            String client) {
        return new Request(appKey, app, protocol, client, admit(channel, address, app, origin));
    }

    private Refusal admit(Channel channel, InetAddress address, App app, String origin) {
        if (app != null && !app.features().allowsOrigin(origin)) {
            metrics.connectionsRefused("origin").increment();
            return new Refusal(
                    PusherError.UNAUTHORIZED_CLOSE,
                    "Origin not allowed: " + ClientInput.quote(origin));
        }
        ConnectionLimiter.Refusal admission = limiter.tryAdmit(address);
        if (admission == ConnectionLimiter.Refusal.NODE_CAPACITY) {
            metrics.connectionsRefused("node_capacity").increment();
            return new Refusal(
                    PusherError.OVER_CAPACITY, "Over capacity: this server is full, retry shortly");
        }
        if (admission == ConnectionLimiter.Refusal.IP_RATE) {
            metrics.connectionsRefused("ip_rate").increment();
            return new Refusal(
                    PusherError.OVER_CAPACITY,
                    "Too many new connections from your address, retry shortly");
        }
        // a close future completes once, so the slot is released exactly once
        channel.closeFuture().addListener(f -> limiter.release());
        return null;
    }

    /**
     * The checks as the session starts. Returns {@code null} when the connection is admitted, and
     * then it counts against the app's quota until {@link Hub#removeConnection} is called.
     */
    public Refusal start(Request request) {
        if (request.refusal() != null) {
            return request.refusal();
        }
        App app = request.app();
        if (app == null) {
            metrics.connectionsRefused("unknown_app").increment();
            return new Refusal(
                    PusherError.APP_NOT_FOUND,
                    "App key "
                            + ClientInput.quote(request.appKey())
                            + " not in this cluster. Did you forget to specify the cluster?");
        }
        String protocolProblem = protocolProblem(request.protocol());
        if (protocolProblem != null) {
            return new Refusal(PusherError.UNSUPPORTED_PROTOCOL, protocolProblem);
        }
        if (!app.enabled()) {
            metrics.connectionsRefused("app_disabled").increment();
            return new Refusal(
                    PusherError.APP_DISABLED, "Application " + app.id() + " is disabled");
        }
        if (!hub.tryAddConnection(app)) {
            metrics.connectionsRefused("app_quota").increment();
            return new Refusal(
                    PusherError.OVER_CONNECTION_QUOTA,
                    "Application is over connection quota ("
                            + app.limits().maxConnections()
                            + " connections)");
        }
        return null;
    }

    /**
     * Protocols 4 to 7 are served; a missing value is read as 7 (docs/protocol.md §2.1, lenient).
     */
    static String protocolProblem(String protocol) {
        if (protocol == null || protocol.isEmpty()) {
            return null;
        }
        int version;
        try {
            version = Integer.parseInt(protocol);
        } catch (NumberFormatException e) {
            return "Unsupported protocol version " + ClientInput.quote(protocol) + ": use 4 to 7";
        }
        return version >= 4 && version <= 7
                ? null
                : "Unsupported protocol version " + version + ": use 4 to 7";
    }
}
