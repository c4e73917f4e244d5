package dev.herald.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.OpenResources;
import dev.herald.testing.RawWebSocket;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The per-address connection rate behind a reverse proxy: {@code X-Forwarded-For} names the client
 * only when the connection comes from a proxy in {@code HERALD_TRUSTED_PROXIES}.
 */
class TrustedProxiesIT {

    @RegisterExtension final OpenResources open = new OpenResources();

    /** Opens a WebSocket as if forwarded for {@code client}; true when it was admitted. */
    private boolean admitted(HeraldProcess herald, String client) {
        RawWebSocket ws =
                open.track(RawWebSocket.open(herald.ws(), Map.of("X-Forwarded-For", client)));
        JsonNode first = ws.next();
        if ("pusher:connection_established".equals(first.path("event").asText())) {
            return true;
        }
        assertThat(first.path("event").asText()).as("frame %s", first).isEqualTo("pusher:error");
        assertThat(ws.awaitClose().code()).isEqualTo(4100);
        return false;
    }

    @Test
    void behindATrustedProxyEachForwardedClientHasARateOfItsOwn() {
        HeraldProcess herald =
                open.track(
                        HeraldProcess.start(
                                "trusted-proxies",
                                Map.of(
                                        "HERALD_MAX_CONNECTIONS_PER_IP_PER_SECOND",
                                        "1",
                                        "HERALD_TRUSTED_PROXIES",
                                        "127.0.0.0/8, ::1")));

        int admitted = 0;
        for (int i = 0; i < 4; i++) {
            admitted += admitted(herald, "192.0.2.10") ? 1 : 0;
        }

        assertThat(admitted).as("192.0.2.10 past its rate of 1/s").isLessThan(4);
        assertThat(admitted(herald, "192.0.2.20"))
                .as("another client behind the same proxy")
                .isTrue();
        assertThat(admitted(herald, "198.51.100.7, 192.0.2.30"))
                .as("the nearest address that is not a proxy")
                .isTrue();
    }

    @Test
    void fromAnyoneElseTheHeaderIsIgnored() {
        HeraldProcess herald =
                open.track(
                        HeraldProcess.start(
                                "untrusted-forwarded-for",
                                Map.of("HERALD_MAX_CONNECTIONS_PER_IP_PER_SECOND", "1")));

        int admitted = 0;
        for (int i = 0; i < 4; i++) {
            admitted +=
                    admitted(herald, "192.0.2." + i) ? 1 : 0; // a new address each time: ignored
        }

        assertThat(admitted).as("one peer, 127.0.0.1, whatever it claims").isLessThan(4);
    }
}
