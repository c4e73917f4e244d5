package dev.herald.bench.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResponseDecoderTest {
    private final List<String> seen = new ArrayList<>();
    private final EmbeddedChannel ch =
            new EmbeddedChannel(
                    new ResponseDecoder(
                            new ResponseDecoder.Listener() {
                                @Override
                                public void onResponse(
                                        int status, String errorBody, boolean close) {
                                    seen.add(status + "|" + errorBody + "|" + close);
                                }

                                @Override
                                public void onInactive(ChannelHandlerContext ctx) {}

                                @Override
                                public void onError(Throwable cause) {
                                    seen.add("error " + cause);
                                }
                            }));

    private void feed(String s) {
        ch.writeInbound(Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1));
    }

    @Test
    void readsKeepAliveResponsesSplitAnywhere() {
        String two =
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ncontent-length: 2\r\n\r\n{}"
                        + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
        for (int i = 0; i < two.length(); i++) {
            feed(two.substring(i, i + 1));
        }
        assertThat(seen).containsExactly("200|null|false", "200|null|false");
    }

    @Test
    void keepsErrorBodiesAndConnectionClose() {
        feed(
                "HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 36\r\n\r\n{\"error\":\"bad signature\",\"status\":1}");
        assertThat(seen).containsExactly("401|{\"error\":\"bad signature\",\"status\":1}|true");
    }

    @Test
    void readsChunkedBodies() {
        feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n1\r\n}\r\n0\r\n\r\n");
        feed("HTTP/1.1 413 Too Large\r\nTransfer-Encoding: Chunked\r\n\r\n4\r\nbig!\r\n0\r\n\r\n");
        assertThat(seen).containsExactly("200|null|false", "413|big!|false");
    }

    @Test
    void responseWithoutBody() {
        feed("HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        assertThat(seen).containsExactly("204|null|false", "200|null|false");
    }
}
