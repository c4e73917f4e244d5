package dev.herald.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pusher.client.Pusher;
import com.pusher.client.PusherOptions;
import com.pusher.client.channel.Channel;
import org.junit.jupiter.api.Test;

/**
 * What the helper decides without a server: its bound on tracked channels and its refusals. Its
 * wire behaviour is tested against the real server in herald-server's {@code RecoveryJavaClientIT}.
 */
class HeraldRecoveryTest {

    private static Pusher unconnected() {
        return new Pusher("app-key", new PusherOptions().setHost("127.0.0.1").setWsPort(1));
    }

    @Test
    void refusesTheChannelPastTheHundredthUntilOneIsUntracked() {
        Pusher pusher = unconnected();
        HeraldRecovery recovery = HeraldRecovery.enable(pusher, channel -> {});
        for (int i = 0; i < HeraldRecovery.MAX_CHANNELS; i++) {
            recovery.track(pusher.subscribe("history-" + i));
        }
        Channel extra = pusher.subscribe("history-extra");

        assertThatThrownBy(() -> recovery.track(extra))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot track history-extra")
                .hasMessageContaining("100 channels are tracked already");
        assertThat(recovery.isTracked("history-extra")).isFalse();

        recovery.untrack("history-0");
        recovery.track(extra);
        assertThat(recovery.isTracked("history-extra")).isTrue();
        assertThat(recovery.isTracked("history-0")).isFalse();
    }

    @Test
    void trackingTheSameChannelTwiceTakesOneSlot() {
        Pusher pusher = unconnected();
        HeraldRecovery recovery = HeraldRecovery.enable(pusher, channel -> {});
        Channel channel = pusher.subscribe("history-twice");
        for (int i = 0; i < HeraldRecovery.MAX_CHANNELS + 1; i++) {
            recovery.track(channel);
        }
        for (int i = 1; i < HeraldRecovery.MAX_CHANNELS; i++) {
            recovery.track(pusher.subscribe("history-" + i));
        }
        assertThat(recovery.isTracked("history-twice")).isTrue();
    }

    @Test
    void aChannelHasNoPositionBeforeItsFirstEvent() {
        Pusher pusher = unconnected();
        HeraldRecovery recovery = HeraldRecovery.enable(pusher, channel -> {});
        recovery.track(pusher.subscribe("history-fresh"));

        assertThat(recovery.position("history-fresh")).isNull();
        assertThat(recovery.position("never-tracked")).isNull();
    }

    @Test
    void refusesAnEncryptedChannel() {
        Pusher pusher =
                new Pusher(
                        "app-key",
                        new PusherOptions()
                                .setHost("127.0.0.1")
                                .setWsPort(1)
                                .setChannelAuthorizer((channel, socketId) -> "{}"));
        HeraldRecovery recovery = HeraldRecovery.enable(pusher, channel -> {});
        Channel vault = pusher.subscribePrivateEncrypted("private-encrypted-vault", null);

        assertThatThrownBy(() -> recovery.track(vault))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot track private-encrypted-vault");
        assertThat(recovery.isTracked("private-encrypted-vault")).isFalse();
    }

    @Test
    void refusesNullArguments() {
        Pusher pusher = unconnected();
        assertThatThrownBy(() -> HeraldRecovery.enable(pusher, null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("onGap");
        assertThatThrownBy(() -> HeraldRecovery.enable(null, channel -> {}))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("pusher");
    }
}
