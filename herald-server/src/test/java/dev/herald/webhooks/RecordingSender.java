package dev.herald.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import dev.herald.protocol.Json;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;
import java.util.function.ToIntFunction;

/**
 * The receivers' side for a dispatcher in the test's JVM: records each post with the time it was
 * made, and answers it at once with the status {@link #answering} chooses, or leaves it unanswered
 * ({@link #UNANSWERED}) for the test to answer, fail or leave hanging.
 */
final class RecordingSender implements WebhookSender {

    /** From {@link #answering}'s function: no answer yet. */
    static final int UNANSWERED = -1;

    private final LongSupplier nanoClock;
    private final List<Post> posts = new ArrayList<>();
    private ToIntFunction<Post> status = post -> 200;

    /** One request: where it went, its headers and body, and its answer to come. */
    record Post(
            int attempt,
            long atNanos,
            URI url,
            String key,
            String signature,
            byte[] bytes,
            CompletableFuture<Integer> answer) {

        String body() {
            return new String(bytes, StandardCharsets.UTF_8);
        }

        List<JsonNode> events() {
            List<JsonNode> events = new ArrayList<>();
            try {
                Json.MAPPER.readTree(bytes).path("events").forEach(events::add);
            } catch (Exception e) {
                throw new AssertionError(body(), e);
            }
            return events;
        }

        /** Each event as {@code name channel}, with {@code :user} for member events. */
        List<String> summary() {
            return events().stream()
                    .map(
                            e ->
                                    e.path("name").asText()
                                            + (e.has("user_id")
                                                            && e.path("name")
                                                                    .asText()
                                                                    .startsWith("member_")
                                                    ? ":" + e.path("user_id").asText()
                                                    : "")
                                            + " "
                                            + e.path("channel").asText())
                    .toList();
        }

        void answer(int statusCode) {
            answer.complete(statusCode);
        }

        void fail(Throwable error) {
            answer.completeExceptionally(error);
        }
    }

    RecordingSender(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** How each post is answered from now on; {@link #UNANSWERED} leaves it to the test. */
    RecordingSender answering(ToIntFunction<Post> status) {
        this.status = status;
        return this;
    }

    @Override
    public synchronized CompletionStage<Integer> post(
            URI url, String appKey, String signature, byte[] body) {
        Post post =
                new Post(
                        posts.size() + 1,
                        nanoClock.getAsLong(),
                        url,
                        appKey,
                        signature,
                        body.clone(),
                        new CompletableFuture<>());
        posts.add(post);
        int answer = status.applyAsInt(post);
        if (answer != UNANSWERED) {
            post.answer(answer);
        }
        return post.answer();
    }

    @Override
    public void close() {}

    synchronized List<Post> posts() {
        return List.copyOf(posts);
    }

    /** The posts to one target. */
    synchronized List<Post> to(URI url) {
        return posts.stream().filter(p -> p.url().equals(url)).toList();
    }

    /** The summaries of every event posted to one target, in order. */
    List<String> summary(URI url) {
        return to(url).stream().flatMap(p -> p.summary().stream()).toList();
    }

    synchronized Post last() {
        return posts.get(posts.size() - 1);
    }
}
