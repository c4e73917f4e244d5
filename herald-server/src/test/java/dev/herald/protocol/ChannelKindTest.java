package dev.herald.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ChannelKindTest {

    @Test
    void classifiesByAnchoredPrefixInSpecOrder() {
        assertThat(ChannelKind.of("private-encrypted-cache-x"))
                .isEqualTo(ChannelKind.PRIVATE_ENCRYPTED_CACHE);
        assertThat(ChannelKind.of("private-encrypted-x")).isEqualTo(ChannelKind.PRIVATE_ENCRYPTED);
        assertThat(ChannelKind.of("private-cache-x")).isEqualTo(ChannelKind.PRIVATE_CACHE);
        assertThat(ChannelKind.of("presence-cache-x")).isEqualTo(ChannelKind.PRESENCE_CACHE);
        assertThat(ChannelKind.of("cache-x")).isEqualTo(ChannelKind.CACHE);
        assertThat(ChannelKind.of("private-x")).isEqualTo(ChannelKind.PRIVATE);
        assertThat(ChannelKind.of("presence-x")).isEqualTo(ChannelKind.PRESENCE);
        assertThat(ChannelKind.of("#server-to-user-7")).isEqualTo(ChannelKind.SERVER_TO_USER);
        assertThat(ChannelKind.of("x-cache-y")).isEqualTo(ChannelKind.PUBLIC);
        assertThat(ChannelKind.of("my-private-channel")).isEqualTo(ChannelKind.PUBLIC);
    }

    @Test
    void allowsClientEventsOnlyOnPrivateAndPresence() {
        assertThat(ChannelKind.PRIVATE.allowsClientEvents()).isTrue();
        assertThat(ChannelKind.PRESENCE.allowsClientEvents()).isTrue();
        assertThat(ChannelKind.PRIVATE_CACHE.allowsClientEvents()).isTrue();
        assertThat(ChannelKind.PRIVATE_ENCRYPTED.allowsClientEvents()).isFalse();
        assertThat(ChannelKind.PUBLIC.allowsClientEvents()).isFalse();
        assertThat(ChannelKind.CACHE.allowsClientEvents()).isFalse();
    }

    @Test
    void validatesNames() {
        assertThat(ChannelNames.problem("abc-XYZ_09=@,.;", 200)).isNull();
        assertThat(ChannelNames.problem("#server-to-user-42", 200)).isNull();
        assertThat(ChannelNames.problem("a b", 200)).contains("' '");
        assertThat(ChannelNames.problem("#other", 200)).contains("'#'");
        assertThat(ChannelNames.problem("", 200)).contains("missing");
        assertThat(ChannelNames.problem("x".repeat(201), 200)).contains("200");
        assertThat(ChannelNames.problem("x".repeat(200), 200)).isNull();
        assertThat(ChannelNames.problem("é", 200)).isNotNull();
    }
}
