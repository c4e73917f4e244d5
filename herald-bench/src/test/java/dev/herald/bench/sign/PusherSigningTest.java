package dev.herald.bench.sign;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PusherSigningTest {
    private static final String KEY = "278d425bdf160c739803";
    private static final String SECRET = "7ad3773142a6692b25b8";
    private static final String BODY =
            "{\"name\":\"foo\",\"channels\":[\"project-3\"],\"data\":\"{\\\"some\\\":\\\"data\\\"}\"}";

    private final PusherSigning signing = new PusherSigning(KEY, SECRET);

    @Test
    void bodyMd5MatchesSpecVector() {
        byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
        assertThat(signing.md5Hex(body, 0, body.length))
                .isEqualTo("ec365a775a4cd0599faeb73354201b6f");
    }

    @Test
    void signedPostQueryMatchesSpecVector() {
        byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
        String query = signing.signedPostQuery("/apps/3/events", body, 0, body.length, 1353088179L);
        assertThat(query)
                .isEqualTo(
                        "auth_key=278d425bdf160c739803&auth_timestamp=1353088179&auth_version=1.0"
                                + "&body_md5=ec365a775a4cd0599faeb73354201b6f"
                                + "&auth_signature=da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c");
    }

    @Test
    void signsOnlyTheRequestedRegionOfTheBuffer() {
        byte[] padded = ("xx" + BODY + "yy").getBytes(StandardCharsets.UTF_8);
        String query =
                signing.signedPostQuery(
                        "/apps/3/events", padded, 2, padded.length - 4, 1353088179L);
        assertThat(query)
                .endsWith(
                        "auth_signature=da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c");
    }

    @Test
    void genericStringToSignSortsAndLowercasesKeys() {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("info", "user_count");
        params.put("auth_version", "1.0");
        params.put("filter_by_prefix", "presence-");
        params.put("auth_timestamp", "1353088179");
        params.put("auth_key", KEY);
        params.put("auth_signature", "ignored");
        String toSign = PusherSigning.stringToSign("get", "/apps/3/channels", params);
        assertThat(toSign)
                .isEqualTo(
                        "GET\n/apps/3/channels\nauth_key=278d425bdf160c739803&auth_timestamp=1353088179"
                                + "&auth_version=1.0&filter_by_prefix=presence-&info=user_count");
        assertThat(signing.hmacHex(toSign))
                .isEqualTo("16819168891cb5dfd72b5c7a5d3d602605b26c6ba1930033b5e2eeeb65010291");
    }

    @Test
    void privateChannelAuthMatchesSpecVector() {
        assertThat(signing.channelAuth("1234.1234", "private-foobar", null))
                .isEqualTo(
                        "278d425bdf160c739803:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4");
    }

    @Test
    void presenceChannelAuthMatchesSpecVector() {
        assertThat(
                        signing.channelAuth(
                                "1234.1234",
                                "presence-foobar",
                                "{\"user_id\":10,\"user_info\":{\"name\":\"Mr. Channels\"}}"))
                .isEqualTo(
                        "278d425bdf160c739803:31935e7d86dba64c2a90aed31fdc61869f9b22ba9d8863bba239c03ca481bc80");
    }
}
