package dev.herald.bench.jmh;

import dev.herald.auth.ChannelAuthenticator;
import dev.herald.auth.HmacSigner;
import dev.herald.auth.RequestSignature;
import dev.herald.bench.payload.Payload;
import dev.herald.bench.sign.PusherSigning;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Signature verification as the server does it: a signed {@code POST /apps/{id}/events} (body MD5
 * plus HMAC over the sorted parameters, docs/protocol.md §5.2) and private/presence channel auth
 * (§3.3). Inputs are produced by the bench's own client-side signer, so a mismatch would fail
 * setup.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SignatureBenchmark {
    private static final String KEY = "app-key";
    private static final String SECRET = "app-secret";
    private static final String PATH = "/apps/app-id/events";

    private HmacSigner signer;
    private ChannelAuthenticator authenticator;
    private Map<String, List<String>> params;
    private byte[] body;
    private long now;
    private String privateToSign;
    private String privateAuth;
    private String presenceToSign;
    private String presenceAuth;

    @Setup
    public void setup() throws RequestSignature.Refused {
        signer = new HmacSigner(SECRET);
        authenticator = new ChannelAuthenticator(KEY, signer);
        PusherSigning client = new PusherSigning(KEY, SECRET);
        body =
                ("{\"name\":\"bench\",\"channels\":[\"bench-0\"],\"data\":\""
                                + Payload.toString(100, 1, 1)
                                + "\"}")
                        .getBytes(StandardCharsets.UTF_8);
        now = System.currentTimeMillis() / 1000;
        String query = client.signedPostQuery(PATH, body, 0, body.length, now);
        params = new LinkedHashMap<>();
        for (String kv : query.split("&")) {
            int eq = kv.indexOf('=');
            params.put(kv.substring(0, eq), List.of(kv.substring(eq + 1)));
        }
        String socketId = "123456.7890123";
        privateToSign = ChannelAuthenticator.channelStringToSign(socketId, "private-bench-0", null);
        privateAuth = client.channelAuth(socketId, "private-bench-0", null);
        String channelData = "{\"user_id\":\"u1\",\"user_info\":{\"name\":\"bench 1\"}}";
        presenceToSign =
                ChannelAuthenticator.channelStringToSign(socketId, "presence-bench-0", channelData);
        presenceAuth = client.channelAuth(socketId, "presence-bench-0", channelData);
        RequestSignature.verify("POST", PATH, params, body, KEY, signer, now);
        if (!authenticator.verify(privateAuth, privateToSign)
                || !authenticator.verify(presenceAuth, presenceToSign)) {
            throw new IllegalStateException("bench and server disagree on channel auth");
        }
    }

    @Benchmark
    public void restRequest() throws RequestSignature.Refused {
        RequestSignature.verify("POST", PATH, params, body, KEY, signer, now);
    }

    @Benchmark
    public boolean privateChannelAuth() {
        return authenticator.verify(privateAuth, privateToSign);
    }

    @Benchmark
    public boolean presenceChannelAuth() {
        return authenticator.verify(presenceAuth, presenceToSign);
    }
}
