package dev.herald.example.ci;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.herald.example.ci.Model.Build;
import dev.herald.example.ci.Model.LogChunk;
import dev.herald.example.ci.Model.Project;
import dev.herald.example.ci.Model.User;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** All HTTP routes of the dashboard on the JDK's HTTP server. */
final class WebHandler implements HttpHandler {
    static final String SESSION_COOKIE = "ci_session";
    private static final Logger log = LoggerFactory.getLogger(WebHandler.class);
    private static final Pattern PROJECT_PAGE = Pattern.compile("/projects/(\\d+)");
    private static final Pattern PROJECT_START = Pattern.compile("/projects/(\\d+)/builds");
    private static final Pattern BUILD_PAGE = Pattern.compile("/builds/(\\d+)");
    private static final Pattern BUILD_LOG = Pattern.compile("/api/builds/(\\d+)/log");
    private static final Pattern PROJECT_CHANNEL = Pattern.compile("private-project-(\\d{1,18})");
    private static final Pattern BUILD_CHANNEL = Pattern.compile("private-build-(\\d{1,18})");
    private static final Map<String, String> CONTENT_TYPES =
            Map.of(
                    "js",
                    "text/javascript; charset=utf-8",
                    "css",
                    "text/css; charset=utf-8",
                    "txt",
                    "text/plain; charset=utf-8",
                    "png",
                    "image/png",
                    "svg",
                    "image/svg+xml");

    private final Store store;
    private final Publisher publisher;
    private final BuildRunner runner;
    private final ObjectMapper json;
    private final Pages pages;
    private final Map<String, Long> sessions = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

    WebHandler(
            Config config,
            Store store,
            Publisher publisher,
            BuildRunner runner,
            ObjectMapper json) {
        this.store = store;
        this.publisher = publisher;
        this.runner = runner;
        this.json = json;
        this.pages = new Pages(config, json);
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        try (ex) {
            route(ex);
        } catch (Exception e) {
            log.warn("{} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
            try {
                send(ex, 500, "text/plain; charset=utf-8", "Internal error");
            } catch (IOException ignored) {
                // response already started
            }
        }
    }

    private void route(HttpExchange ex) throws IOException, SQLException {
        String method = ex.getRequestMethod();
        String path = ex.getRequestURI().getPath();
        boolean get = method.equals("GET") || method.equals("HEAD");
        boolean post = method.equals("POST");
        Matcher m;

        if (get && path.startsWith("/static/")) {
            serveStatic(ex, path.substring("/static/".length()));
            return;
        }
        if (get && path.equals("/health")) {
            send(ex, 200, "text/plain; charset=utf-8", "ok");
            return;
        }
        if (get && path.equals("/favicon.ico")) {
            send(ex, 204, null, "");
            return;
        }
        if (get && path.equals("/login")) {
            html(ex, 200, pages.login(store.users(), store.projects(), DemoData.ACCESS));
            return;
        }
        if (post && path.equals("/login")) {
            login(ex);
            return;
        }
        if (post && path.equals("/logout")) {
            sessionToken(ex).ifPresent(sessions::remove);
            ex.getResponseHeaders()
                    .add(
                            "Set-Cookie",
                            SESSION_COOKIE + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
            redirect(ex, "/login");
            return;
        }
        if (post && path.equals("/pusher/auth")) {
            pusherAuth(ex);
            return;
        }

        Optional<User> user = currentUser(ex);
        if (user.isEmpty()) {
            if (path.startsWith("/api/") || post) {
                send(ex, 401, "application/json", "{\"error\":\"not logged in\"}");
            } else {
                redirect(ex, "/login");
            }
            return;
        }
        User u = user.get();

        if (get && path.equals("/")) {
            List<Project> projects = store.projectsOf(u.id());
            html(
                    ex,
                    200,
                    pages.dashboard(
                            u,
                            projects,
                            store.recentBuildsFor(u.id(), 10),
                            store.latestBuildPerProject(u.id())));
        } else if (get && (m = PROJECT_PAGE.matcher(path)).matches()) {
            long projectId = Long.parseLong(m.group(1));
            Optional<Project> p = store.project(projectId);
            if (p.isEmpty() || !store.canAccessProject(u.id(), projectId)) {
                html(ex, 404, pages.notFound(u));
                return;
            }
            html(ex, 200, pages.project(u, p.get(), store.buildsOfProject(projectId, 25)));
        } else if (post && (m = PROJECT_START.matcher(path)).matches()) {
            long projectId = Long.parseLong(m.group(1));
            if (!store.canAccessProject(u.id(), projectId)) {
                send(ex, 404, "application/json", "{\"error\":\"no such project\"}");
                return;
            }
            Build b = runner.start(projectId, u.name());
            if (accepts(ex, "application/json")) {
                sendJson(ex, 201, b);
            } else {
                redirect(ex, "/projects/" + projectId);
            }
        } else if (get && (m = BUILD_PAGE.matcher(path)).matches()) {
            long buildId = Long.parseLong(m.group(1));
            Optional<Build> b = store.build(buildId);
            if (b.isEmpty() || !store.canAccessBuild(u.id(), buildId)) {
                html(ex, 404, pages.notFound(u));
                return;
            }
            html(ex, 200, pages.build(u, b.get(), store.linesAfter(buildId, 0)));
        } else if (get && path.equals("/api/builds")) {
            Map<String, String> q = parseForm(ex.getRequestURI().getRawQuery());
            long since = parseLong(q.get("since"), 0);
            Long projectId = q.containsKey("project") ? parseLong(q.get("project"), -1) : null;
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("builds", store.buildsChangedSince(u.id(), projectId, since, 50));
            sendJson(ex, 200, body);
        } else if (get && (m = BUILD_LOG.matcher(path)).matches()) {
            long buildId = Long.parseLong(m.group(1));
            Optional<Build> b = store.build(buildId);
            if (b.isEmpty() || !store.canAccessBuild(u.id(), buildId)) {
                send(ex, 404, "application/json", "{\"error\":\"no such build\"}");
                return;
            }
            int after =
                    (int) parseLong(parseForm(ex.getRequestURI().getRawQuery()).get("after"), 0);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("build", b.get());
            body.put("log", new LogChunk(buildId, store.linesAfter(buildId, after)));
            sendJson(ex, 200, body);
        } else {
            html(ex, 404, pages.notFound(u));
        }
    }

    /**
     * pusher-js posts {@code socket_id} and {@code channel_name}, form-encoded. Answer 200 with the
     * signature for channels this user may read, 403 for everything else.
     */
    private void pusherAuth(HttpExchange ex) throws IOException, SQLException {
        Map<String, String> form = parseForm(readBody(ex));
        String socketId = form.getOrDefault("socket_id", "");
        String channel = form.getOrDefault("channel_name", "");
        Optional<User> user = currentUser(ex);
        boolean allowed = false;
        if (user.isPresent()) {
            long uid = user.get().id();
            Matcher m;
            if ((m = PROJECT_CHANNEL.matcher(channel)).matches()) {
                allowed = store.canAccessProject(uid, Long.parseLong(m.group(1)));
            } else if ((m = BUILD_CHANNEL.matcher(channel)).matches()) {
                allowed = store.canAccessBuild(uid, Long.parseLong(m.group(1)));
            }
        }
        if (!allowed) {
            log.info(
                    "pusher auth refused: user {} channel {}",
                    user.map(User::login).orElse("-"),
                    channel);
            send(ex, 403, "text/plain; charset=utf-8", "Not authorized");
            return;
        }
        String signed;
        try {
            signed = publisher.authenticate(socketId, channel);
        } catch (IllegalArgumentException e) {
            send(ex, 400, "text/plain; charset=utf-8", "Bad request: " + e.getMessage());
            return;
        }
        send(ex, 200, "application/json", signed);
    }

    private void login(HttpExchange ex) throws IOException, SQLException {
        Map<String, String> form = parseForm(readBody(ex));
        Optional<User> user = store.userByLogin(form.getOrDefault("user", ""));
        if (user.isEmpty()) {
            html(ex, 400, pages.login(store.users(), store.projects(), DemoData.ACCESS));
            return;
        }
        byte[] bytes = new byte[24];
        random.nextBytes(bytes);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        sessions.put(token, user.get().id());
        ex.getResponseHeaders()
                .add(
                        "Set-Cookie",
                        SESSION_COOKIE + "=" + token + "; Path=/; HttpOnly; SameSite=Lax");
        redirect(ex, "/");
    }

    private Optional<User> currentUser(HttpExchange ex) throws SQLException {
        Optional<String> token = sessionToken(ex);
        if (token.isEmpty()) {
            return Optional.empty();
        }
        Long id = sessions.get(token.get());
        return id == null ? Optional.empty() : store.user(id);
    }

    private static Optional<String> sessionToken(HttpExchange ex) {
        List<String> headers = ex.getRequestHeaders().get("Cookie");
        if (headers == null) {
            return Optional.empty();
        }
        for (String header : headers) {
            for (String part : header.split(";")) {
                String p = part.trim();
                if (p.startsWith(SESSION_COOKIE + "=")) {
                    return Optional.of(p.substring(SESSION_COOKIE.length() + 1));
                }
            }
        }
        return Optional.empty();
    }

    private void serveStatic(HttpExchange ex, String name) throws IOException {
        if (name.contains("..") || name.startsWith("/")) {
            send(ex, 404, "text/plain; charset=utf-8", "Not found");
            return;
        }
        try (InputStream in = WebHandler.class.getResourceAsStream("/static/" + name)) {
            if (in == null) {
                send(ex, 404, "text/plain; charset=utf-8", "Not found");
                return;
            }
            byte[] bytes = in.readAllBytes();
            String ext = name.substring(name.lastIndexOf('.') + 1);
            ex.getResponseHeaders().set("Cache-Control", "no-cache");
            send(ex, 200, CONTENT_TYPES.getOrDefault(ext, "application/octet-stream"), bytes);
        }
    }

    // ---- small HTTP helpers -------------------------------------------------------------------

    private static boolean accepts(HttpExchange ex, String type) {
        String accept = ex.getRequestHeaders().getFirst("Accept");
        return accept != null && accept.contains(type);
    }

    private static String readBody(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            return new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
        }
    }

    static Map<String, String> parseForm(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            String v = eq < 0 ? "" : pair.substring(eq + 1);
            out.putIfAbsent(
                    URLDecoder.decode(k, StandardCharsets.UTF_8),
                    URLDecoder.decode(v, StandardCharsets.UTF_8));
        }
        return out;
    }

    private static long parseLong(String s, long def) {
        if (s == null) {
            return def;
        }
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return def;
        }
    }

    private void html(HttpExchange ex, int status, String body) throws IOException {
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        send(ex, status, "text/html; charset=utf-8", body);
    }

    private void sendJson(HttpExchange ex, int status, Object body) throws IOException {
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        send(ex, status, "application/json", json.writeValueAsBytes(body));
    }

    private static void redirect(HttpExchange ex, String location) throws IOException {
        ex.getResponseHeaders().set("Location", location);
        send(ex, 303, null, "");
    }

    private static void send(HttpExchange ex, int status, String contentType, String body)
            throws IOException {
        send(ex, status, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange ex, int status, String contentType, byte[] body)
            throws IOException {
        if (contentType != null) {
            ex.getResponseHeaders().set("Content-Type", contentType);
        }
        boolean noBody = body.length == 0 || ex.getRequestMethod().equals("HEAD") || status == 204;
        ex.sendResponseHeaders(status, noBody ? -1 : body.length);
        if (!noBody) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
