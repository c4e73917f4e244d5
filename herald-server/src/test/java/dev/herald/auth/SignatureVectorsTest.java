package dev.herald.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The test vectors of docs/protocol.md, checked exactly. */
class SignatureVectorsTest {

    private static final String KEY = "278d425bdf160c739803";
    private static final String SECRET = "7ad3773142a6692b25b8";
    private final HmacSigner signer = new HmacSigner(SECRET);
    private final ChannelAuthenticator auth = new ChannelAuthenticator(KEY, signer);

    @Test
    void signsPrivateChannelAsSpecSection3_3() {
        String toSign =
                ChannelAuthenticator.channelStringToSign("1234.1234", "private-foobar", null);
        assertThat(auth.sign(toSign))
                .isEqualTo(
                        KEY + ":58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4");
        assertThat(
                        auth.verify(
                                KEY
                                        + ":58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4",
                                toSign))
                .isTrue();
    }

    @Test
    void signsPresenceChannelWithExactChannelData() {
        String data = "{\"user_id\":10,\"user_info\":{\"name\":\"Mr. Channels\"}}";
        String toSign =
                ChannelAuthenticator.channelStringToSign("1234.1234", "presence-foobar", data);
        assertThat(auth.sign(toSign))
                .isEqualTo(
                        KEY + ":31935e7d86dba64c2a90aed31fdc61869f9b22ba9d8863bba239c03ca481bc80");
    }

    @Test
    void signsUserSignInAsSpecSection4_1() {
        String userData =
                "{\"id\":\"12345\",\"user_info\":{\"name\":\"Mr. Channels\"},\"watchlist\":[\"2\",\"3\"]}";
        assertThat(auth.sign(ChannelAuthenticator.userStringToSign("1234.1234", userData)))
                .isEqualTo(
                        KEY + ":e630d6ef88d2dadf1902cf47ea191bd047bda28fe137bb70dee13a445ce5646f");
    }

    @Test
    void signsWebhookBodyAsSpecSection6_1() {
        String body =
                "{\"time_ms\":1327078148132,\"events\":[{\"name\":\"channel_occupied\",\"channel\":\"test_channel\"}]}";
        assertThat(signer.signHex(body.getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("709fdb84c03664445f7698120b0edf0acc1ab1c8c6e93a0368c61841d6b998aa");
    }

    @Test
    void rejectsSignatureOfAnotherKeyOrTamperedString() {
        String toSign =
                ChannelAuthenticator.channelStringToSign("1234.1234", "private-foobar", null);
        String good = auth.sign(toSign);
        assertThat(auth.verify(good.replace(KEY, "other-key"), toSign)).isFalse();
        assertThat(auth.verify(good, toSign + "x")).isFalse();
        assertThat(auth.verify("no-colon", toSign)).isFalse();
        assertThat(auth.verify(null, toSign)).isFalse();
        assertThat(auth.verify(KEY + ":", toSign)).isFalse();
    }

    @Test
    void verifiesRestPostVectorOfSpecSection5_2() throws Exception {
        byte[] body =
                "{\"name\":\"foo\",\"channels\":[\"project-3\"],\"data\":\"{\\\"some\\\":\\\"data\\\"}\"}"
                        .getBytes(StandardCharsets.UTF_8);
        assertThat(RequestSignature.md5Hex(body)).isEqualTo("ec365a775a4cd0599faeb73354201b6f");
        Map<String, List<String>> params = new LinkedHashMap<>();
        params.put("auth_key", List.of(KEY));
        params.put("auth_timestamp", List.of("1353088179"));
        params.put("auth_version", List.of("1.0"));
        params.put("body_md5", List.of("ec365a775a4cd0599faeb73354201b6f"));
        assertThat(RequestSignature.stringToSign("POST", "/apps/3/events", params))
                .isEqualTo(
                        "POST\n/apps/3/events\nauth_key=278d425bdf160c739803&auth_timestamp=1353088179&auth_version=1.0"
                                + "&body_md5=ec365a775a4cd0599faeb73354201b6f");
        params.put(
                "auth_signature",
                List.of("da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c"));
        RequestSignature.verify("POST", "/apps/3/events", params, body, KEY, signer, 1353088179L);
    }

    @Test
    void verifiesRestGetVectorWithUnescapedValues() throws Exception {
        Map<String, List<String>> params = new LinkedHashMap<>();
        params.put("info", List.of("user_count"));
        params.put("auth_version", List.of("1.0"));
        params.put("filter_by_prefix", List.of("presence-"));
        params.put("auth_timestamp", List.of("1353088179"));
        params.put("auth_key", List.of(KEY));
        params.put(
                "auth_signature",
                List.of("16819168891cb5dfd72b5c7a5d3d602605b26c6ba1930033b5e2eeeb65010291"));
        RequestSignature.verify(
                "GET", "/apps/3/channels", params, new byte[0], KEY, signer, 1353088179L);
    }

    @Test
    void refusesExpiredTimestampBadBodyAndBadSignature() {
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        Map<String, List<String>> params = new LinkedHashMap<>();
        params.put("auth_key", List.of(KEY));
        params.put("auth_timestamp", List.of("1000"));
        params.put("auth_version", List.of("1.0"));
        params.put("body_md5", List.of(RequestSignature.md5Hex(body)));
        params.put(
                "auth_signature",
                List.of(
                        signer.signHex(
                                RequestSignature.stringToSign("POST", "/apps/3/events", params))));
        assertThatThrownBy(
                        () ->
                                RequestSignature.verify(
                                        "POST", "/apps/3/events", params, body, KEY, signer, 1601))
                .isInstanceOf(RequestSignature.Refused.class)
                .hasMessageContaining("Timestamp expired");
        assertThatThrownBy(
                        () ->
                                RequestSignature.verify(
                                        "POST",
                                        "/apps/3/events",
                                        params,
                                        "{ }".getBytes(),
                                        KEY,
                                        signer,
                                        1000))
                .hasMessageContaining("body_md5");
        assertThatThrownBy(
                        () ->
                                RequestSignature.verify(
                                        "POST", "/apps/4/events", params, body, KEY, signer, 1000))
                .hasMessageContaining("Invalid signature");
        assertThatThrownBy(
                        () ->
                                RequestSignature.verify(
                                        "POST",
                                        "/apps/3/events",
                                        params,
                                        body,
                                        "other",
                                        signer,
                                        1000))
                .hasMessageContaining("auth_key");
        // and the untouched request passes
        try {
            RequestSignature.verify("POST", "/apps/3/events", params, body, KEY, signer, 1000);
        } catch (RequestSignature.Refused e) {
            throw new AssertionError(e.getMessage());
        }
    }
}
