package dev.herald.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.pusher.rest.Pusher;
import com.pusher.rest.data.Event;
import com.pusher.rest.data.PresenceUser;
import com.pusher.rest.data.Result;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Json;
import dev.herald.testing.OpenResources;
import dev.herald.testing.RawWebSocket;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * pusher-http-java 1.3.4, unchanged, against Herald's HTTP API: trigger, batch, channel
 * queries, and how each refusal maps onto {@link Result}. Where the SDK has no method (the
 * experimental {@code info} on trigger), its generic signed {@code post} is used.
 */
class HttpApiIT {

    private static final int MAX_EVENT_BYTES = 10_240;

    private static HeraldProcess herald;
    private static Pusher sdk;
    @RegisterExtension
    final OpenResources open = new OpenResources();

    @BeforeAll
    static void startServer() {
        herald = HeraldProcess.start("http-api");
        sdk = Sdk.of(herald);
    }

    @AfterAll
    static void stopServer() {
        if (herald != null) {
            herald.close();
        }
    }

    private RawWebSocket subscriber(String... channels) {
        RawWebSocket ws = open.track(RawWebSocket.connect(herald));
        for (String channel : channels) {
            ws.subscribeAndAwait(channel);
        }
        return ws;
    }

    private RawWebSocket presenceMember(String channel, String userId) {
        RawWebSocket ws = open.track(RawWebSocket.connect(herald));
        ws.subscribePresence(sdk, channel, new PresenceUser(userId));
        ws.awaitEvent("pusher_internal:subscription_succeeded", channel);
        return ws;
    }

    // --- trigger ---

    @Test
    void triggersAnEventToOneChannelAndAnswers200WithAJsonObject() {
        RawWebSocket ws = subscriber("public-one");

        Result result = sdk.trigger("public-one", "greeting", Map.of("hello", "world"));

        assertThat(result.getStatus()).isEqualTo(Result.Status.SUCCESS);
        assertThat(result.getHttpStatus()).isEqualTo(200);
        assertThat(Json.parse(result.getMessage()).isObject()).as("body %s", result.getMessage()).isTrue();
        JsonNode event = ws.awaitEvent("greeting", "public-one");
        assertThat(event.path("data").asText()).isEqualTo("{\"hello\":\"world\"}");
    }

    @Test
    void triggersOneEventToOneHundredChannels() {
        List<String> channels = IntStream.range(0, 100).mapToObj(i -> "public-multi-" + i).collect(Collectors.toList());
        RawWebSocket ws = subscriber("public-multi-0", "public-multi-57", "public-multi-99");

        Sdk.ok(sdk.trigger(channels, "fanout", Map.of("n", 100)));

        List<String> received = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            received.add(ws.awaitEvent("fanout").path("channel").asText());
        }
        assertThat(received).containsExactlyInAnyOrder("public-multi-0", "public-multi-57", "public-multi-99");
    }

    @Test
    void refusesMoreThanOneHundredChannelsWith400() {
        ArrayNode channels = Json.MAPPER.createArrayNode();
        IntStream.range(0, 101).forEach(i -> channels.add("public-over-" + i));
        ObjectNode body = Json.MAPPER.createObjectNode().put("name", "too-many").put("data", "{}");
        body.set("channels", channels);

        assertRefused(sdk.post("/events", Json.write(body)), Result.Status.CLIENT_ERROR, 400);
    }

    @Test
    void excludesTheConnectionWhoseSocketIdIsGiven() {
        JavaClient excluded = open.track(JavaClient.connected(herald, "excluded"));
        JavaClient included = open.track(JavaClient.connected(herald, "included"));
        JavaClient.Recorder excludedChannel = excluded.subscribe("public-exclusion");
        JavaClient.Recorder includedChannel = included.subscribe("public-exclusion");

        Sdk.ok(sdk.trigger(List.of("public-exclusion"), "not-for-you", Map.of("x", 1), excluded.socketId()));

        includedChannel.awaitEvent("not-for-you");
        excludedChannel.fence(sdk);
        assertThat(excludedChannel.events("not-for-you")).isEmpty();
    }

    @Test
    void triggerResponseCarriesSubscriptionAndUserCountsWhenInfoIsAsked() {
        presenceMember("presence-counted", "u1");
        presenceMember("presence-counted", "u1");
        presenceMember("presence-counted", "u2");
        subscriber("public-counted");
        subscriber("public-counted");
        ObjectNode body = Json.MAPPER.createObjectNode().put("name", "counted").put("data", "{}")
                .put("info", "user_count,subscription_count");
        body.putArray("channels").add("presence-counted").add("public-counted");

        JsonNode info = Json.parse(Sdk.ok(sdk.post("/events", Json.write(body))).getMessage()).path("channels");

        assertThat(info.path("presence-counted").path("user_count").asInt()).isEqualTo(2);
        assertThat(info.path("presence-counted").path("subscription_count").asInt()).isEqualTo(3);
        assertThat(info.path("public-counted").path("subscription_count").asInt()).isEqualTo(2);
        assertThat(info.path("public-counted").has("user_count")).as("user_count is for presence only").isFalse();
    }

    // --- batch ---

    @Test
    void triggersABatchWithPerEventSocketExclusion() {
        RawWebSocket first = subscriber("public-batch-a", "public-batch-b");
        RawWebSocket second = subscriber("public-batch-a");

        Sdk.ok(sdk.trigger(List.of(
                new Event("public-batch-a", "one", Map.of("n", 1)),
                new Event("public-batch-b", "two", Map.of("n", 2)),
                new Event("public-batch-a", "three", Map.of("n", 3), first.socketId()))));

        Sdk.ok(sdk.trigger("public-batch-a", "after", Map.of()));
        List<JsonNode> toFirst = first.framesBefore("after");
        List<JsonNode> toSecond = second.framesBefore("after");
        assertThat(toFirst).extracting(f -> f.path("event").asText() + " " + f.path("channel").asText()
                        + " " + f.path("data").asText())
                .as("socket_id of the third event excludes the first connection")
                .containsExactlyInAnyOrder("one public-batch-a {\"n\":1}", "two public-batch-b {\"n\":2}");
        assertThat(toSecond).extracting(f -> f.path("event").asText()).containsExactly("one", "three");
    }

    @Test
    void refusesABatchOfMoreThanTenEventsWith400AndDeliversNone() {
        RawWebSocket ws = subscriber("public-batch-over");
        List<Event> batch = IntStream.range(0, 11)
                .mapToObj(i -> new Event("public-batch-over", "overflow", Map.of("i", i)))
                .collect(Collectors.toList());

        assertRefused(sdk.trigger(batch), Result.Status.CLIENT_ERROR, 400);

        Sdk.ok(sdk.trigger("public-batch-over", "after", Map.of()));
        assertThat(ws.eventsBefore("after")).doesNotContain("overflow");
    }

    @Test
    void acceptsABatchOfTenEvents() {
        List<Event> batch = IntStream.range(0, 10)
                .mapToObj(i -> new Event("public-batch-ten", "ten", Map.of("i", i)))
                .collect(Collectors.toList());

        Sdk.ok(sdk.trigger(batch));
    }

    @Test
    void batchResponseCarriesInfoPerEventInOrder() {
        presenceMember("presence-batch-info", "u1");
        subscriber("public-batch-info");
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode events = body.putArray("batch");
        events.addObject().put("channel", "presence-batch-info").put("name", "e1").put("data", "{}")
                .put("info", "user_count,subscription_count");
        events.addObject().put("channel", "public-batch-info").put("name", "e2").put("data", "{}")
                .put("info", "subscription_count");

        JsonNode answer = Json.parse(Sdk.ok(sdk.post("/batch_events", Json.write(body))).getMessage()).path("batch");

        assertThat(answer.size()).isEqualTo(2);
        assertThat(answer.get(0).path("user_count").asInt()).isEqualTo(1);
        assertThat(answer.get(0).path("subscription_count").asInt()).isEqualTo(1);
        assertThat(answer.get(1).path("subscription_count").asInt()).isEqualTo(1);
    }

    // --- channel queries ---

    @Test
    void listsOnlyOccupiedChannels() {
        subscriber("public-listed");
        presenceMember("presence-listed", "u1");

        JsonNode channels = Sdk.get(sdk, "/channels", Map.of()).path("channels");

        assertThat(fieldNames(channels)).contains("public-listed", "presence-listed").doesNotContain("public-unlisted");
        assertThat(channels.path("public-listed").isObject()).isTrue();
    }

    @Test
    void filtersChannelsByPrefixWithUserAndSubscriptionCounts() {
        presenceMember("presence-filter-a", "u1");
        presenceMember("presence-filter-a", "u1");
        presenceMember("presence-filter-a", "u2");
        presenceMember("presence-filter-b", "u3");
        subscriber("public-filter-c");

        JsonNode channels = Sdk.get(sdk, "/channels",
                Map.of("filter_by_prefix", "presence-filter-", "info", "user_count,subscription_count")).path("channels");

        assertThat(fieldNames(channels)).containsExactlyInAnyOrder("presence-filter-a", "presence-filter-b");
        assertThat(channels.path("presence-filter-a").path("user_count").asInt()).isEqualTo(2);
        assertThat(channels.path("presence-filter-a").path("subscription_count").asInt()).isEqualTo(3);
        assertThat(channels.path("presence-filter-b").path("user_count").asInt()).isEqualTo(1);
    }

    @Test
    void filtersChannelsByPrefixWithoutInfo() {
        subscriber("public-prefixed-a");
        presenceMember("presence-prefixed-b", "u1");

        JsonNode channels = Sdk.get(sdk, "/channels", Map.of("filter_by_prefix", "public-prefixed-")).path("channels");

        assertThat(fieldNames(channels)).containsExactly("public-prefixed-a");
        assertThat(channels.path("public-prefixed-a").size()).as("no info asked, no attributes").isZero();
    }

    @Test
    void refusesUserCountWithoutPresencePrefixWith400() {
        assertRefused(sdk.get("/channels", Map.of("info", "user_count")), Result.Status.CLIENT_ERROR, 400);
    }

    @Test
    void describesAnOccupiedChannel() {
        subscriber("public-described");
        subscriber("public-described");

        JsonNode channel = Sdk.get(sdk, "/channels/public-described", Map.of("info", "subscription_count"));

        assertThat(channel.path("occupied").asBoolean()).isTrue();
        assertThat(channel.path("subscription_count").asInt()).isEqualTo(2);
    }

    @Test
    void describesAnUnoccupiedChannelAsNotOccupied() {
        JsonNode channel = Sdk.get(sdk, "/channels/public-nobody-here", Map.of());

        assertThat(channel.path("occupied").isBoolean()).isTrue();
        assertThat(channel.path("occupied").asBoolean()).isFalse();
    }

    @Test
    void describesAPresenceChannelWithItsUserCount() {
        presenceMember("presence-described", "u1");
        presenceMember("presence-described", "u1");
        presenceMember("presence-described", "u2");

        JsonNode channel = Sdk.get(sdk, "/channels/presence-described", Map.of("info", "user_count,subscription_count"));

        assertThat(channel.path("occupied").asBoolean()).isTrue();
        assertThat(channel.path("user_count").asInt()).isEqualTo(2);
        assertThat(channel.path("subscription_count").asInt()).isEqualTo(3);
    }

    @Test
    void refusesUserCountOnANonPresenceChannelWith400() {
        subscriber("public-no-users");

        assertRefused(sdk.get("/channels/public-no-users", Map.of("info", "user_count")), Result.Status.CLIENT_ERROR, 400);
    }

    @Test
    void listsDistinctUsersOfAPresenceChannel() {
        presenceMember("presence-users", "u1");
        presenceMember("presence-users", "u1");
        presenceMember("presence-users", "u2");

        JsonNode users = Sdk.get(sdk, "/channels/presence-users/users", Map.of()).path("users");

        List<String> ids = new ArrayList<>();
        users.forEach(user -> ids.add(user.path("id").asText()));
        assertThat(ids).containsExactlyInAnyOrder("u1", "u2");
    }

    @Test
    void refusesUsersOfANonPresenceChannelWith400() {
        subscriber("public-users");

        assertRefused(sdk.get("/channels/public-users/users"), Result.Status.CLIENT_ERROR, 400);
    }

    // --- refusals and their Result mapping ---

    @Test
    void wrongSecretIsAnAuthenticationError() {
        Pusher forger = Sdk.of(herald, herald.appId(), herald.appKey(), "not-the-secret");

        assertRefused(forger.trigger("public-x", "e", Map.of()), Result.Status.AUTHENTICATION_ERROR, 401);
        assertRefused(forger.get("/channels"), Result.Status.AUTHENTICATION_ERROR, 401);
    }

    @Test
    void unknownAppIdIsNotFound() {
        Pusher lost = Sdk.of(herald, "no-such-app", herald.appKey(), herald.appSecret());

        assertRefused(lost.trigger("public-x", "e", Map.of()), Result.Status.NOT_FOUND, 404);
    }

    @Test
    void unknownRouteIsNotFound() {
        assertRefused(sdk.get("/no-such-route"), Result.Status.NOT_FOUND, 404);
    }

    @Test
    void acceptsDataOfExactly10KbAndRefusesOneByteMoreWith413() {
        RawWebSocket ws = subscriber("public-sized");
        // {"d":"xx…x"} is the data string: 8 bytes of JSON around the payload.
        Map<String, String> largest = Map.of("d", "x".repeat(MAX_EVENT_BYTES - 8));
        Map<String, String> tooLarge = Map.of("d", "x".repeat(MAX_EVENT_BYTES - 7));

        Sdk.ok(sdk.trigger("public-sized", "fits", largest));
        Result refused = sdk.trigger("public-sized", "too-big", tooLarge);

        assertThat(ws.awaitEvent("fits").path("data").asText()).hasSize(MAX_EVENT_BYTES);
        assertThat(refused.getHttpStatus()).as("%s", refused.getMessage()).isEqualTo(413);
        assertErrorBody(refused, 413);
        Sdk.ok(sdk.trigger("public-sized", "after", Map.of()));
        assertThat(ws.eventsBefore("after")).doesNotContain("too-big");
    }

    @Test
    void malformedJsonBodyIsABadRequest() {
        assertRefused(sdk.post("/events", "{\"name\":\"e\","), Result.Status.CLIENT_ERROR, 400);
    }

    @Test
    void eventWithoutNameIsABadRequest() {
        assertRefused(sdk.post("/events", "{\"data\":\"{}\",\"channels\":[\"public-x\"]}"), Result.Status.CLIENT_ERROR, 400);
    }

    @Test
    void eventWithoutChannelsIsABadRequest() {
        assertRefused(sdk.post("/events", "{\"name\":\"e\",\"data\":\"{}\"}"), Result.Status.CLIENT_ERROR, 400);
    }

    @Test
    void eventWithoutDataIsABadRequest() {
        assertRefused(sdk.post("/events", "{\"name\":\"e\",\"channels\":[\"public-x\"]}"), Result.Status.CLIENT_ERROR, 400);
    }

    @Test
    void invalidChannelNameIsABadRequest() {
        assertRefused(sdk.post("/events", "{\"name\":\"e\",\"data\":\"{}\",\"channels\":[\"bad channel!\"]}"),
                Result.Status.CLIENT_ERROR, 400);
    }

    @Test
    void invalidSocketIdIsABadRequest() {
        assertRefused(sdk.post("/events",
                        "{\"name\":\"e\",\"data\":\"{}\",\"channels\":[\"public-x\"],\"socket_id\":\"not-a-socket\"}"),
                Result.Status.CLIENT_ERROR, 400);
    }

    private static void assertRefused(Result result, Result.Status status, int httpStatus) {
        assertThat(result.getStatus()).as("%s %s: %s", result.getStatus(), result.getHttpStatus(), result.getMessage())
                .isEqualTo(status);
        assertThat(result.getHttpStatus()).isEqualTo(httpStatus);
        assertErrorBody(result, httpStatus);
    }

    /** The contract's error body: {@code {"error":"why","status":N}}. */
    private static void assertErrorBody(Result result, int httpStatus) {
        JsonNode body = Json.parse(result.getMessage());
        assertThat(body.path("error").asText()).as("error body %s", result.getMessage()).isNotBlank();
        assertThat(body.path("status").asInt()).as("error body %s", result.getMessage()).isEqualTo(httpStatus);
    }

    private static List<String> fieldNames(JsonNode object) {
        List<String> names = new ArrayList<>();
        Iterator<String> it = object.fieldNames();
        it.forEachRemaining(names::add);
        return names;
    }
}
