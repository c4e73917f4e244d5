package dev.herald.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.herald.activity.ActivityEvent;
import dev.herald.activity.StatsHistory;
import dev.herald.activity.StatsSeries;
import dev.herald.apps.App;
import dev.herald.apps.AppFields;
import dev.herald.apps.AppIds;
import dev.herald.apps.AppStore;
import dev.herald.apps.jdbc.JdbcApps;
import dev.herald.apps.jdbc.JdbcAppsException;
import dev.herald.broker.NodeCommand;
import dev.herald.cluster.ClusterView;
import dev.herald.http.ApiException;
import dev.herald.internal.Redact;
import dev.herald.protocol.ChannelKind;
import dev.herald.protocol.ClientInput;
import dev.herald.protocol.Json;
import dev.herald.protocol.Member;
import io.micrometer.core.instrument.Counter;
import io.netty.channel.ChannelHandlerContext;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The console's JSON API (docs/console.md): what each call reads or changes, answered as JSON. The
 * router has signed the caller in and checked CSRF before any call reaches here. Secrets never
 * leave: apps are shown with their secret masked, and a rotated secret comes from the caller.
 */
final class ConsoleApi {

    static final String MASK = "••••";
    static final int MAX_CHANNELS = 1_000;

    private final String node;
    private final AppStore apps;
    private final JdbcApps jdbc;
    private final Console.Parts parts;
    private final StatsHistory history;
    private final Supplier<String> csrf;
    private final int maxViewers;
    private final Counter dropped;
    private final Executor worker;
    private final AtomicInteger viewers = new AtomicInteger();

    /**
     * @param csrf the value a browser's changes must carry
     * @param dropped counts what viewers did not take, node-wide
     * @param worker where reads that may wait for Redis run
     */
    ConsoleApi(
            Console.Parts parts,
            Supplier<String> csrf,
            int maxViewers,
            Counter dropped,
            Executor worker) {
        this.parts = parts;
        this.node = parts.node();
        this.apps = parts.apps();
        this.jdbc = parts.jdbc();
        this.history = parts.history();
        this.csrf = csrf;
        this.maxViewers = maxViewers;
        this.dropped = dropped;
        this.worker = worker;
    }

    CompletionStage<Object> get(List<String> path, Map<String, List<String>> query)
            throws ApiException {
        if (path.equals(List.of("session"))) {
            return done(session());
        }
        if (path.equals(List.of("apps"))) {
            return async(this::apps); // the apps database is read off the loop
        }
        if (path.size() >= 3 && path.get(0).equals("apps")) {
            App app = app(path.get(1));
            String what = path.get(2);
            if (path.size() == 3) {
                switch (what) {
                    case "overview":
                        // the history may wait for Redis: never on the ops port's loop
                        return CompletableFuture.supplyAsync(() -> overview(app), worker);
                    case "stats":
                        StatsSeries.Span span = span(param(query, "span", "hour"));
                        return CompletableFuture.supplyAsync(() -> stats(app, span), worker);
                    case "channels":
                        return channels(
                                app,
                                param(query, "prefix", ""),
                                limit(param(query, "limit", String.valueOf(MAX_CHANNELS))));
                    case "users":
                        return users(app);
                    case "webhooks":
                        return done(parts.webhooks().report(app.id()));
                    default:
                        break;
                }
            }
            if (path.size() == 5 && what.equals("channels") && path.get(4).equals("members")) {
                return members(app, path.get(3));
            }
        }
        throw notFound(path);
    }

    CompletionStage<Object> post(List<String> path, JsonNode body) throws ApiException {
        if (path.equals(List.of("apps"))) {
            return async(() -> create(body));
        }
        if (path.size() >= 3 && path.get(0).equals("apps")) {
            String id = path.get(1);
            if (path.size() == 3) {
                switch (path.get(2)) {
                    case "disable":
                        return async(() -> setEnabled(id, false));
                    case "enable":
                        return async(() -> setEnabled(id, true));
                    case "secret":
                        return async(() -> rotate(id, body));
                    case "events":
                        return parts.events().trigger(app(id), body);
                    default:
                        break;
                }
            }
            if (path.size() == 5
                    && path.get(2).equals("users")
                    && path.get(4).equals("terminate")) {
                App app = app(id);
                String user = path.get(3);
                if (user.isEmpty() || user.length() > ClientInput.MAX_USER_ID_LENGTH) {
                    throw new ApiException(
                            400,
                            "A user id is 1 to " + ClientInput.MAX_USER_ID_LENGTH + " characters");
                }
                parts.broker().broadcast(NodeCommand.terminateUser(app.id(), user));
                return done(Json.MAPPER.createObjectNode());
            }
            if (path.size() == 5
                    && path.get(2).equals("webhooks")
                    && path.get(4).equals("replay")) {
                return done(parts.webhooks().replay(app(id).id(), path.get(3)));
            }
        }
        throw notFound(path);
    }

    /** Starts a debug stream on this request's connection, within the node's bound on viewers. */
    void stream(ChannelHandlerContext ctx, String appId) {
        App app = apps.byId(appId).orElse(null);
        if (app == null) {
            ConsoleRouter.refuse(ctx, 404, "No app " + ClientInput.quote(appId));
            return;
        }
        if (viewers.incrementAndGet() > maxViewers) {
            viewers.decrementAndGet();
            ConsoleRouter.refuse(
                    ctx,
                    429,
                    "This node serves "
                            + maxViewers
                            + " debug streams at once (HERALD_CONSOLE_MAX_VIEWERS); close one first");
            return;
        }
        new Viewer(ctx.channel(), dropped).start(parts.feed(), app.id(), viewers::decrementAndGet);
    }

    int viewers() {
        return viewers.get();
    }

    // -- reads

    private ObjectNode session() {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("node", node);
        out.put("clustered", parts.clustered());
        out.put("csrf", csrf.get());
        out.put("live_nodes", parts.liveNodes().getAsInt());
        out.put("data_limit", ActivityEvent.MAX_DATA_CHARS);
        return out;
    }

    private ObjectNode apps() {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("editable", jdbc != null);
        ArrayNode list = out.putArray("apps");
        List<App> all = new ArrayList<>(apps.all());
        all.sort((a, b) -> a.id().compareTo(b.id()));
        Set<String> stored = new HashSet<>();
        if (jdbc != null) {
            jdbc.list().forEach(a -> stored.add(a.id()));
        }
        for (App app : all) {
            list.add(describe(app, stored.contains(app.id())));
        }
        Map<String, String> defaults = AppFields.describe(App.of("x", "x", "x"));
        ArrayNode fields = out.putArray("fields");
        AppFields.fields()
                .forEach(
                        f -> {
                            ObjectNode field = fields.addObject();
                            field.put("name", f.name());
                            field.put("requirement", f.type().requirement());
                            field.put("default", defaults.get(f.name()));
                        });
        return out;
    }

    private static ObjectNode describe(App app, boolean stored) {
        ObjectNode a = Json.MAPPER.createObjectNode();
        a.put("id", app.id());
        a.put("key", app.key());
        a.put("secret", MASK);
        a.put("enabled", app.enabled());
        a.put("source", stored ? "database" : "config");
        ObjectNode settings = a.putObject("settings");
        AppFields.describe(app).forEach(settings::put);
        ArrayNode targets = a.putArray("webhooks");
        app.webhooks().forEach(t -> targets.add(Redact.url(t.url().toString())));
        return a;
    }

    private Object overview(App app) {
        long now = System.currentTimeMillis();
        StatsSeries hour = history.series(app.id(), StatsSeries.Span.HOUR, now);
        StatsSeries day = history.series(app.id(), StatsSeries.Span.DAY, now);
        // the step before the current one is the last whole one
        int last = hour.span().steps() - 2;
        long todayStart =
                LocalDate.now(ZoneOffset.UTC)
                        .atStartOfDay(ZoneOffset.UTC)
                        .toInstant()
                        .toEpochMilli();
        int firstToday = (int) Math.max(0, (todayStart - day.start()) / day.span().stepMillis());
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("connections", parts.hub().clusterConnectionCount(app.id()));
        out.put(
                "messages_per_second",
                hour.totalMessages()[last] * 1000.0 / StatsHistory.STEP_MILLIS);
        ObjectNode today = out.putObject("today");
        today.put("date", LocalDate.now(ZoneOffset.UTC).toString());
        today.put("peak_connections", max(day.totalConnections(), firstToday));
        today.put("messages", sum(day.totalMessages(), firstToday));
        ObjectNode nodes = out.putObject("nodes");
        for (String n : new TreeSet<>(day.connections().keySet())) {
            ObjectNode one = nodes.putObject(n);
            long[] hc = hour.connections().get(n);
            long[] hm = hour.messages().get(n);
            one.put(
                    "connections",
                    n.equals(node)
                            ? parts.hub().connectionCount(app.id())
                            : hc == null ? 0 : hc[last]);
            one.put(
                    "messages_per_second",
                    hm == null ? 0 : hm[last] * 1000.0 / StatsHistory.STEP_MILLIS);
            one.put("peak_connections", max(day.connections().get(n), firstToday));
            one.put("messages", sum(day.messages().get(n), firstToday));
        }
        if (!nodes.has(node)) {
            ObjectNode one = nodes.putObject(node);
            one.put("connections", parts.hub().connectionCount(app.id()));
            one.put("messages_per_second", 0);
            one.put("peak_connections", parts.hub().connectionCount(app.id()));
            one.put("messages", 0);
        }
        return out;
    }

    private static StatsSeries.Span span(String span) throws ApiException {
        return switch (span) {
            case "hour" -> StatsSeries.Span.HOUR;
            case "day" -> StatsSeries.Span.DAY;
            default -> throw new ApiException(400, "span is hour or day");
        };
    }

    private Object stats(App app, StatsSeries.Span which) {
        String span = which == StatsSeries.Span.HOUR ? "hour" : "day";
        StatsSeries series = history.series(app.id(), which, System.currentTimeMillis());
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("span", span);
        out.put("start", series.start());
        out.put("step_ms", which.stepMillis());
        out.set("connections", Json.MAPPER.valueToTree(series.totalConnections()));
        out.set("messages", Json.MAPPER.valueToTree(series.totalMessages()));
        ObjectNode nodes = out.putObject("nodes");
        for (String n : new TreeSet<>(series.connections().keySet())) {
            ObjectNode one = nodes.putObject(n);
            one.set("connections", Json.MAPPER.valueToTree(series.connections().get(n)));
            one.set("messages", Json.MAPPER.valueToTree(series.messages().get(n)));
        }
        return out;
    }

    private CompletionStage<Object> channels(App app, String prefix, int limit)
            throws ApiException {
        if (prefix.length() > app.limits().maxChannelNameLength()) {
            throw new ApiException(400, "prefix is longer than a channel name can be");
        }
        return parts.view()
                .channels(app.id())
                .thenApply(
                        all -> {
                            Map<String, ClusterView.Counts> sorted = new TreeMap<>(all);
                            ObjectNode out = Json.MAPPER.createObjectNode();
                            ArrayNode list = out.putArray("channels");
                            boolean truncated = false;
                            for (Map.Entry<String, ClusterView.Counts> e : sorted.entrySet()) {
                                if (!e.getKey().startsWith(prefix)) {
                                    continue;
                                }
                                if (list.size() == limit) {
                                    truncated = true;
                                    break;
                                }
                                ObjectNode c = list.addObject();
                                c.put("name", e.getKey());
                                c.put("subscription_count", e.getValue().subscriptions());
                                if (ChannelKind.of(e.getKey()).isPresence()) {
                                    c.put("user_count", e.getValue().users());
                                }
                            }
                            out.put("truncated", truncated);
                            return out;
                        });
    }

    private CompletionStage<Object> members(App app, String channel) throws ApiException {
        if (!ChannelKind.of(channel).isPresence()
                || channel.length() > app.limits().maxChannelNameLength()) {
            throw new ApiException(400, "Members are listed for presence channels only");
        }
        return parts.view()
                .members(app.id(), channel)
                .thenApply(
                        members -> {
                            ObjectNode out = Json.MAPPER.createObjectNode();
                            ArrayNode list = out.putArray("members");
                            for (Member m : members) {
                                ObjectNode one = list.addObject();
                                one.put("id", m.userId());
                                one.set("info", info(m.userInfo()));
                            }
                            return out;
                        });
    }

    private static JsonNode info(String userInfo) {
        if (userInfo == null) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(userInfo);
        } catch (JsonProcessingException e) {
            return Json.MAPPER.getNodeFactory().textNode(userInfo);
        }
    }

    private CompletionStage<Object> users(App app) {
        return parts.view()
                .signedInUsers(app.id())
                .thenApply(
                        users -> {
                            ObjectNode out = Json.MAPPER.createObjectNode();
                            ArrayNode list = out.putArray("users");
                            int n = 0;
                            for (Map.Entry<String, Integer> e : users.entrySet()) {
                                if (n++ == MAX_CHANNELS) {
                                    out.put("truncated", true);
                                    break;
                                }
                                ObjectNode one = list.addObject();
                                one.put("id", e.getKey());
                                one.put("connections", e.getValue());
                            }
                            return out;
                        });
    }

    // -- changes (database apps only)

    private ObjectNode create(JsonNode body) throws ApiException {
        JdbcApps db = editable();
        String id = text(body, "id");
        String key = text(body, "key");
        String secret = text(body, "secret");
        if (id == null || !AppIds.isValid(id)) {
            throw new ApiException(400, "id: " + (id == null ? "required" : AppIds.problem(id)));
        }
        if (key == null || key.isBlank() || key.length() > 255) {
            throw new ApiException(400, "key: 1 to 255 characters");
        }
        checkSecret(secret);
        Map<String, String> settings = new LinkedHashMap<>();
        JsonNode given = body.get("settings");
        if (given != null && given.isObject()) {
            for (Map.Entry<String, JsonNode> e : given.properties()) {
                settings.put(
                        e.getKey(),
                        e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString());
            }
        }
        App app;
        try {
            app = AppFields.apply(App.of(id, key, secret), settings);
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, e.getMessage());
        }
        try {
            db.insert(app);
        } catch (JdbcAppsException e) {
            throw new ApiException(
                    e.conflict() ? 409 : 503,
                    e.conflict()
                            ? "An app with this id or key exists"
                            : "The apps database: " + e.getMessage());
        }
        parts.appsChanged().run();
        return describe(app, true);
    }

    private ObjectNode setEnabled(String id, boolean enabled) throws ApiException {
        JdbcApps db = editable();
        App app = app(id);
        if (!db.setEnabled(app.id(), enabled)) {
            throw new ApiException(
                    409, "App " + ClientInput.quote(id) + " is not one of the database's");
        }
        parts.appsChanged().run();
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.set("app", describe(app.withEnabled(enabled), true));
        return out;
    }

    private ObjectNode rotate(String id, JsonNode body) throws ApiException {
        JdbcApps db = editable();
        App app = app(id);
        String secret = text(body, "secret");
        checkSecret(secret);
        if (!db.setSecret(app.id(), secret)) {
            throw new ApiException(
                    409, "App " + ClientInput.quote(id) + " is not one of the database's");
        }
        parts.appsChanged().run();
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.set("app", describe(app, true));
        return out;
    }

    private static void checkSecret(String secret) throws ApiException {
        if (secret == null || secret.length() < 16 || secret.length() > 255 || secret.isBlank()) {
            throw new ApiException(400, "secret: 16 to 255 characters");
        }
    }

    private JdbcApps editable() throws ApiException {
        if (jdbc == null) {
            throw new ApiException(
                    409,
                    "Apps come from the configuration and are read-only here: change them there, "
                            + "or keep apps in a database (HERALD_APPS_JDBC_URL)");
        }
        return jdbc;
    }

    // -- helpers

    private App app(String id) throws ApiException {
        return apps.byId(id)
                .orElseThrow(() -> new ApiException(404, "No app " + ClientInput.quote(id)));
    }

    private static ApiException notFound(List<String> path) {
        return new ApiException(
                404, "No such console call: " + ClientInput.quote(String.join("/", path)));
    }

    private static String param(Map<String, List<String>> query, String name, String fallback) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? fallback : values.get(0);
    }

    private static int limit(String text) throws ApiException {
        try {
            int n = Integer.parseInt(text);
            if (n >= 1 && n <= MAX_CHANNELS) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new ApiException(400, "limit is 1 to " + MAX_CHANNELS);
    }

    private static String text(JsonNode body, String field) {
        JsonNode v = body.get(field);
        return v == null || !v.isTextual() ? null : v.asText();
    }

    private static long max(long[] values, int from) {
        long m = 0;
        if (values != null) {
            for (int i = from; i < values.length; i++) {
                m = Math.max(m, values[i]);
            }
        }
        return m;
    }

    private static long sum(long[] values, int from) {
        long s = 0;
        if (values != null) {
            for (int i = from; i < values.length; i++) {
                s += values[i];
            }
        }
        return s;
    }

    /** A read or change that may wait (for the apps database), on the console's own thread. */
    private CompletionStage<Object> async(Call call) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return call.run();
                    } catch (ApiException e) {
                        throw new CompletionException(e);
                    }
                },
                worker);
    }

    private interface Call {
        Object run() throws ApiException;
    }

    private static CompletionStage<Object> done(Object value) {
        return CompletableFuture.completedFuture(value);
    }
}
