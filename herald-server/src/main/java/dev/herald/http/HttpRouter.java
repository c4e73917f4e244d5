package dev.herald.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.herald.apps.App;
import dev.herald.apps.AppStore;
import dev.herald.auth.Authenticators;
import dev.herald.auth.RequestSignature;
import dev.herald.internal.Fatal;
import dev.herald.limits.KeyedRateLimiter;
import dev.herald.metrics.HeraldMetrics;
import dev.herald.protocol.ClientInput;
import dev.herald.protocol.Json;
import dev.herald.session.ConnectionHandler;
import dev.herald.session.Handshake;
import dev.herald.session.SessionContext;
import dev.herald.transport.HttpRefusal;
import dev.herald.transport.WebSocketUpgrade;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every HTTP request on the server port: WebSocket upgrades at {@code /app/{key}}, the signed REST
 * API under {@code /apps/{id}}, and {@code /health}, {@code /ready} and {@code /up}. Stateless and
 * shared by all connections.
 *
 * <p>Requests arrive whole ({@link FullHttpRequest}), except a WebSocket upgrade without a body,
 * which arrives as the decoder's {@link HttpRequest} (see {@code
 * transport.HeraldChannelInitializer}).
 */
@ChannelHandler.Sharable
public final class HttpRouter extends SimpleChannelInboundHandler<HttpRequest> {

    private static final Logger log = LoggerFactory.getLogger(HttpRouter.class);
    private static final String WS_PREFIX = "/app/";
    private static final String API_PREFIX = "/apps/";
    private static final String X_FORWARDED_FOR = "X-Forwarded-For";

    /**
     * Answered at the root whatever the prefix: orchestrators probe the node itself, not the proxy.
     */
    private static final Set<String> ROOT_PATHS = Set.of("/health", "/ready", "/up");

    private final AppStore apps;
    private final Authenticators authenticators;
    private final SessionContext sessions;
    private final ConnectionHandler.Handlers handlers;
    private final WebSocketUpgrade upgrade;
    private final EventsApi events;
    private final ChannelsApi channels;
    private final HistoryApi history;
    private final UsersApi users;
    private final BooleanSupplier ready;
    private final Supplier<Health> health;
    private final HeraldMetrics metrics;
    private final KeyedRateLimiter apiRates = new KeyedRateLimiter();
    private final IntSupplier liveNodes;

    /** Where the routes live, such as {@code /ws}, or empty for the root. */
    private final String pathPrefix;

    private final TrustedProxies proxies;

    public HttpRouter(
            AppStore apps,
            SessionContext sessions,
            WebSocketUpgrade upgrade,
            BooleanSupplier ready,
            Supplier<Health> health,
            HeraldMetrics metrics,
            IntSupplier liveNodes) {
        this(apps, sessions, upgrade, ready, health, metrics, liveNodes, "", TrustedProxies.NONE);
    }

    /**
     * @param pathPrefix the routes' prefix ({@code /ws} serves {@code /ws/app/{key}} and {@code
     *     /ws/apps/{id}/…}), or empty; not part of the signed path, which Pusher's server libraries
     *     sign without it. Health checks answer at the root too.
     * @param proxies the reverse proxies whose {@code X-Forwarded-For} names the client
     */
    public HttpRouter(
            AppStore apps,
            SessionContext sessions,
            WebSocketUpgrade upgrade,
            BooleanSupplier ready,
            Supplier<Health> health,
            HeraldMetrics metrics,
            IntSupplier liveNodes,
            String pathPrefix,
            TrustedProxies proxies) {
        this.pathPrefix = pathPrefix == null ? "" : pathPrefix;
        this.proxies = proxies;
        this.health = health;
        this.metrics = metrics;
        this.liveNodes = liveNodes;
        this.apps = apps;
        this.authenticators = sessions.authenticators();
        this.sessions = sessions;
        this.handlers = ConnectionHandler.Handlers.of(sessions);
        this.upgrade = upgrade;
        this.events =
                new EventsApi(
                        sessions.view(),
                        sessions.broker(),
                        sessions.cache(),
                        sessions.tap(),
                        sessions.socketIds().node());
        this.channels = new ChannelsApi(sessions.view(), sessions.cache());
        this.history = new HistoryApi(sessions.history());
        this.users = new UsersApi(sessions.broker());
        this.ready = ready;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpRequest req) {
        if (!req.decoderResult().isSuccess()) {
            // HttpConnectionGuard answers these before they get here; never serve one regardless
            HttpRefusal.undecodable(ctx, req.decoderResult().cause());
            return;
        }
        QueryStringDecoder query = new QueryStringDecoder(req.uri());
        String path;
        try {
            path = query.path();
            query.parameters(); // decoded now: a bad escape must be a 400 here, not an exception
            // later
        } catch (IllegalArgumentException e) {
            Responses.error(ctx, req, 400, "Malformed request URI: bad percent-encoding");
            return;
        }
        String rawPath = query.rawPath();
        if (!pathPrefix.isEmpty()) {
            if (path.startsWith(pathPrefix + "/")) {
                path = path.substring(pathPrefix.length());
                rawPath =
                        rawPath.startsWith(pathPrefix + "/")
                                ? rawPath.substring(pathPrefix.length())
                                : rawPath;
            } else if (!ROOT_PATHS.contains(path)) {
                Responses.error(
                        ctx,
                        req,
                        404,
                        "Not found: "
                                + ClientInput.quote(path)
                                + "; this server's routes are "
                                + "under "
                                + pathPrefix);
                return;
            }
        }
        if (path.startsWith(API_PREFIX)) {
            api(ctx, whole(req), query, path, rawPath);
        } else if (path.startsWith(WS_PREFIX) && isUpgrade(req)) {
            webSocket(ctx, req, query, path.substring(WS_PREFIX.length()));
        } else if (path.equals("/health")) {
            Health verdict = health.get();
            Responses.json(ctx, req, verdict.status(), verdict.body());
        } else if (path.equals("/up")) {
            // the health check Laravel's tooling (and Reverb) use: the node serves clients
            Responses.probe(ctx, req, ready.getAsBoolean(), "health", "OK", "not ready");
        } else if (path.equals("/ready")) {
            Responses.probe(ctx, req, ready.getAsBoolean(), "status", "ready", "not ready");
        } else if (path.startsWith(WS_PREFIX)) {
            Responses.error(
                    ctx,
                    req,
                    400,
                    "WebSocket endpoint: connect with a WebSocket client (Upgrade: websocket)");
        } else {
            Responses.error(ctx, req, 404, "Not found: " + ClientInput.quote(path));
        }
    }

    /**
     * The request with its body: a bodiless upgrade request sent to an API path gets an empty one
     * (its headers are shared, not copied).
     */
    private static FullHttpRequest whole(HttpRequest req) {
        return req instanceof FullHttpRequest full
                ? full
                : new DefaultFullHttpRequest(
                        req.protocolVersion(),
                        req.method(),
                        req.uri(),
                        Unpooled.EMPTY_BUFFER,
                        req.headers(),
                        EmptyHttpHeaders.INSTANCE);
    }

    private static boolean isUpgrade(HttpRequest req) {
        return req.method().equals(HttpMethod.GET)
                && req.headers()
                        .containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
    }

    private void webSocket(
            ChannelHandlerContext ctx, HttpRequest req, QueryStringDecoder query, String key) {
        if (!upgrade.accepts(ctx, req)) {
            return; // answered 400 or 426 and closed: no cap slot was taken
        }
        App app = apps.byKey(key).orElse(null);
        InetAddress peer =
                ctx.channel().remoteAddress() instanceof InetSocketAddress socket
                        ? socket.getAddress()
                        : null;
        InetAddress client = proxies.client(peer, req.headers().get(X_FORWARDED_FOR));
        Handshake.Request request =
                handlers.handshake()
                        .request(
                                ctx.channel(),
                                client,
                                key,
                                app,
                                req.headers().get(HttpHeaderNames.ORIGIN),
                                first(query.parameters(), "protocol"),
                                first(query.parameters(), "client"));
        upgrade.upgrade(ctx, req, this, new ConnectionHandler(sessions, handlers, request));
    }

    private void api(
            ChannelHandlerContext ctx,
            FullHttpRequest req,
            QueryStringDecoder query,
            String path,
            String rawPath) {
        String[] routeName = {"unknown"};
        CompletionStage<Object> answer;
        try {
            answer = route(req, query, path, rawPath, routeName);
        } catch (ApiException e) {
            metrics.httpRequests(routeName[0], e.status()).increment();
            Responses.error(ctx, req, e.status(), e.getMessage());
            return;
        }
        CompletableFuture<Object> future = answer.toCompletableFuture();
        if (future.isDone()) {
            respond(ctx, req, routeName[0], future);
        } else {
            // cluster answers complete on the broker's threads: the response goes back on our loop
            req.retain();
            future.whenComplete(
                    (body, error) ->
                            ctx.executor()
                                    .execute(
                                            () -> {
                                                try {
                                                    respond(ctx, req, routeName[0], future);
                                                } finally {
                                                    req.release();
                                                }
                                            }));
        }
    }

    private void respond(
            ChannelHandlerContext ctx,
            FullHttpRequest req,
            String route,
            CompletableFuture<Object> done) {
        try {
            Object body = done.join();
            metrics.httpRequests(route, 200).increment();
            Responses.json(ctx, req, HttpResponseStatus.OK, body);
        } catch (CompletionException | CancellationException e) {
            if (e.getCause() instanceof ApiException refused) {
                // an answer that needed the data to know it is refused (a history position)
                metrics.httpRequests(route, refused.status()).increment();
                Responses.error(ctx, req, refused.status(), refused.getMessage());
                return;
            }
            // the detail (Redis hosts, internal classes) is for the operator, not for the client
            log.warn(
                    "HTTP API {} failed: {}",
                    route,
                    e.getCause() == null ? e.toString() : e.getCause().toString());
            metrics.httpRequests(route, 503).increment();
            Responses.error(
                    ctx, req, 503, "The cluster state is unavailable right now; retry shortly");
        }
    }

    private CompletionStage<Object> route(
            FullHttpRequest req,
            QueryStringDecoder query,
            String path,
            String rawPath,
            String[] routeName)
            throws ApiException {
        String[] parts = path.substring(API_PREFIX.length()).split("/", -1);
        App app =
                apps.byId(parts[0])
                        .orElseThrow(
                                () ->
                                        new ApiException(
                                                404,
                                                "Unknown app id " + ClientInput.quote(parts[0])));
        HttpMethod method = req.method();
        Route route = Route.match(method, parts);
        if (route == null) {
            throw new ApiException(404, "Not found: " + method + " " + ClientInput.quote(path));
        }
        routeName[0] = route.label;
        byte[] body = ByteBufUtil.getBytes(req.content());
        authenticate(app, req, query, rawPath, body);
        if (!app.enabled()) {
            throw new ApiException(403, "Application " + app.id() + " is disabled");
        }
        int perSecond = app.limits().apiRequestsPerSecond();
        // the app's budget is cluster-wide: each live node takes an equal share
        int share =
                perSecond <= 0
                        ? 0
                        : Math.max(
                                1, (perSecond + liveNodes.getAsInt() - 1) / liveNodes.getAsInt());
        if (!apiRates.tryAcquire(app.id(), share)) {
            metrics.httpRateLimited(app.id()).increment();
            throw new ApiException(
                    429,
                    "Too many requests: app "
                            + app.id()
                            + " may make "
                            + perSecond
                            + " API requests per second");
        }
        Map<String, List<String>> params = query.parameters();
        return switch (route) {
            case EVENTS -> events.trigger(app, json(body));
            case BATCH_EVENTS -> events.batch(app, json(body));
            case CHANNELS -> channels.list(app, params);
            case CHANNEL -> channels.channel(app, parts[2], params);
            case CHANNEL_USERS -> channels.users(app, parts[2]);
            case CHANNEL_EVENTS -> history.events(app, parts[2], params);
            case TERMINATE_CONNECTIONS ->
                    CompletableFuture.completedFuture(users.terminateConnections(app, parts[2]));
            // as Laravel Reverb answers it, for Laravel Pulse
            case CONNECTIONS ->
                    CompletableFuture.completedFuture(
                            Map.of("connections", sessions.hub().clusterConnectionCount(app.id())));
        };
    }

    private void authenticate(
            App app, FullHttpRequest req, QueryStringDecoder query, String rawPath, byte[] body)
            throws ApiException {
        try {
            RequestSignature.verify(
                    req.method().name(),
                    rawPath,
                    query.parameters(),
                    body,
                    app.key(),
                    authenticators.signer(app),
                    System.currentTimeMillis() / 1000);
        } catch (RequestSignature.Refused e) {
            List<String> keys = query.parameters().get("auth_key");
            String key = keys == null || keys.isEmpty() ? null : keys.get(0);
            if (key != null && !key.equals(app.key()) && apps.byKey(key).isPresent()) {
                throw new ApiException(
                        403,
                        "auth_key "
                                + ClientInput.quote(key)
                                + " belongs to another app, not to app "
                                + app.id());
            }
            log.debug("refused API request to app {}: {}", app.id(), e.getMessage());
            throw new ApiException(e.status(), e.getMessage());
        }
    }

    private static JsonNode json(byte[] body) throws ApiException {
        if (body.length == 0) {
            throw ApiException.badRequest("Missing JSON body");
        }
        try {
            return Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw ApiException.badRequest(
                    "Invalid JSON body: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    static String first(Map<String, List<String>> params, String key) {
        List<String> values = params.get(key);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Fatal.surface(cause);
        if (cause instanceof ClosedChannelException) {
            // a write that found the client gone (an aggregator answering a request cut off by the
            // close): there is no one left to answer and nothing went wrong on this side
            return;
        }
        log.debug("HTTP connection error: {}", cause.toString());
        ctx.close();
    }

    /** The API's routes, matched on the path segments after {@code /apps/}. */
    private enum Route {
        EVENTS("events"),
        BATCH_EVENTS("batch_events"),
        CHANNELS("channels"),
        CHANNEL("channel"),
        CHANNEL_USERS("channel_users"),
        CHANNEL_EVENTS("channel_events"),
        TERMINATE_CONNECTIONS("terminate_connections"),
        CONNECTIONS("connections");

        final String label;

        Route(String label) {
            this.label = label;
        }

        static Route match(HttpMethod method, String[] p) {
            boolean post = method.equals(HttpMethod.POST);
            boolean get = method.equals(HttpMethod.GET);
            if (p.length == 2 && post && p[1].equals("events")) {
                return EVENTS;
            }
            if (p.length == 2 && post && p[1].equals("batch_events")) {
                return BATCH_EVENTS;
            }
            if (p.length == 2 && get && p[1].equals("channels")) {
                return CHANNELS;
            }
            if (p.length == 3 && get && p[1].equals("channels") && !p[2].isEmpty()) {
                return CHANNEL;
            }
            if (p.length == 4 && get && p[1].equals("channels") && p[3].equals("users")) {
                return CHANNEL_USERS;
            }
            if (p.length == 4 && get && p[1].equals("channels") && p[3].equals("events")) {
                return CHANNEL_EVENTS;
            }
            if (p.length == 2 && get && p[1].equals("connections")) {
                return CONNECTIONS;
            }
            if (p.length == 4
                    && post
                    && p[1].equals("users")
                    && !p[2].isEmpty()
                    && p[3].equals("terminate_connections")) {
                return TERMINATE_CONNECTIONS;
            }
            return null;
        }
    }
}
