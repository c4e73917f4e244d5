package dev.herald.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP pipeline of {@link HeraldChannelInitializer} on an {@link EmbeddedChannel}, with a
 * router that answers {@code /slow...} only when the test completes its answer (as a cluster query
 * completes later on another thread) and anything else at once with its path.
 */
class HttpConnectionGuardTest {

    private static final long REQUEST_TIMEOUT_MS = 2_000;
    private static final long IDLE_TIMEOUT_MS = 6_000;
    private static final Pattern STATUS = Pattern.compile("HTTP/1\\.1 (\\d{3}) ");

    private final List<CompletableFuture<String>> slow = new ArrayList<>();
    private EmbeddedChannel channel;

    @AfterEach
    void closeChannel() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
    }

    private EmbeddedChannel open(int maxBodyBytes) {
        channel = new EmbeddedChannel();
        channel.freezeTime();
        channel.pipeline()
                .addLast(
                        new HeraldChannelInitializer(
                                new HttpLimits(maxBodyBytes, REQUEST_TIMEOUT_MS, IDLE_TIMEOUT_MS),
                                new Router(),
                                null));
        return channel;
    }

    private EmbeddedChannel open() {
        return open(1024);
    }

    /** Answers with the request's path; {@code /slow...} once the test completes its future. */
    @ChannelHandler.Sharable
    private final class Router extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            String path = req.uri();
            if (path.startsWith("/slow")) {
                CompletableFuture<String> answer = new CompletableFuture<>();
                slow.add(answer);
                answer.thenAccept(body -> ctx.executor().execute(() -> answer(ctx, body)));
            } else {
                answer(ctx, path);
            }
        }

        private void answer(ChannelHandlerContext ctx, String body) {
            ByteBuf content = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
            FullHttpResponse res =
                    new DefaultFullHttpResponse(
                            HttpVersion.HTTP_1_1, HttpResponseStatus.OK, content);
            res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
            ctx.writeAndFlush(res);
        }
    }

    private void send(String raw) {
        channel.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
        channel.runPendingTasks();
    }

    /** Everything written so far, as text. */
    private String written() {
        channel.runPendingTasks();
        StringBuilder text = new StringBuilder();
        ByteBuf out;
        while ((out = channel.readOutbound()) != null) {
            text.append(out.toString(StandardCharsets.UTF_8));
            out.release();
        }
        return text.toString();
    }

    private static List<Integer> statuses(String written) {
        List<Integer> found = new ArrayList<>();
        Matcher m = STATUS.matcher(written);
        while (m.find()) {
            found.add(Integer.parseInt(m.group(1)));
        }
        return found;
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
    }

    @Test
    void answersPipelinedRequestsInOrderWhenAnAnswerCompletesLater() {
        open();
        send(get("/slow-1") + get("/fast-2") + get("/slow-3") + get("/fast-4"));

        assertThat(written()).as("nothing may overtake the pending first answer").isEmpty();
        assertThat(channel.config().isAutoRead()).as("reading stops while requests wait").isFalse();
        slow.get(0).complete("first");
        channel.runPendingTasks();
        assertThat(slow)
                .as("the third request reaches the router only after the second is answered")
                .hasSize(2);
        slow.get(1).complete("third");
        String answers = written();

        assertThat(answers.indexOf("first")).isLessThan(answers.indexOf("/fast-2"));
        assertThat(answers.indexOf("/fast-2")).isLessThan(answers.indexOf("third"));
        assertThat(answers.indexOf("third")).isLessThan(answers.indexOf("/fast-4"));
        assertThat(statuses(answers)).containsExactly(200, 200, 200, 200);
        assertThat(channel.isOpen()).isTrue();
        assertThat(channel.config().isAutoRead()).isTrue();
    }

    @Test
    void boundsTheRequestsWaitingBehindAPendingAnswerAndClosesOnceTheyAreAnswered() {
        open();
        StringBuilder many = new StringBuilder(get("/slow"));
        for (int i = 0; i < HttpLimits.MAX_PIPELINED_REQUESTS + 10; i++) {
            many.append(get("/fast-" + i));
        }
        send(many.toString());
        slow.get(0).complete("first");
        String answers = written();

        assertThat(statuses(answers)).hasSize(1 + HttpLimits.MAX_PIPELINED_REQUESTS);
        assertThat(answers)
                .contains("/fast-" + (HttpLimits.MAX_PIPELINED_REQUESTS - 1))
                .doesNotContain("/fast-" + HttpLimits.MAX_PIPELINED_REQUESTS);
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void refusesSmugglingShapesWith400AndCloses() {
        List<String> attacks =
                List.of(
                        "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                        "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
                        "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
                        "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                        "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
                        "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde",
                        "GET /a HTTP/1.1\nHost: x\n\n",
                        "GET /a HTTP/1.1\r\nHost: x\nX: y\r\n\r\n");
        for (String attack : attacks) {
            open();
            send(attack + get("/smuggled"));
            String answer = written();

            assertThat(statuses(answer)).as(attack).containsExactly(400);
            assertThat(answer)
                    .as(attack)
                    .containsIgnoringCase("connection: close")
                    .contains("Malformed HTTP request")
                    .doesNotContain("/smuggled");
            assertThat(channel.isOpen()).as(attack).isFalse();
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void refusesOversizedPartsWithTheirOwnStatusAndCloses() {
        open();
        send("GET /a HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(1 << 20) + "\r\n\r\n");
        String headers = written();
        assertThat(statuses(headers)).containsExactly(431);
        assertThat(headers)
                .containsIgnoringCase("connection: close")
                .contains("header fields too large");
        assertThat(channel.isOpen()).isFalse();
        channel.finishAndReleaseAll();

        open();
        send(
                "GET /"
                        + "a".repeat(HttpLimits.MAX_REQUEST_LINE_BYTES + 1)
                        + " HTTP/1.1\r\nHost: x\r\n\r\n");
        String line = written();
        assertThat(statuses(line)).containsExactly(414);
        assertThat(line)
                .containsIgnoringCase("connection: close")
                .contains("Request line too long");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void refusesABodyOverTheLimitWith413AndClosesWithoutReadingOn() {
        open(1024);
        send("POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (int i = 0; i < 3 && channel.isOpen(); i++) {
            send("400\r\n" + "b".repeat(0x400) + "\r\n");
        }
        String answer = written();

        assertThat(statuses(answer)).containsExactly(413);
        assertThat(answer).containsIgnoringCase("connection: close").contains("at most 1024 bytes");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void answersAnOrdinaryRequestAndKeepsTheConnection() {
        open();
        send(get("/one"));
        send(get("/two"));

        assertThat(statuses(written())).containsExactly(200, 200);
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void closesAConnectionThatSendsNothingWithinTheRequestTimeout() {
        open();
        channel.advanceTimeBy(REQUEST_TIMEOUT_MS - 100, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isTrue();

        channel.advanceTimeBy(200, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();

        assertThat(written()).as("nobody asked anything: no answer").isEmpty();
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void answers408ToARequestNotFinishedWithinTheRequestTimeout() {
        open();
        send("GET /a HTTP/1.1\r\nHost: x\r\n");
        channel.advanceTimeBy(REQUEST_TIMEOUT_MS + 1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        String answer = written();

        assertThat(statuses(answer)).containsExactly(408);
        assertThat(answer).containsIgnoringCase("connection: close");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void givesAKeepAliveConnectionTheIdleTimeoutBetweenRequestsThenCloses() {
        open();
        send(get("/one"));
        assertThat(statuses(written())).containsExactly(200);

        channel.advanceTimeBy(IDLE_TIMEOUT_MS - 100, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen())
                .as("idle, longer than the request timeout, within the idle timeout")
                .isTrue();
        send(get("/two"));
        assertThat(statuses(written())).containsExactly(200);

        channel.advanceTimeBy(IDLE_TIMEOUT_MS + 1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void aRequestStartedOnAnIdleConnectionMustFinishWithinTheRequestTimeout() {
        open();
        send(get("/one"));
        written();
        send("GET /two HTTP/1.1\r\n");
        channel.advanceTimeBy(REQUEST_TIMEOUT_MS + 1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();

        assertThat(statuses(written())).containsExactly(408);
        assertThat(channel.isOpen()).isFalse();
    }
}
