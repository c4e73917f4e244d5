package dev.herald.http;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Which client a request comes from when a reverse proxy stands in front: the peer's address,
 * unless the peer is one of the configured proxies, and then the nearest address in {@code
 * X-Forwarded-For} that is not a proxy. A header from anyone else is ignored, so a client cannot
 * choose the address its per-address limits are counted against.
 */
public final class TrustedProxies {

    /** Addresses of {@code X-Forwarded-For} looked at, from the right: a proxy chain is short. */
    static final int MAX_HOPS = 16;

    public static final TrustedProxies NONE = new TrustedProxies(List.of());

    private final List<IpSubnetFilterRule> ranges;

    private TrustedProxies(List<IpSubnetFilterRule> ranges) {
        this.ranges = ranges;
    }

    /**
     * @param entries addresses ({@code 10.0.0.5}, {@code ::1}) or ranges ({@code 10.0.0.0/8})
     * @throws IllegalArgumentException naming the entry that is neither
     */
    public static TrustedProxies of(List<String> entries) {
        List<IpSubnetFilterRule> ranges = new ArrayList<>();
        for (String entry : entries) {
            ranges.add(range(entry.strip()));
        }
        return ranges.isEmpty() ? NONE : new TrustedProxies(List.copyOf(ranges));
    }

    /** Why an entry is not an address or a range, or {@code null}. */
    public static String problem(String entry) {
        try {
            range(entry.strip());
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    private static IpSubnetFilterRule range(String entry) {
        int slash = entry.indexOf('/');
        String address = slash < 0 ? entry : entry.substring(0, slash);
        InetAddress ip = NetUtil.createInetAddressFromIpAddressString(address);
        if (ip == null) {
            throw new IllegalArgumentException(
                    "'" + entry + "' is not an IP address or a range such as 10.0.0.0/8");
        }
        int max = ip.getAddress().length * 8;
        int bits = max;
        if (slash >= 0) {
            try {
                bits = Integer.parseInt(entry.substring(slash + 1));
            } catch (NumberFormatException e) {
                bits = -1;
            }
            if (bits < 0 || bits > max) {
                throw new IllegalArgumentException(
                        "'" + entry + "': the prefix length must be 0-" + max);
            }
        }
        return new IpSubnetFilterRule(ip, bits, IpFilterRuleType.ACCEPT);
    }

    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    private boolean trusted(InetAddress address) {
        InetSocketAddress socket = new InetSocketAddress(address, 0);
        for (IpSubnetFilterRule range : ranges) {
            if (range.matches(socket)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The client's address.
     *
     * @param peer who opened the connection
     * @param forwardedFor the request's {@code X-Forwarded-For} values, comma-separated, or {@code
     *     null}
     */
    public InetAddress client(InetAddress peer, String forwardedFor) {
        if (peer == null || forwardedFor == null || ranges.isEmpty() || !trusted(peer)) {
            return peer;
        }
        // from the right, one hop at a time: a long header costs no more than MAX_HOPS entries
        InetAddress client = peer;
        int end = forwardedFor.length();
        while (end > 0 && forwardedFor.charAt(end - 1) == ',') {
            end--; // trailing empty entries are no hop
        }
        for (int hops = 0; hops < MAX_HOPS && end >= 0; hops++) {
            int start = forwardedFor.lastIndexOf(',', end - 1);
            InetAddress hop =
                    NetUtil.createInetAddressFromIpAddressString(
                            forwardedFor.substring(start + 1, end).strip());
            if (hop == null) {
                // not an address (a name, "unknown", garbage): trust nothing further left
                return client;
            }
            client = hop;
            if (!trusted(hop)) {
                return hop;
            }
            end = start;
        }
        return client;
    }
}
