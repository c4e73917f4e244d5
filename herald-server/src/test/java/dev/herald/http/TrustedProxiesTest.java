package dev.herald.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrustedProxiesTest {

    private static InetAddress ip(String text) {
        return NetUtil.createInetAddressFromIpAddressString(text);
    }

    private final TrustedProxies proxies =
            TrustedProxies.of(List.of("10.0.0.0/8", " ::1", "192.168.1.5"));

    @Test
    void aTrustedProxyNamesTheNearestClientThatIsNotAProxy() {
        assertThat(proxies.client(ip("10.1.2.3"), "203.0.113.9")).isEqualTo(ip("203.0.113.9"));
        assertThat(proxies.client(ip("10.1.2.3"), "198.51.100.1, 203.0.113.9, 192.168.1.5"))
                .as(
                        "the proxy chain is skipped from the right; what the client wrote further left is not believed")
                .isEqualTo(ip("203.0.113.9"));
        assertThat(proxies.client(ip("::1"), "2001:db8::7")).isEqualTo(ip("2001:db8::7"));
        assertThat(proxies.client(ip("10.1.2.3"), "10.9.9.9, 10.8.8.8"))
                .as("all proxies: the leftmost")
                .isEqualTo(ip("10.9.9.9"));
    }

    @Test
    void anythingElseIsThePeer() {
        assertThat(proxies.client(ip("203.0.113.9"), "10.1.1.1"))
                .as("not a proxy: the header is ignored")
                .isEqualTo(ip("203.0.113.9"));
        assertThat(proxies.client(ip("10.1.2.3"), null)).isEqualTo(ip("10.1.2.3"));
        assertThat(proxies.client(ip("10.1.2.3"), "unknown")).isEqualTo(ip("10.1.2.3"));
        assertThat(proxies.client(ip("10.1.2.3"), "")).isEqualTo(ip("10.1.2.3"));
        assertThat(proxies.client(ip("10.1.2.3"), "203.0.113.9,,")).isEqualTo(ip("203.0.113.9"));
        assertThat(proxies.client(ip("10.1.2.3"), "evil.example, 203.0.113.9"))
                .isEqualTo(ip("203.0.113.9"));
        assertThat(proxies.client(ip("10.1.2.3"), "203.0.113.9, not-an-address"))
                .as("stops at what is not an address")
                .isEqualTo(ip("10.1.2.3"));
        assertThat(TrustedProxies.NONE.client(ip("10.1.2.3"), "203.0.113.9"))
                .isEqualTo(ip("10.1.2.3"));
    }

    @Test
    void looksAtABoundedNumberOfHops() {
        String many = "203.0.113.9, " + "10.0.0.1, ".repeat(100) + "10.0.0.2";

        assertThat(proxies.client(ip("10.1.2.3"), many))
                .as("16 hops of proxies, then it stops looking")
                .isEqualTo(ip("10.0.0.1"));
    }

    @Test
    void refusesWhatIsNotAnAddressOrARange() {
        assertThat(TrustedProxies.problem("10.0.0.0/33")).contains("prefix length must be 0-32");
        assertThat(TrustedProxies.problem("::1/129")).contains("0-128");
        assertThat(TrustedProxies.problem("proxy.example")).contains("is not an IP address");
        assertThat(TrustedProxies.problem("10.0.0.0/x")).contains("prefix length");
        assertThat(TrustedProxies.problem("172.16.0.0/12")).isNull();
        assertThatThrownBy(() -> TrustedProxies.of(List.of("nope")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
