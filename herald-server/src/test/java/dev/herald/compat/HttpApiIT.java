package dev.herald.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.rest.Pusher;
import com.pusher.rest.data.Event;
import com.pusher.rest.data.PresenceUser;
import com.pusher.rest.data.Result;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Json;
import dev.herald.testing.OpenResources;
import dev.herald.testing.RawWebSocket;
import dev.herald.testing.Results;
import dev.herald.testing.ServerSdk;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * pusher-http-java 1.3.4, unchanged, against Herald's HTTP API: one happy path each for trigger,
 * batch and the channel queries, and how a 400, 401 and 404 map onto {@link Result}. The API's own
 * rules (limits, validation, info, signing) are in-process, in {@code HttpApiTest}.
 */
class HttpApiIT {

    private static HeraldProcess herald;
    private static Pusher sdk;
    @RegisterExtension final OpenResources open = new OpenResources();

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
        assertThat(Json.parse(result.getMessage()).isObject())
                .as("body %s", result.getMessage())
                .isTrue();
        JsonNode event = ws.awaitEvent("greeting", "public-one");
        assertThat(event.path("data").asText()).isEqualTo("{\"hello\":\"world\"}");
    }

    @Test
    void excludesTheConnectionWhoseSocketIdIsGiven() {
        JavaClient excluded = open.track(JavaClient.connected(herald, "excluded"));
        JavaClient included = open.track(JavaClient.connected(herald, "included"));
        JavaClient.Recorder excludedChannel = excluded.subscribe("public-exclusion");
        JavaClient.Recorder includedChannel = included.subscribe("public-exclusion");

        Results.ok(
                sdk.trigger(
                        List.of("public-exclusion"),
                        "not-for-you",
                        Map.of("x", 1),
                        excluded.socketId()));

        includedChannel.awaitEvent("not-for-you");
        excludedChannel.fence(sdk);
        assertThat(excludedChannel.events("not-for-you")).isEmpty();
    }

    // --- batch ---

    @Test
    void triggersABatchWithPerEventSocketExclusion() {
        RawWebSocket first = subscriber("public-batch-a", "public-batch-b");
        RawWebSocket second = subscriber("public-batch-a");

        Results.ok(
                sdk.trigger(
                        List.of(
                                new Event("public-batch-a", "one", Map.of("n", 1)),
                                new Event("public-batch-b", "two", Map.of("n", 2)),
                                new Event(
                                        "public-batch-a",
                                        "three",
                                        Map.of("n", 3),
                                        first.socketId()))));

        Results.ok(sdk.trigger("public-batch-a", "after", Map.of()));
        List<JsonNode> toFirst = first.framesBefore("after");
        List<JsonNode> toSecond = second.framesBefore("after");
        assertThat(toFirst)
                .extracting(
                        f ->
                                f.path("event").asText()
                                        + " "
                                        + f.path("channel").asText()
                                        + " "
                                        + f.path("data").asText())
                .as("socket_id of the third event excludes the first connection")
                .containsExactlyInAnyOrder(
                        "one public-batch-a {\"n\":1}", "two public-batch-b {\"n\":2}");
        assertThat(toSecond)
                .extracting(f -> f.path("event").asText())
                .containsExactly("one", "three");
    }

    // --- channel queries ---

    @Test
    void filtersChannelsByPrefixWithUserAndSubscriptionCounts() {
        presenceMember("presence-filter-a", "u1");
        presenceMember("presence-filter-a", "u1");
        presenceMember("presence-filter-a", "u2");
        presenceMember("presence-filter-b", "u3");
        subscriber("public-filter-c");

        JsonNode channels =
                ServerSdk.get(
                                sdk,
                                "/channels",
                                Map.of(
                                        "filter_by_prefix",
                                        "presence-filter-",
                                        "info",
                                        "user_count,subscription_count"))
                        .path("channels");

        assertThat(fieldNames(channels))
                .containsExactlyInAnyOrder("presence-filter-a", "presence-filter-b");
        assertThat(channels.path("presence-filter-a").path("user_count").asInt()).isEqualTo(2);
        assertThat(channels.path("presence-filter-a").path("subscription_count").asInt())
                .isEqualTo(3);
        assertThat(channels.path("presence-filter-b").path("user_count").asInt()).isEqualTo(1);
    }

    @Test
    void describesAPresenceChannelWithItsUserCount() {
        presenceMember("presence-described", "u1");
        presenceMember("presence-described", "u1");
        presenceMember("presence-described", "u2");

        JsonNode channel =
                ServerSdk.get(
                        sdk,
                        "/channels/presence-described",
                        Map.of("info", "user_count,subscription_count"));

        assertThat(channel.path("occupied").asBoolean()).isTrue();
        assertThat(channel.path("user_count").asInt()).isEqualTo(2);
        assertThat(channel.path("subscription_count").asInt()).isEqualTo(3);
    }

    @Test
    void listsDistinctUsersOfAPresenceChannel() {
        presenceMember("presence-users", "u1");
        presenceMember("presence-users", "u1");
        presenceMember("presence-users", "u2");

        JsonNode users =
                ServerSdk.get(sdk, "/channels/presence-users/users", Map.of()).path("users");

        List<String> ids = new ArrayList<>();
        users.forEach(user -> ids.add(user.path("id").asText()));
        assertThat(ids).containsExactlyInAnyOrder("u1", "u2");
    }

    // --- refusals and their Result mapping ---

    @Test
    void wrongSecretIsAnAuthenticationError() {
        Pusher forger = Sdk.of(herald, herald.appId(), herald.appKey(), "not-the-secret");

        assertRefused(
                forger.trigger("public-x", "e", Map.of()), Result.Status.AUTHENTICATION_ERROR, 401);
        assertRefused(forger.get("/channels"), Result.Status.AUTHENTICATION_ERROR, 401);
    }

    @Test
    void unknownAppIdIsNotFound() {
        Pusher lost = Sdk.of(herald, "no-such-app", herald.appKey(), herald.appSecret());

        assertRefused(lost.trigger("public-x", "e", Map.of()), Result.Status.NOT_FOUND, 404);
    }

    @Test
    void invalidChannelNameIsABadRequest() {
        assertRefused(
                sdk.post(
                        "/events",
                        "{\"name\":\"e\",\"data\":\"{}\",\"channels\":[\"bad channel!\"]}"),
                Result.Status.CLIENT_ERROR,
                400);
    }

    private static void assertRefused(Result result, Result.Status status, int httpStatus) {
        assertThat(result.getStatus())
                .as("%s %s: %s", result.getStatus(), result.getHttpStatus(), result.getMessage())
                .isEqualTo(status);
        assertThat(result.getHttpStatus()).isEqualTo(httpStatus);
        assertErrorBody(result, httpStatus);
    }

    /** The contract's error body: {@code {"error":"why","status":N}}. */
    private static void assertErrorBody(Result result, int httpStatus) {
        JsonNode body = Json.parse(result.getMessage());
        assertThat(body.path("error").asText())
                .as("error body %s", result.getMessage())
                .isNotBlank();
        assertThat(body.path("status").asInt())
                .as("error body %s", result.getMessage())
                .isEqualTo(httpStatus);
    }

    private static List<String> fieldNames(JsonNode object) {
        List<String> names = new ArrayList<>();
        Iterator<String> it = object.fieldNames();
        it.forEachRemaining(names::add);
        return names;
    }
}
