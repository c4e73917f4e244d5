package dev.herald.webhooks;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Posts one signed batch to a receiver. An interface so a test can answer each attempt itself, with
 * a status, a timeout or a refusal, at the moment it chooses.
 */
interface WebhookSender {

    /**
     * Posts {@code body} with the headers a receiver checks it by.
     *
     * @return the answer's status, or a failure when there was none (refused, timed out)
     */
    CompletionStage<Integer> post(URI url, String appKey, String signature, byte[] body);

    /** Stops sending; requests in flight may fail. */
    void close();

    /**
     * The JDK's client on one daemon thread with a bounded queue; an attempt fails after {@code
     * timeout}.
     */
    static WebhookSender http(Duration timeout) {
        ThreadPoolExecutor executor =
                new ThreadPoolExecutor(
                        1,
                        1,
                        0,
                        TimeUnit.MILLISECONDS,
                        new ArrayBlockingQueue<>(Http.TASKS),
                        new Http.Named("herald-webhooks-http"),
                        new ThreadPoolExecutor.CallerRunsPolicy());
        HttpClient client =
                HttpClient.newBuilder().connectTimeout(timeout).executor(executor).build();
        return new Http(client, executor, timeout);
    }

    /** {@link #http}: the request Pusher's receivers expect (docs/protocol.md §6). */
    record Http(HttpClient client, ThreadPoolExecutor executor, Duration timeout)
            implements WebhookSender {
        private static final int TASKS = 1_024;

        @Override
        public CompletionStage<Integer> post(
                URI url, String appKey, String signature, byte[] body) {
            HttpRequest request =
                    HttpRequest.newBuilder(url)
                            .timeout(timeout)
                            .header("Content-Type", "application/json")
                            .header("X-Pusher-Key", appKey)
                            .header("X-Pusher-Signature", signature)
                            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                            .build();
            // the client's failure itself, not wrapped by a dependent stage: the log names what it
            // says
            CompletableFuture<Integer> status = new CompletableFuture<>();
            client.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                    .whenComplete(
                            (response, error) -> {
                                if (error != null) {
                                    status.completeExceptionally(error);
                                } else {
                                    status.complete(response.statusCode());
                                }
                            });
            return status;
        }

        @Override
        public void close() {
            executor.shutdownNow();
        }

        /** Daemon threads with a fixed name. */
        private record Named(String name) implements ThreadFactory {
            @Override
            public Thread newThread(Runnable r) {
                Thread t = new Thread(r, name);
                t.setDaemon(true);
                return t;
            }
        }
    }
}
