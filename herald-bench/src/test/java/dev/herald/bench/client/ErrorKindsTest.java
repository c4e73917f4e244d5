package dev.herald.bench.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ErrorKindsTest {
    @Test
    void foldsIdsDigestsAndTimestamps() {
        String a =
                ErrorKinds.normalize(
                        "Invalid signature: Expected HMAC SHA256 hex digest of 3939795915.649915:private-bench-0, but got app-key:5c224524e06c7e6b5f4705fd6cd5c955");
        String b =
                ErrorKinds.normalize(
                        "Invalid signature: Expected HMAC SHA256 hex digest of 12345678.1:private-bench-0, but got app-key:006e55dbc6feb72c60fa4691ff9cd0bc");
        assertThat(a).isEqualTo(b).contains("<n>:private-bench-0").contains("app-key:<hex>");
        assertThat(ErrorKinds.normalize("pusher:error 4301: rate"))
                .isEqualTo("pusher:error 4301: rate");
        assertThat(ErrorKinds.normalize("x".repeat(500))).hasSize(201);
    }
}
