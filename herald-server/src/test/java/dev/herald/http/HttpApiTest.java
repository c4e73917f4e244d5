package dev.herald.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.rest.SignatureUtil;
import dev.herald.apps.App;
import dev.herald.apps.AppFeatures;
import dev.herald.apps.AppLimits;
import dev.herald.apps.StaticAppStore;
import dev.herald.protocol.Json;
import dev.herald.testing.RequestSigner;
import dev.herald.testing.SessionHarness;
import dev.herald.testing.SessionHarness.Client;
import dev.herald.testing.SessionHarness.Frame;
import dev.herald.transport.HeraldChannelInitializer;
import dev.herald.transport.HttpLimits;
import dev.herald.transport.WebSocketUpgrade;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The REST API's rules through the server's own HTTP pipeline on an {@link EmbeddedChannel}:
 * validation, limits, channel queries, request signing, and what subscribers (in-process sessions)
 * receive. The official SDKs' side of the same API is proven end to end, once per library, by
 * {@code HttpApiIT} and {@code http-api.test.js}.
 *
 * <p>The app has the credentials of the worked examples of docs/protocol.md §5.2 (app 3), so that
 * the signer used here can be checked against those vectors before it signs what no SDK would.
 */
class HttpApiTest {

    private static final App APP = App.of("3", "278d425bdf160c739803", "7ad3773142a6692b25b8");
    private static final App OTHER = App.of("4", "other-key", "other-secret");

    /**
     * An apps file's small limits: events of 100 bytes, channel names of 50 characters, a 1 s
     * cache.
     */
    private static final App LIMITED =
            App.of("5", "limited-key", "limited-secret")
                    .withLimits(limits(100, 50, Duration.ofSeconds(1)));

    private static final App CHATTY =
            App.of("7", "chatty-key", "chatty-secret")
                    .withFeatures(AppFeatures.defaults().withClientEvents(true));
    private static final App DISABLED =
            App.of("6", "disabled-key", "disabled-secret").withEnabled(false);
    private static final RequestSigner SIGNER = new RequestSigner(APP.key(), APP.secret());
    private static final long SPEC_TIMESTAMP = 1353088179L;
    private static final String SPEC_BODY =
            "{\"name\":\"foo\",\"channels\":[\"project-3\"],\"data\":\"{\\\"some\\\":\\\"data\\\"}\"}";
    private static final String EVENTS = "/apps/3/events";
    private static final String BATCH = "/apps/3/batch_events";

    private SessionHarness harness;
    private final Map<Client, String> socketIds = new HashMap<>();
    private EmbeddedChannel http;

    @BeforeEach
    void open() {
        harness = new SessionHarness(8);
        HttpRouter router =
                new HttpRouter(
                        new StaticAppStore(List.of(APP, OTHER, LIMITED, DISABLED, CHATTY)),
                        harness.context,
                        new WebSocketUpgrade(10_240, 120_000, 30_000),
                        () -> true,
                        () -> Health.OK,
                        harness.metrics,
                        () -> 1);
        http = harness.nextChannel();
        http.pipeline()
                .addLast(
                        new HeraldChannelInitializer(
                                new HttpLimits(1_048_576, 10_000, 60_000), router, null));
    }

    @AfterEach
    void close() {
        harness.close();
    }

    /** One answer: status, content type and body. */
    record Answer(int status, String contentType, String body) {
        JsonNode json() {
            try {
                return Json.MAPPER.readTree(body);
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        /**
         * Asserts the contract's error body {@code {"error":"why","status":N}} and returns the why.
         */
        String refused(int expected) {
            assertThat(status).as("%s", body).isEqualTo(expected);
            assertThat(json().path("status").asInt()).as("error body %s", body).isEqualTo(expected);
            assertThat(json().path("error").asText()).as("error body %s", body).isNotBlank();
            return json().path("error").asText();
        }

        JsonNode ok() {
            assertThat(status).as("%s", body).isEqualTo(200);
            assertThat(contentType).contains("json");
            return json();
        }
    }

    private static AppLimits limits(
            int maxEventBytes, int maxChannelNameLength, Duration cacheTtl) {
        AppLimits d = AppLimits.defaults();
        return new AppLimits(
                d.maxConnections(),
                maxEventBytes,
                d.maxChannelsPerConnection(),
                d.maxPresenceMembers(),
                d.maxPresenceUserInfoBytes(),
                d.clientEventsPerSecond(),
                maxChannelNameLength,
                d.maxWatchlistSize(),
                cacheTtl,
                d.apiRequestsPerSecond());
    }

    private static long now() {
        return System.currentTimeMillis() / 1000;
    }

    /**
     * Sends {@code method path?query} with {@code body} (UTF-8) as written, unsigned unless the
     * query is.
     */
    private Answer send(String method, String pathAndQuery, String body) {
        byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        String head =
                method
                        + " "
                        + pathAndQuery
                        + " HTTP/1.1\r\nHost: localhost\r\n"
                        + (body == null
                                ? ""
                                : "Content-Type: application/json\r\nContent-Length: "
                                        + content.length
                                        + "\r\n")
                        + "\r\n";
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
        request.writeBytes(content);
        http.writeInbound(Unpooled.wrappedBuffer(request.toByteArray()));
        http.runPendingTasks();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object o; (o = http.readOutbound()) != null; ) {
            ByteBuf buf = (ByteBuf) o;
            byte[] bytes = new byte[buf.readableBytes()];
            buf.readBytes(bytes);
            out.writeBytes(bytes);
            buf.release();
        }
        String text = out.toString(StandardCharsets.UTF_8);
        int end = text.indexOf("\r\n\r\n");
        assertThat(end).as("a whole response: %s", text).isPositive();
        String[] headLines = text.substring(0, end).split("\r\n");
        String type = "";
        for (String line : headLines) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-type:")) {
                type = line.substring("content-type:".length()).trim();
            }
        }
        return new Answer(
                Integer.parseInt(headLines[0].split(" ")[1]), type, text.substring(end + 4));
    }

    private Answer post(String path, String body, Map<String, String> query) {
        return send("POST", path + "?" + RequestSigner.queryString(query, true), body);
    }

    /** A POST signed now by the app's own credentials. */
    private Answer post(String path, String body) {
        return post(path, body, SIGNER.sign("POST", path, Map.of(), body, now()));
    }

    /** A GET signed now, its values percent-encoded as the Java SDK sends them. */
    private Answer get(String path, Map<String, String> params) {
        return send(
                "GET",
                path
                        + "?"
                        + RequestSigner.queryString(
                                SIGNER.sign("GET", path, params, null, now()), true),
                null);
    }

    private Answer get(String path) {
        return get(path, Map.of());
    }

    private static String trigger(String name, String data, String... channels) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        body.put("data", data);
        body.put("channels", List.of(channels));
        return write(body);
    }

    private static String write(Object value) {
        try {
            return Json.MAPPER.writeValueAsString(value);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    // --- subscribers ---

    private Client subscriber(String... channels) {
        Client client = harness.connect(APP);
        String socketId = client.socketId();
        socketIds.put(client, socketId);
        for (String channel : channels) {
            String auth =
                    channel.startsWith("private-")
                            ? ",\"auth\":\""
                                    + SessionHarness.auth(APP, socketId, channel, null)
                                    + "\""
                            : "";
            client.send(
                    "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\""
                            + channel
                            + "\""
                            + auth
                            + "}}");
        }
        assertThat(client.frames())
                .extracting(Frame::event)
                .containsOnly("pusher_internal:subscription_succeeded")
                .hasSize(channels.length);
        return client;
    }

    private Client member(String channel, String userId) {
        Client client = harness.connect(APP);
        String socketId = client.socketId();
        String channelData = "{\"user_id\":\"" + userId + "\"}";
        client.send(
                "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\""
                        + channel
                        + "\",\"auth\":\""
                        + SessionHarness.auth(APP, socketId, channel, channelData)
                        + "\",\"channel_data\":"
                        + write(channelData)
                        + "}}");
        assertThat(client.frames())
                .extracting(Frame::event)
                .contains("pusher_internal:subscription_succeeded");
        return client;
    }

    private Client signedIn(String userId) {
        Client client = harness.connect(APP);
        String socketId = client.socketId();
        String userData = "{\"id\":\"" + userId + "\"}";
        client.send(
                "{\"event\":\"pusher:signin\",\"data\":{\"user_data\":"
                        + write(userData)
                        + ",\"auth\":\""
                        + SessionHarness.signin(APP, socketId, userData)
                        + "\"}}");
        assertThat(client.frames())
                .extracting(Frame::event)
                .containsExactly("pusher:signin_success");
        return client;
    }

    /**
     * Event name, channel and data string of each event frame received, member changes left out.
     */
    private static List<String> events(Client client) {
        return client.frames().stream()
                .filter(f -> !f.event().startsWith("pusher"))
                .map(
                        f ->
                                f.event()
                                        + " "
                                        + f.json().path("channel").asText()
                                        + " "
                                        + f.json().path("data").asText())
                .toList();
    }

    @Nested
    class Trigger {

        @Test
        void answers200WithAnEmptyObjectAndDeliversTheDataStringVerbatim() {
            Client client = subscriber("room");

            JsonNode answer = post(EVENTS, trigger("ev", "{\"a\":1,\"s\":\"é\"}", "room")).ok();

            assertThat(answer.toString()).isEqualTo("{}");
            assertThat(events(client)).containsExactly("ev room {\"a\":1,\"s\":\"é\"}");
        }

        @Test
        void acceptsASingleChannelAndObjectData() {
            Client client = subscriber("room");

            post(EVENTS, "{\"name\":\"one\",\"data\":\"{\\\"a\\\":1}\",\"channel\":\"room\"}").ok();
            post(EVENTS, "{\"name\":\"one\",\"data\":{\"b\":2},\"channels\":[\"room\"]}").ok();

            assertThat(events(client)).containsExactly("one room {\"a\":1}", "one room {\"b\":2}");
        }

        @Test
        void reachesPrivateAndPresenceChannels() {
            Client priv = subscriber("private-room");
            Client pres = member("presence-room", "t");

            post(EVENTS, trigger("ev", "{\"both\":true}", "private-room", "presence-room")).ok();

            assertThat(events(priv)).containsExactly("ev private-room {\"both\":true}");
            assertThat(events(pres)).containsExactly("ev presence-room {\"both\":true}");
        }

        @Test
        void goesToAHundredChannelsAndRefusesAHundredAndOneWith400() {
            String[] hundred =
                    IntStream.range(0, 100).mapToObj(i -> "multi-" + i).toArray(String[]::new);
            Client client = subscriber("multi-0", "multi-57", "multi-99");

            post(EVENTS, trigger("fanout", "{}", hundred)).ok();
            assertThat(events(client))
                    .containsExactlyInAnyOrder(
                            "fanout multi-0 {}", "fanout multi-57 {}", "fanout multi-99 {}");

            String[] hundredAndOne =
                    IntStream.range(0, 101).mapToObj(i -> "multi-" + i).toArray(String[]::new);
            assertThat(post(EVENTS, trigger("over", "{}", hundredAndOne)).refused(400))
                    .contains("at most 100");
            assertThat(events(client)).isEmpty();
        }

        @Test
        void leavesOutTheConnectionWhoseSocketIdIsGiven() {
            Client excluded = subscriber("room");
            Client included = subscriber("room");

            post(
                            EVENTS,
                            "{\"name\":\"not-for-you\",\"data\":\"{}\",\"channels\":[\"room\"],\"socket_id\":\""
                                    + socketIds.get(excluded)
                                    + "\"}")
                    .ok();

            assertThat(events(included)).containsExactly("not-for-you room {}");
            assertThat(events(excluded)).isEmpty();
        }

        @Test
        void answersTheCountsAskedForWithInfo() {
            member("presence-counted", "u1");
            member("presence-counted", "u1");
            member("presence-counted", "u2");
            subscriber("counted");
            subscriber("counted");

            JsonNode info =
                    post(
                                    EVENTS,
                                    "{\"name\":\"counted\",\"data\":\"{}\",\"info\":\"user_count,subscription_count\","
                                            + "\"channels\":[\"presence-counted\",\"counted\",\"empty\"]}")
                            .ok()
                            .path("channels");

            assertThat(info.path("presence-counted").toString())
                    .isEqualTo("{\"user_count\":2,\"subscription_count\":3}");
            assertThat(info.path("counted").toString())
                    .as("user_count is for presence only")
                    .isEqualTo("{\"subscription_count\":2}");
            assertThat(info.path("empty").toString()).isEqualTo("{\"subscription_count\":0}");
        }

        @Test
        void acceptsDataOf10240BytesAndRefusesOneByteMoreWith413() {
            Client client = subscriber("sized");
            String largest = "é".repeat(5119) + "xx";
            assertThat(largest.getBytes(StandardCharsets.UTF_8)).hasSize(10_240);

            post(EVENTS, trigger("fits", largest, "sized")).ok();
            assertThat(post(EVENTS, trigger("too-big", largest + "x", "sized")).refused(413))
                    .isEqualTo("Event data is 10241 bytes; the limit is 10240");
            post(EVENTS, trigger("huge", "y".repeat(100 * 1024), "sized")).refused(413);

            assertThat(events(client)).containsExactly("fits sized " + largest);
        }

        @Test
        void refusesMalformedEventsWith400() {
            Client client = subscriber("ok");
            assertThat(post(EVENTS, trigger("ev", "{}", "bad name!")).refused(400))
                    .contains("bad name!");
            post(EVENTS, trigger("ev", "{}", "c".repeat(201))).refused(400);
            assertThat(post(EVENTS, "{\"data\":\"{}\",\"channels\":[\"ok\"]}").refused(400))
                    .isEqualTo("Missing event name: \"name\" is required");
            assertThat(post(EVENTS, "{\"name\":\"ev\",\"channels\":[\"ok\"]}").refused(400))
                    .startsWith("Missing \"data\"");
            assertThat(post(EVENTS, "{\"name\":\"ev\",\"data\":\"{}\"}").refused(400))
                    .isEqualTo("Missing \"channels\" (or \"channel\")");
            assertThat(post(EVENTS, trigger("e".repeat(201), "{}", "ok")).refused(400))
                    .isEqualTo("Event name is longer than 200 characters");
            assertThat(post(EVENTS, "{\"name\":\"e\",").refused(400))
                    .startsWith("Invalid JSON body");
            assertThat(
                            post(
                                            EVENTS,
                                            "{\"name\":\"e\",\"data\":\"{}\",\"channels\":[\"ok\"],\"socket_id\":\"not-a-socket\"}")
                                    .refused(400))
                    .startsWith("Invalid socket_id");

            assertThat(events(client)).isEmpty();
        }
    }

    @Nested
    class Batch {

        private String batch(String... events) {
            return "{\"batch\":[" + String.join(",", events) + "]}";
        }

        private String event(String channel, String name, String data, String extra) {
            return "{\"channel\":\""
                    + channel
                    + "\",\"name\":\""
                    + name
                    + "\",\"data\":"
                    + write(data)
                    + (extra == null ? "" : "," + extra)
                    + "}";
        }

        @Test
        void deliversInOrderAndAnswersTheInfoOfEachEventInOrder() {
            Client a = member("presence-batch", "ba");
            Client b = member("presence-batch", "bb");
            a.frames();
            subscribeAlso(a, "batch-pub");
            subscribeAlso(b, "batch-pub");

            JsonNode answer =
                    post(
                                    BATCH,
                                    batch(
                                            event(
                                                    "batch-pub",
                                                    "b1",
                                                    "{\"n\":1}",
                                                    "\"info\":\"subscription_count\""),
                                            event(
                                                    "presence-batch",
                                                    "b2",
                                                    "{\"n\":2}",
                                                    "\"info\":\"user_count,subscription_count\""),
                                            event("batch-pub", "b3", "three", null)))
                            .ok();

            assertThat(answer.toString())
                    .isEqualTo(
                            "{\"batch\":[{\"subscription_count\":2},"
                                    + "{\"user_count\":2,\"subscription_count\":2},{}]}");
            assertThat(events(b))
                    .containsExactly(
                            "b1 batch-pub {\"n\":1}",
                            "b2 presence-batch {\"n\":2}",
                            "b3 batch-pub three");
        }

        @Test
        void answersAnEmptyObjectWithoutInfo() {
            assertThat(post(BATCH, batch(event("b", "e", "{}", null))).ok().toString())
                    .isEqualTo("{}");
        }

        @Test
        void leavesOutTheSocketIdOfEachEvent() {
            Client first = subscriber("batch-a", "batch-b");
            Client second = subscriber("batch-a");

            post(
                            BATCH,
                            batch(
                                    event("batch-a", "one", "{\"n\":1}", null),
                                    event("batch-b", "two", "{\"n\":2}", null),
                                    event(
                                            "batch-a",
                                            "three",
                                            "{\"n\":3}",
                                            "\"socket_id\":\"" + socketIds.get(first) + "\"")))
                    .ok();

            assertThat(events(first))
                    .containsExactly("one batch-a {\"n\":1}", "two batch-b {\"n\":2}");
            assertThat(events(second))
                    .containsExactly("one batch-a {\"n\":1}", "three batch-a {\"n\":3}");
        }

        @Test
        void acceptsTenEventsAndRefusesElevenWith400DeliveringNone() {
            Client client = subscriber("batch-limit");
            String[] ten =
                    IntStream.range(0, 10)
                            .mapToObj(i -> event("batch-limit", "ten-" + i, "{}", null))
                            .toArray(String[]::new);
            String[] eleven =
                    IntStream.range(0, 11)
                            .mapToObj(i -> event("batch-limit", "eleven-" + i, "{}", null))
                            .toArray(String[]::new);

            post(BATCH, batch(ten)).ok();
            assertThat(post(BATCH, batch(eleven)).refused(400))
                    .isEqualTo("Cannot batch-send more than 10 events at once, got 11");

            assertThat(events(client)).hasSize(10).allMatch(e -> e.startsWith("ten-"));
        }

        @Test
        void refusesABatchWithOneOversizedEventWith413DeliveringNone() {
            Client client = subscriber("bs");

            assertThat(
                            post(
                                            BATCH,
                                            batch(
                                                    event("bs", "small", "x", null),
                                                    event("bs", "big", "x".repeat(10_241), null)))
                                    .refused(413))
                    .startsWith("batch[1]: ");

            assertThat(events(client)).isEmpty();
        }

        private void subscribeAlso(Client client, String channel) {
            client.send(
                    "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"" + channel + "\"}}");
            client.frames();
        }
    }

    @Nested
    class Channels {

        @Test
        void listsOccupiedChannelsOnlyAsEmptyObjectsWithoutInfoAndFiltersByPrefix() {
            subscriber("pfx-one");
            member("presence-listed", "u1");

            JsonNode all = get("/apps/3/channels").ok();
            assertThat(all.toString())
                    .isEqualTo("{\"channels\":{\"pfx-one\":{},\"presence-listed\":{}}}");
            assertThat(get("/apps/3/channels", Map.of("filter_by_prefix", "pfx-")).ok().toString())
                    .isEqualTo("{\"channels\":{\"pfx-one\":{}}}");
        }

        @Test
        void filtersPresenceChannelsWithUserAndSubscriptionCounts() {
            member("presence-filter-a", "u1");
            member("presence-filter-a", "u1");
            member("presence-filter-a", "u2");
            member("presence-filter-b", "u3");
            subscriber("filter-c");

            assertThat(
                            get(
                                            "/apps/3/channels",
                                            Map.of(
                                                    "filter_by_prefix",
                                                    "presence-",
                                                    "info",
                                                    "user_count"))
                                    .ok()
                                    .toString())
                    .isEqualTo(
                            "{\"channels\":{\"presence-filter-a\":{\"user_count\":2},"
                                    + "\"presence-filter-b\":{\"user_count\":1}}}");
            assertThat(
                            get(
                                            "/apps/3/channels",
                                            Map.of(
                                                    "filter_by_prefix",
                                                    "presence-filter-a",
                                                    "info",
                                                    "user_count,subscription_count"))
                                    .ok()
                                    .toString())
                    .isEqualTo(
                            "{\"channels\":{\"presence-filter-a\":{\"user_count\":2,\"subscription_count\":3}}}");
        }

        @Test
        void listsSubscriptionCounts() {
            subscriber("subcount-x");
            subscriber("subcount-x");

            assertThat(
                            get(
                                            "/apps/3/channels",
                                            Map.of(
                                                    "filter_by_prefix",
                                                    "subcount",
                                                    "info",
                                                    "subscription_count"))
                                    .ok()
                                    .toString())
                    .isEqualTo("{\"channels\":{\"subcount-x\":{\"subscription_count\":2}}}");
        }

        @Test
        void refusesUserCountWithoutThePresencePrefixWith400() {
            assertThat(get("/apps/3/channels", Map.of("info", "user_count")).refused(400))
                    .contains("filter_by_prefix=presence-");
            get("/apps/3/channels", Map.of("filter_by_prefix", "private-", "info", "user_count"))
                    .refused(400);
        }

        @Test
        void describesAChannelOccupiedUntilItsLastSubscriberLeaves() {
            Client client = subscriber("occ");
            Client last = subscriber("occ");

            assertThat(
                            get("/apps/3/channels/occ", Map.of("info", "subscription_count"))
                                    .ok()
                                    .toString())
                    .isEqualTo("{\"occupied\":true,\"subscription_count\":2}");
            assertThat(get("/apps/3/channels/unused").ok().toString())
                    .isEqualTo("{\"occupied\":false}");

            client.channel.close();
            client.channel.runPendingTasks();
            assertThat(
                            get("/apps/3/channels/occ", Map.of("info", "subscription_count"))
                                    .ok()
                                    .toString())
                    .isEqualTo("{\"occupied\":true,\"subscription_count\":1}");

            last.channel.close();
            last.channel.runPendingTasks();
            assertThat(get("/apps/3/channels/occ").ok().toString())
                    .isEqualTo("{\"occupied\":false}");
        }

        @Test
        void describesAPresenceChannelWithItsUserCount() {
            member("presence-described", "u1");
            member("presence-described", "u1");
            member("presence-described", "u2");

            assertThat(
                            get(
                                            "/apps/3/channels/presence-described",
                                            Map.of("info", "user_count,subscription_count"))
                                    .ok()
                                    .toString())
                    .isEqualTo("{\"occupied\":true,\"user_count\":2,\"subscription_count\":3}");
        }

        @Test
        void refusesUserCountOfANonPresenceChannelAndAnInvalidNameWith400() {
            subscriber("no-users");

            assertThat(get("/apps/3/channels/no-users", Map.of("info", "user_count")).refused(400))
                    .isEqualTo(
                            "info=user_count is only available for presence channels, not no-users");
            get("/apps/3/channels/bad!name").refused(400);
        }

        @Test
        void listsTheDistinctUsersOfAPresenceChannelByIdOnly() {
            for (String id : List.of("x1", "x2", "x2", "x3")) {
                member("presence-users", id);
            }

            JsonNode body = get("/apps/3/channels/presence-users/users").ok();

            List<String> ids = new ArrayList<>();
            body.path("users")
                    .forEach(
                            user -> {
                                assertThat(user.toString())
                                        .isEqualTo("{\"id\":\"" + user.path("id").asText() + "\"}");
                                ids.add(user.path("id").asText());
                            });
            assertThat(ids).containsExactlyInAnyOrder("x1", "x2", "x3");
            assertThat(get("/apps/3/channels/presence-none/users").ok().toString())
                    .isEqualTo("{\"users\":[]}");
        }

        @Test
        void refusesTheUsersOfANonPresenceChannelWith400() {
            subscriber("public-users");

            assertThat(get("/apps/3/channels/public-users/users").refused(400))
                    .isEqualTo("Users can only be listed for presence channels, not public-users");
            get("/apps/3/channels/private-users/users").refused(400);
        }
    }

    @Nested
    class Signing {

        @Test
        void theTestsSignerReproducesTheSpecVectors() {
            Map<String, String> post =
                    SIGNER.sign("POST", EVENTS, Map.of(), SPEC_BODY, SPEC_TIMESTAMP);
            assertThat(post.get("body_md5")).isEqualTo("ec365a775a4cd0599faeb73354201b6f");
            assertThat(RequestSigner.stringToSign("POST", EVENTS, post))
                    .isEqualTo(
                            "POST\n/apps/3/events\n"
                                    + "auth_key=278d425bdf160c739803&auth_timestamp=1353088179&auth_version=1.0"
                                    + "&body_md5=ec365a775a4cd0599faeb73354201b6f");
            assertThat(post.get("auth_signature"))
                    .isEqualTo("da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c")
                    .isEqualTo(
                            SignatureUtil.sign(
                                    RequestSigner.stringToSign("POST", EVENTS, post),
                                    APP.secret()));

            Map<String, String> get =
                    SIGNER.sign(
                            "GET",
                            "/apps/3/channels",
                            Map.of("filter_by_prefix", "presence-", "info", "user_count"),
                            null,
                            SPEC_TIMESTAMP);
            assertThat(get.get("auth_signature"))
                    .isEqualTo("16819168891cb5dfd72b5c7a5d3d602605b26c6ba1930033b5e2eeeb65010291");
        }

        @Test
        void acceptsTheSpecExamplesSignedNow() {
            assertThat(post(EVENTS, SPEC_BODY).ok().isObject()).isTrue();
            String path = "/apps/3/channels";
            Map<String, String> query =
                    SIGNER.sign(
                            "GET",
                            path,
                            Map.of("filter_by_prefix", "presence-", "info", "user_count"),
                            null,
                            now());
            assertThat(
                            send("GET", path + "?" + RequestSigner.queryString(query, false), null)
                                    .ok()
                                    .path("channels")
                                    .isObject())
                    .isTrue();
        }

        @Test
        void acceptsTimestamps500SecondsOffAndRefuses700SecondsOffWith401() {
            for (long offset : List.of(-500L, 500L)) {
                post(
                                EVENTS,
                                SPEC_BODY,
                                SIGNER.sign("POST", EVENTS, Map.of(), SPEC_BODY, now() + offset))
                        .ok();
            }
            for (long offset : List.of(-700L, 700L)) {
                assertThat(
                                post(
                                                EVENTS,
                                                SPEC_BODY,
                                                SIGNER.sign(
                                                        "POST",
                                                        EVENTS,
                                                        Map.of(),
                                                        SPEC_BODY,
                                                        now() + offset))
                                        .refused(401))
                        .startsWith("Timestamp expired");
            }
            String channels = "/apps/3/channels";
            send(
                            "GET",
                            channels
                                    + "?"
                                    + RequestSigner.queryString(
                                            SIGNER.sign(
                                                    "GET", channels, Map.of(), null, now() + 700),
                                            true),
                            null)
                    .refused(401);
            Map<String, String> original =
                    SIGNER.sign("POST", EVENTS, Map.of(), SPEC_BODY, SPEC_TIMESTAMP);
            assertThat(original.get("auth_signature")).startsWith("da454824");
            post(EVENTS, SPEC_BODY, original).refused(401);
        }

        @Test
        void refusesABodyThatIsNotTheOneSignedWith401() {
            Map<String, String> query = SIGNER.sign("POST", EVENTS, Map.of(), SPEC_BODY, now());
            assertThat(
                            post(EVENTS, SPEC_BODY.replace("project-3", "project-4"), query)
                                    .refused(401))
                    .startsWith("body_md5 does not match the body");
            post(EVENTS, SPEC_BODY, query).ok();

            assertThat(
                            post(
                                            EVENTS,
                                            SPEC_BODY,
                                            SIGNER.sign("POST", EVENTS, Map.of(), null, now()))
                                    .refused(401))
                    .isEqualTo("Missing body_md5 for a request with a body");
        }

        @Test
        void refusesAWrongMissingOrMisplacedSignatureWith401() {
            Map<String, String> query = SIGNER.sign("POST", EVENTS, Map.of(), SPEC_BODY, now());
            String signature = query.get("auth_signature");
            query.put(
                    "auth_signature",
                    (signature.charAt(0) == '0' ? "1" : "0") + signature.substring(1));
            assertThat(post(EVENTS, SPEC_BODY, query).refused(401)).startsWith("Invalid signature");

            query.remove("auth_signature");
            assertThat(post(EVENTS, SPEC_BODY, query).refused(401))
                    .isEqualTo("Missing auth_signature");

            post(EVENTS, SPEC_BODY, SIGNER.sign("POST", BATCH, Map.of(), SPEC_BODY, now()))
                    .refused(401);
            assertThat(send("GET", "/apps/3/channels", null).refused(401))
                    .isEqualTo("Missing auth_key");
        }

        @Test
        void refusesAParameterChangedOrAddedAfterSigning() {
            String path = "/apps/3/channels";
            String query =
                    RequestSigner.queryString(
                            SIGNER.sign("GET", path, Map.of("filter_by_prefix", "a"), null, now()),
                            false);

            send(
                            "GET",
                            path + "?" + query.replace("filter_by_prefix=a", "filter_by_prefix=b"),
                            null)
                    .refused(401);
            assertThat(send("GET", path + "?" + query + "&filter_by_prefix=b", null).status())
                    .isIn(400, 401);
        }

        @Test
        void refusesAnUnsupportedAuthVersionWith401() {
            Map<String, String> query = new LinkedHashMap<>(Map.of("auth_version", "2.0"));
            query.put("auth_key", APP.key());
            query.put("auth_timestamp", Long.toString(now()));
            query.put("body_md5", RequestSigner.md5Hex(SPEC_BODY));
            query.put(
                    "auth_signature",
                    RequestSigner.hmacSha256Hex(
                            APP.secret(), RequestSigner.stringToSign("POST", EVENTS, query)));

            assertThat(post(EVENTS, SPEC_BODY, query).refused(401))
                    .isEqualTo("Version not supported: auth_version must be 1.0");
        }

        @Test
        void verifiesPercentEncodedValuesAgainstTheirDecodedForm() {
            member("presence-signed", "u1");
            String path = "/apps/3/channels/presence-signed";
            Map<String, String> query =
                    SIGNER.sign(
                            "GET",
                            path,
                            Map.of("info", "user_count,subscription_count"),
                            null,
                            now());

            assertThat(RequestSigner.queryString(query, true))
                    .contains("info=user_count%2Csubscription_count");
            String expected = "{\"occupied\":true,\"user_count\":1,\"subscription_count\":1}";
            assertThat(
                            send("GET", path + "?" + RequestSigner.queryString(query, true), null)
                                    .ok()
                                    .toString())
                    .isEqualTo(expected);
            assertThat(
                            send("GET", path + "?" + RequestSigner.queryString(query, false), null)
                                    .ok()
                                    .toString())
                    .isEqualTo(expected);
        }

        @Test
        void refusesAWrongSecretWith401AndDeliversNothing() {
            Client client = subscriber("auth");
            RequestSigner forger = new RequestSigner(APP.key(), "not-the-secret");
            String body = trigger("forged", "{}", "auth");

            post(EVENTS, body, forger.sign("POST", EVENTS, Map.of(), body, now())).refused(401);
            for (String path : List.of("/apps/3/channels", "/apps/3/channels/auth")) {
                send(
                                "GET",
                                path
                                        + "?"
                                        + RequestSigner.queryString(
                                                forger.sign("GET", path, Map.of(), null, now()),
                                                true),
                                null)
                        .refused(401);
            }

            assertThat(events(client)).isEmpty();
        }

        @Test
        void refusesTheKeyOfNoAppWith401AndTheKeyOfAnotherAppWith403() {
            assertThat(
                            post(
                                            EVENTS,
                                            SPEC_BODY,
                                            new RequestSigner("not-the-key", APP.secret())
                                                    .sign(
                                                            "POST", EVENTS, Map.of(), SPEC_BODY,
                                                            now()))
                                    .refused(401))
                    .isEqualTo("Unknown auth_key not-the-key for this app");
            assertThat(
                            post(
                                            EVENTS,
                                            SPEC_BODY,
                                            new RequestSigner(OTHER.key(), OTHER.secret())
                                                    .sign(
                                                            "POST", EVENTS, Map.of(), SPEC_BODY,
                                                            now()))
                                    .refused(403))
                    .contains("belongs to another app");
        }

        @Test
        void answersAnUnknownAppIdOrRouteWith404() {
            String lost = "/apps/no-such-app/events";
            assertThat(post(lost, SPEC_BODY).refused(404)).isEqualTo("Unknown app id no-such-app");
            get("/apps/no-such-app/channels").refused(404);
            assertThat(get("/apps/3/no-such-route").refused(404))
                    .isEqualTo("Not found: GET /apps/3/no-such-route");
        }
    }

    @Nested
    class Users {

        @Test
        void sendsToEverySocketOfTheUserOnceAndToNoOtherSocket() {
            Client laptop = signedIn("alice");
            Client phone = signedIn("alice");
            Client bob = signedIn("bob");
            Client anonymous = subscriber("user-news");

            post(
                            EVENTS,
                            trigger(
                                    "private-note",
                                    "{\"text\":\"hi alice\"}",
                                    "#server-to-user-alice"))
                    .ok();

            for (Client alice : List.of(laptop, phone)) {
                assertThat(events(alice))
                        .containsExactly(
                                "private-note #server-to-user-alice {\"text\":\"hi alice\"}");
            }
            assertThat(events(bob)).isEmpty();
            assertThat(events(anonymous)).isEmpty();
        }

        @Test
        void terminatesEverySocketSignedInAsTheUserWith4009AndNoOther() {
            Client laptop = signedIn("dave");
            Client phone = signedIn("dave");
            Client frank = signedIn("frank");
            Client presenceOnly =
                    member("presence-terminate", "dave"); // a member called dave, never signed in

            JsonNode answer = post("/apps/3/users/dave/terminate_connections", "{}").ok();

            assertThat(answer.isObject()).as("%s", answer).isTrue();
            for (Client dave : List.of(laptop, phone)) {
                List<Frame> frames = dave.frames();
                assertThat(frames).hasSize(2);
                assertThat(frames.get(0).event()).isEqualTo("pusher:error");
                assertThat(frames.get(0).json().path("data").path("code").asInt()).isEqualTo(4009);
                assertThat(frames.get(0).json().path("data").path("message").asText())
                        .isEqualTo("You got disconnected by the app.");
                assertThat(frames.get(1).closeCode()).isEqualTo(4009);
            }
            post(EVENTS, trigger("still-here", "{}", "#server-to-user-frank")).ok();
            assertThat(events(frank)).containsExactly("still-here #server-to-user-frank {}");
            assertThat(presenceOnly.frames()).isEmpty();
            assertThat(presenceOnly.channel.isActive())
                    .as("a presence member that never signed in stays")
                    .isTrue();
        }

        @Test
        void terminatingAUserWithoutConnectionsAnswers200() {
            Client other = signedIn("unrelated");

            assertThat(
                            post("/apps/3/users/nobody-here/terminate_connections", "{}")
                                    .ok()
                                    .isObject())
                    .isTrue();

            assertThat(other.frames()).isEmpty();
            assertThat(other.channel.isActive()).isTrue();
        }
    }

    @Nested
    class PerApp {

        @Test
        void refusesTheApiOfADisabledAppWith403() {
            RequestSigner disabled = new RequestSigner(DISABLED.key(), DISABLED.secret());
            String path = "/apps/6/events";
            String body = trigger("ev", "{}", "news");

            post(path, body, disabled.sign("POST", path, Map.of(), body, now())).refused(403);
            send(
                            "GET",
                            "/apps/6/channels?"
                                    + RequestSigner.queryString(
                                            disabled.sign(
                                                    "GET",
                                                    "/apps/6/channels",
                                                    Map.of(),
                                                    null,
                                                    now()),
                                            true),
                            null)
                    .refused(403);
        }

        @Test
        void appliesEachAppsEventSizeAndChannelNameLength() {
            RequestSigner limited = new RequestSigner(LIMITED.key(), LIMITED.secret());
            String path = "/apps/5/events";
            String fits = trigger("ok", "x".repeat(100), "size");
            String over = trigger("big", "x".repeat(101), "size");
            String longName = trigger("ev", "{}", "d".repeat(51));
            String longestName = trigger("ev", "{}", "d".repeat(50));

            post(path, fits, limited.sign("POST", path, Map.of(), fits, now())).ok();
            post(path, over, limited.sign("POST", path, Map.of(), over, now())).refused(413);
            post(path, longName, limited.sign("POST", path, Map.of(), longName, now()))
                    .refused(400);
            post(path, longestName, limited.sign("POST", path, Map.of(), longestName, now())).ok();
            post(EVENTS, trigger("ok", "x".repeat(5_000), "size")).ok();
        }
    }

    @Nested
    class Cache {

        @Test
        void reportsTheLastEventOfACacheChannelWithItsTtl() {
            post(EVENTS, trigger("first", "{\"v\":1}", "cache-info")).ok();
            post(EVENTS, trigger("second", "{\"v\":2}", "cache-info")).ok();

            JsonNode cache =
                    get("/apps/3/channels/cache-info", Map.of("info", "cache")).ok().path("cache");

            assertThat(cache.path("event").asText()).as("%s", cache).isEqualTo("second");
            assertThat(cache.path("data").asText()).isEqualTo("{\"v\":2}");
            assertThat(cache.path("ttl").isIntegralNumber()).isTrue();
            assertThat(cache.path("ttl").asLong()).isBetween(1L, 1800L);
            JsonNode empty = get("/apps/3/channels/cache-nothing", Map.of("info", "cache")).ok();
            assertThat(empty.path("cache").isMissingNode() || empty.path("cache").isNull())
                    .as("%s", empty)
                    .isTrue();
        }

        private static final List<String> KINDS =
                List.of("cache-", "private-cache-", "presence-cache-", "private-encrypted-cache-");

        /**
         * Subscribes a new connection of that app to the channel, signed as its kind needs; its
         * answers.
         */
        private List<Frame> subscribe(App app, Client client, String channel) {
            String socketId = socketIds.computeIfAbsent(client, Client::socketId);
            String channelData =
                    channel.startsWith("presence-") ? "{\"user_id\":\"reader\"}" : null;
            String auth =
                    channel.startsWith("cache-")
                            ? null
                            : SessionHarness.auth(app, socketId, channel, channelData);
            client.send(
                    "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\""
                            + channel
                            + "\""
                            + (auth == null ? "" : ",\"auth\":\"" + auth + "\"")
                            + (channelData == null ? "" : ",\"channel_data\":" + write(channelData))
                            + "}}");
            return client.frames();
        }

        @Test
        void replaysOnlyTheLastEventRightAfterSubscriptionSucceededOnEveryKindOfCacheChannel() {
            for (String kind : KINDS) {
                String channel = kind + "news";
                post(EVENTS, trigger("older", "{\"n\":1}", channel)).ok();
                post(EVENTS, trigger("latest", "{\"n\":2}", channel)).ok();
                Client first = harness.connect(APP);
                Client second = harness.connect(APP);

                for (Client client : List.of(first, second)) {
                    List<Frame> frames = subscribe(APP, client, channel);
                    assertThat(frames)
                            .as(channel)
                            .extracting(Frame::event)
                            .containsExactly("pusher_internal:subscription_succeeded", "latest");
                    assertThat(frames.get(1).json().path("channel").asText()).isEqualTo(channel);
                    assertThat(frames.get(1).json().path("data").asText()).isEqualTo("{\"n\":2}");
                }
                assertThat(first.frames()).as("a subscriber gets the replay once").isEmpty();
                // a fresh node for the next kind: the harness has a fixed number of connections
                harness.close();
                open();
            }
        }

        @Test
        void sendsACacheMissRightAfterSubscriptionSucceededWhenNothingWasPublished() {
            Client client = harness.connect(APP);
            for (String kind : KINDS) {
                String channel = kind + "empty";

                List<Frame> frames = subscribe(APP, client, channel);

                assertThat(frames)
                        .as(channel)
                        .extracting(Frame::event)
                        .containsExactly(
                                "pusher_internal:subscription_succeeded", "pusher:cache_miss");
                assertThat(frames.get(1).json().path("channel").asText()).isEqualTo(channel);
            }
        }

        @Test
        void doesNotCacheClientEvents() {
            String channel = "private-cache-chat";
            String path = "/apps/7/events";
            String body = trigger("from-server", "{\"s\":1}", channel);
            RequestSigner chatty = new RequestSigner(CHATTY.key(), CHATTY.secret());
            post(path, body, chatty.sign("POST", path, Map.of(), body, now())).ok();
            Client sender = harness.connect(CHATTY);
            Client receiver = harness.connect(CHATTY);
            subscribe(CHATTY, sender, channel);
            subscribe(CHATTY, receiver, channel);

            sender.send(
                    "{\"event\":\"client-typing\",\"channel\":\""
                            + channel
                            + "\",\"data\":{\"c\":1}}");
            assertThat(receiver.frames()).extracting(Frame::event).containsExactly("client-typing");
            List<Frame> late = subscribe(CHATTY, harness.connect(CHATTY), channel);

            assertThat(late)
                    .extracting(Frame::event)
                    .containsExactly("pusher_internal:subscription_succeeded", "from-server");
            String query = "/apps/7/channels/" + channel;
            assertThat(
                            send(
                                            "GET",
                                            query
                                                    + "?"
                                                    + RequestSigner.queryString(
                                                            chatty.sign(
                                                                    "GET",
                                                                    query,
                                                                    Map.of("info", "cache"),
                                                                    null,
                                                                    now()),
                                                            true),
                                            null)
                                    .ok()
                                    .path("cache")
                                    .path("event")
                                    .asText())
                    .isEqualTo("from-server");
        }

        @Test
        void forgetsTheCachedEventAfterTheAppsTtl() throws InterruptedException {
            RequestSigner limited = new RequestSigner(LIMITED.key(), LIMITED.secret());
            String path = "/apps/5/events";
            String body = trigger("soon-gone", "{\"x\":1}", "cache-brief");
            String query = "/apps/5/channels/cache-brief";
            post(path, body, limited.sign("POST", path, Map.of(), body, now())).ok();
            JsonNode cache =
                    send(
                                    "GET",
                                    query
                                            + "?"
                                            + RequestSigner.queryString(
                                                    limited.sign(
                                                            "GET",
                                                            query,
                                                            Map.of("info", "cache"),
                                                            null,
                                                            now()),
                                                    true),
                                    null)
                            .ok()
                            .path("cache");
            assertThat(cache.path("event").asText()).isEqualTo("soon-gone");
            assertThat(cache.path("ttl").asLong()).isBetween(0L, 1L);

            Thread.sleep(1_100); // expiry is the subject: the TTL must pass

            assertThat(
                            send(
                                            "GET",
                                            query
                                                    + "?"
                                                    + RequestSigner.queryString(
                                                            limited.sign(
                                                                    "GET",
                                                                    query,
                                                                    Map.of("info", "cache"),
                                                                    null,
                                                                    now()),
                                                            true),
                                            null)
                                    .ok()
                                    .path("cache")
                                    .path("event")
                                    .isMissingNode())
                    .isTrue();
            assertThat(subscribe(LIMITED, harness.connect(LIMITED), "cache-brief"))
                    .extracting(Frame::event)
                    .containsExactly("pusher_internal:subscription_succeeded", "pusher:cache_miss");
        }
    }
}
