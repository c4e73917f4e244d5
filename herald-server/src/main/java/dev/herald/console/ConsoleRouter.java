package dev.herald.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.herald.http.ApiException;
import dev.herald.http.OpsRouter;
import dev.herald.protocol.ClientInput;
import dev.herald.protocol.Json;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.CookieHeaderNames;
import io.netty.handler.codec.http.cookie.DefaultCookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.handler.codec.http.cookie.ServerCookieEncoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything under {@code /console} on the ops port: sign-in, the page and its files, the JSON API
 * and the debug streams. Who may ask is decided here, once, before {@link ConsoleApi} sees a
 * request: a bearer token or the session cookie, and for a cookie's state-changing call the CSRF
 * value and a same-site origin.
 */
final class ConsoleRouter implements OpsRouter.Route {

    private static final Logger log = LoggerFactory.getLogger(ConsoleRouter.class);

    static final String PATH = "/console";
    static final String COOKIE = "herald_console";
    static final String CSRF_HEADER = "X-Herald-Csrf";
    private static final String STATIC = "dev/herald/console/static/";
    private static final String UPLOT = "META-INF/resources/webjars/uplot/1.6.30/dist/";

    /** The page's own files and the chart library, served without sign-in: they hold no data. */
    private static final Map<String, String> FILES =
            Map.of(
                    "/console/console.js", STATIC + "console.js",
                    "/console/console.css", STATIC + "console.css",
                    "/console/favicon.svg", STATIC + "favicon.svg",
                    "/console/vendor/uplot/uPlot.iife.min.js", UPLOT + "uPlot.iife.min.js",
                    "/console/vendor/uplot/uPlot.min.css", UPLOT + "uPlot.min.css");

    private static final String SECURITY_POLICY =
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                    + "frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

    private final ConsoleKey key;
    private final ConsoleApi api;
    private final SignInFailures failures = new SignInFailures();
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();

    ConsoleRouter(ConsoleKey key, ConsoleApi api) {
        this.key = key;
        this.api = api;
    }

    @Override
    public String path() {
        return PATH;
    }

    @Override
    public void handle(ChannelHandlerContext ctx, FullHttpRequest req) {
        QueryStringDecoder uri = new QueryStringDecoder(req.uri());
        String path = uri.path();
        String file = FILES.get(path);
        if (file != null) {
            asset(ctx, req, file);
        } else if (path.equals(PATH)) {
            // the page's files are named relative to /console/
            FullHttpResponse res =
                    response(HttpResponseStatus.MOVED_PERMANENTLY, Unpooled.EMPTY_BUFFER);
            res.headers().set(HttpHeaderNames.LOCATION, PATH + "/" + query(req.uri()));
            send(ctx, req, res);
        } else if (path.equals(PATH + "/") || path.equals(PATH + "/index.html")) {
            page(ctx, req, uri);
        } else if (path.startsWith(PATH + "/api/")) {
            api(ctx, req, uri);
        } else {
            error(ctx, req, 404, "Not found: " + ClientInput.quote(path));
        }
    }

    // -- sign-in and the page

    private void page(ChannelHandlerContext ctx, FullHttpRequest req, QueryStringDecoder uri) {
        String address = address(ctx);
        long now = System.currentTimeMillis();
        String token = first(uri, "token");
        String link = first(uri, "link");
        if (token != null || link != null) {
            if (!failures.allowed(address, now)) {
                tooMany(ctx, req);
                return;
            }
            boolean good = token != null ? key.isToken(token) : key.useLink(link, now);
            if (!good) {
                failures.failed(address, now);
                signInPage(
                        ctx,
                        req,
                        token != null
                                ? "That token is not this console's."
                                : "That sign-in link was used already or has expired: "
                                        + "run herald console-link for a fresh one.");
                return;
            }
            // the token leaves the address bar (and the history) for a cookie
            FullHttpResponse res = response(HttpResponseStatus.SEE_OTHER, Unpooled.EMPTY_BUFFER);
            res.headers().set(HttpHeaderNames.LOCATION, PATH + "/");
            res.headers().set(HttpHeaderNames.SET_COOKIE, sessionCookie());
            send(ctx, req, res);
            return;
        }
        if (!key.isCookie(cookie(req))) {
            if (!failures.allowed(address, now)) {
                tooMany(ctx, req);
                return;
            }
            failures.failed(address, now);
            signInPage(ctx, req, null);
            return;
        }
        FullHttpResponse res =
                response(
                        HttpResponseStatus.OK, Unpooled.wrappedBuffer(file(STATIC + "index.html")));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
        send(ctx, req, res);
    }

    private String sessionCookie() {
        DefaultCookie cookie = new DefaultCookie(COOKIE, key.cookieValue());
        cookie.setPath(PATH);
        cookie.setHttpOnly(true);
        cookie.setSameSite(CookieHeaderNames.SameSite.Strict);
        return ServerCookieEncoder.STRICT.encode(cookie);
    }

    private void signInPage(ChannelHandlerContext ctx, FullHttpRequest req, String problem) {
        String how =
                key.hasToken()
                        ? "Open <code>/console/?token=YOUR_TOKEN</code> with the token this node was "
                                + "given (<code>HERALD_CONSOLE_TOKEN</code>)."
                        : "Open the sign-in link the node logged at start, or run "
                                + "<code>herald console-link</code> on its machine for a fresh one.";
        String html =
                "<!doctype html><html lang=en><head><meta charset=utf-8><title>Herald Console: sign in"
                        + "</title><link rel=stylesheet href=\"/console/console.css\"></head><body class=signin>"
                        + "<main class=signin-card><h1>Herald Console</h1>"
                        + (problem == null ? "" : "<p class=problem>" + problem + "</p>")
                        + "<p>"
                        + how
                        + "</p></main></body></html>";
        FullHttpResponse res =
                response(
                        HttpResponseStatus.UNAUTHORIZED,
                        Unpooled.wrappedBuffer(html.getBytes(StandardCharsets.UTF_8)));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
        send(ctx, req, res);
    }

    // -- the API

    private void api(ChannelHandlerContext ctx, FullHttpRequest req, QueryStringDecoder uri) {
        String address = address(ctx);
        long now = System.currentTimeMillis();
        String bearer = bearer(req);
        boolean byCookie = bearer == null && key.isCookie(cookie(req));
        boolean signedIn = byCookie || (bearer != null && key.isToken(bearer));
        if (!signedIn) {
            if (!failures.allowed(address, now)) {
                tooMany(ctx, req);
                return;
            }
            failures.failed(address, now);
            error(
                    ctx,
                    req,
                    401,
                    "Sign in first: send Authorization: Bearer TOKEN, or open a sign-in link");
            return;
        }
        List<String> parts =
                List.of(uri.path().substring((PATH + "/api/").length()).split("/", -1));
        boolean post = req.method().equals(HttpMethod.POST);
        if (!post && !req.method().equals(HttpMethod.GET)) {
            error(ctx, req, 405, "Only GET and POST are used here");
            return;
        }
        if (post && byCookie) {
            String refusal = crossSite(req);
            if (refusal != null) {
                error(ctx, req, 403, refusal);
                return;
            }
        }
        if (!post
                && parts.size() == 3
                && parts.get(0).equals("apps")
                && parts.get(2).equals("stream")) {
            api.stream(ctx, parts.get(1));
            return;
        }
        CompletionStage<Object> answer;
        try {
            if (post) {
                answer = api.post(parts, body(req));
            } else {
                answer = api.get(parts, uri.parameters());
            }
        } catch (ApiException e) {
            error(ctx, req, e.status(), e.getMessage());
            return;
        } catch (RuntimeException e) {
            log.warn("Console API call {} failed", ClientInput.quote(uri.path()), e);
            error(ctx, req, 500, "Internal error: see the node's log");
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        answer.whenComplete(
                (body, failure) ->
                        ctx.executor()
                                .execute(
                                        () -> {
                                            if (failure == null) {
                                                json(ctx, keepAlive, 200, body);
                                                return;
                                            }
                                            Throwable cause =
                                                    failure instanceof CompletionException
                                                                    && failure.getCause() != null
                                                            ? failure.getCause()
                                                            : failure;
                                            if (cause instanceof ApiException e) {
                                                json(ctx, keepAlive, e.status(), problem(e));
                                            } else {
                                                log.warn("Console API call failed", cause);
                                                json(
                                                        ctx,
                                                        keepAlive,
                                                        500,
                                                        problem(
                                                                new ApiException(
                                                                        500,
                                                                        "Internal error: see the node's log")));
                                            }
                                        }));
    }

    /**
     * Why a cookie-borne POST is refused, or null: the page's CSRF value must come with it, and a
     * browser that says the request is cross-site, or gives another origin, is not the page.
     */
    private String crossSite(FullHttpRequest req) {
        String site = req.headers().get("Sec-Fetch-Site");
        if (site != null && !site.equals("same-origin") && !site.equals("none")) {
            return "Cross-site request refused";
        }
        String origin = req.headers().get(HttpHeaderNames.ORIGIN);
        String host = req.headers().get(HttpHeaderNames.HOST);
        if (origin != null) {
            String originHost;
            try {
                originHost = URI.create(origin).getRawAuthority();
            } catch (IllegalArgumentException e) {
                originHost = null;
            }
            if (originHost == null || !originHost.equalsIgnoreCase(host)) {
                return "Cross-site request refused: origin " + ClientInput.quote(origin);
            }
        }
        if (!key.isCsrf(req.headers().get(CSRF_HEADER))) {
            return "Missing or wrong "
                    + CSRF_HEADER
                    + " header: take it from GET /console/api/session";
        }
        return null;
    }

    private static JsonNode body(FullHttpRequest req) throws ApiException {
        if (req.content().readableBytes() == 0) {
            return Json.MAPPER.createObjectNode();
        }
        try {
            JsonNode node = Json.MAPPER.readTree(req.content().toString(StandardCharsets.UTF_8));
            if (node == null || !node.isObject()) {
                throw new ApiException(400, "The body must be a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new ApiException(400, "The body is not JSON: " + e.getOriginalMessage());
        }
    }

    // -- answers

    private void asset(ChannelHandlerContext ctx, FullHttpRequest req, String resource) {
        FullHttpResponse res =
                response(HttpResponseStatus.OK, Unpooled.wrappedBuffer(file(resource)));
        String type =
                resource.endsWith(".js")
                        ? "text/javascript; charset=utf-8"
                        : resource.endsWith(".svg") ? "image/svg+xml" : "text/css; charset=utf-8";
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        send(ctx, req, res);
    }

    private byte[] file(String resource) {
        return files.computeIfAbsent(
                resource,
                name -> {
                    try (InputStream in =
                            ConsoleRouter.class.getClassLoader().getResourceAsStream(name)) {
                        if (in == null) {
                            throw new IllegalStateException("missing from the jar: " + name);
                        }
                        return in.readAllBytes();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
    }

    private void tooMany(ChannelHandlerContext ctx, FullHttpRequest req) {
        error(ctx, req, 429, "Too many failed sign-ins from this address: wait a minute");
    }

    /** A refusal on a connection whose request is already taken (a stream that cannot start). */
    static void refuse(ChannelHandlerContext ctx, int status, String message) {
        json(ctx, true, status, problem(new ApiException(status, message)));
    }

    private static void error(
            ChannelHandlerContext ctx, FullHttpRequest req, int status, String message) {
        json(ctx, HttpUtil.isKeepAlive(req), status, problem(new ApiException(status, message)));
    }

    private static ObjectNode problem(ApiException e) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("error", e.getMessage());
        body.put("status", e.status());
        return body;
    }

    private static void json(
            ChannelHandlerContext ctx, boolean keepAlive, int status, Object body) {
        byte[] bytes;
        try {
            bytes = Json.MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a console answer is always serialisable", e);
        }
        FullHttpResponse res =
                response(HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(bytes));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        send(ctx, keepAlive, res);
    }

    private static FullHttpResponse response(HttpResponseStatus status, ByteBuf content) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        res.headers()
                .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes())
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .set("Content-Security-Policy", SECURITY_POLICY)
                .set("X-Content-Type-Options", "nosniff")
                .set("Referrer-Policy", "no-referrer");
        return res;
    }

    private static void send(ChannelHandlerContext ctx, FullHttpRequest req, FullHttpResponse res) {
        send(ctx, HttpUtil.isKeepAlive(req), res);
    }

    private static void send(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse res) {
        if (keepAlive) {
            ctx.writeAndFlush(res, ctx.voidPromise());
        } else {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
        }
    }

    // -- reading the request

    private static String query(String uri) {
        int q = uri.indexOf('?');
        return q < 0 ? "" : uri.substring(q);
    }

    private static String first(QueryStringDecoder uri, String name) {
        List<String> values = uri.parameters().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static String cookie(FullHttpRequest req) {
        String header = req.headers().get(HttpHeaderNames.COOKIE);
        if (header == null || header.length() > 8192) {
            return null;
        }
        for (Cookie c : ServerCookieDecoder.STRICT.decode(header)) {
            if (c.name().equals(COOKIE)) {
                return c.value();
            }
        }
        return null;
    }

    private static String bearer(FullHttpRequest req) {
        String header = req.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return header.substring(7).trim();
    }

    private static String address(ChannelHandlerContext ctx) {
        return ctx.channel().remoteAddress() instanceof InetSocketAddress a
                ? a.getAddress().getHostAddress()
                : "unknown";
    }
}
