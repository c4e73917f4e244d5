package dev.herald.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.pusher.client.ChannelAuthorizer;
import com.pusher.client.channel.PrivateEncryptedChannelEventListener;
import com.pusher.client.connection.ConnectionState;
import com.pusher.rest.Pusher;
import com.pusher.rest.crypto.CryptoUtil;
import com.pusher.rest.data.EncryptedMessage;
import dev.herald.testing.ChannelRecorder;
import dev.herald.testing.HeraldProcess;
import dev.herald.testing.Json;
import dev.herald.testing.OpenResources;
import dev.herald.testing.RawWebSocket;
import dev.herald.testing.Results;
import dev.herald.testing.ServerSdk;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * End-to-end encrypted channels (docs/protocol.md §3.6): authorized like private channels, payloads
 * relayed untouched, client events refused. pusher-http-java encrypts with an encryption master key
 * and signs the subscription with the {@code shared_secret}; pusher-java-client decrypts. The
 * byte-for-byte relay and the client-event refusal (the Java client cannot send client events on
 * these channels) are checked with raw frames.
 */
class EncryptedChannelsIT {

    /** The master key of the worked example in protocol §3.6: bytes 0..31. */
    private static final String MASTER_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    private static HeraldProcess herald;
    private static Pusher sdk;
    @RegisterExtension final OpenResources open = new OpenResources();

    @BeforeAll
    static void startServer() {
        herald = HeraldProcess.start("encrypted");
        sdk = new Pusher(herald.appId(), herald.appKey(), herald.appSecret(), MASTER_KEY);
        sdk.setHost(HeraldProcess.HOST + ":" + herald.port());
        sdk.setRequestTimeout(10_000);
    }

    @AfterAll
    static void stopServer() {
        if (herald != null) {
            herald.close();
        }
    }

    @Test
    void javaClientDecryptsWhatTheSdkEncryptedAndTheWireCarriesOnlyCiphertext() {
        String channel = "private-encrypted-vault";
        ChannelAuthorizer authorizer = (name, socketId) -> sdk.authenticate(socketId, name);
        JavaClient client = open.track(JavaClient.connected(herald, authorizer));
        Decrypted decrypted = new Decrypted(channel);
        client.pusher.subscribePrivateEncrypted(channel, decrypted, "secret-plan");
        decrypted.awaitSubscribed();
        RawWebSocket wire = raw();
        wire.subscribeSigned(sdk, channel);

        Results.ok(sdk.trigger(channel, "secret-plan", Map.of("plan", "meet at noon")));

        await("decrypted event").atMost(JavaClient.WAIT).until(() -> !decrypted.events.isEmpty());
        assertThat(decrypted.events.get(0).getData()).isEqualTo("{\"plan\":\"meet at noon\"}");
        assertThat(decrypted.authenticationFailures).isEmpty();
        assertThat(decrypted.decryptionFailures).isEmpty();
        JsonNode frame = wire.awaitEvent("secret-plan", channel);
        assertThat(frame.path("data").asText()).doesNotContain("noon");
        JsonNode payload = Json.parse(frame.path("data").asText());
        assertThat(
                        new CryptoUtil(MASTER_KEY)
                                .decrypt(
                                        channel,
                                        new EncryptedMessage(
                                                payload.path("nonce").asText(),
                                                payload.path("ciphertext").asText())))
                .isEqualTo("{\"plan\":\"meet at noon\"}");
    }

    @Test
    void relaysTheEncryptedPayloadByteForByte() {
        String channel = "private-encrypted-relay";
        RawWebSocket ws = raw();
        ws.subscribeSigned(sdk, channel);
        // unusual spacing and key order: any re-serialization by the server would show
        String payload =
                "{ \"ciphertext\" : \"c2VjcmV0IGJ5dGVz/+==\",\n  \"nonce\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYX\" }";

        Results.ok(
                sdk.post(
                        "/events",
                        Json.write(
                                Map.of(
                                        "name",
                                        "sealed",
                                        "channels",
                                        List.of(channel),
                                        "data",
                                        payload))));

        assertThat(ws.awaitEvent("sealed", channel).path("data").asText()).isEqualTo(payload);
    }

    @Test
    void subscriptionWithTheSdksSignatureSucceedsAndAForgedOneIsRefusedWith4009() {
        RawWebSocket ws = raw();
        ws.subscribeSigned(sdk, "private-encrypted-good");

        ws.subscribe("private-encrypted-bad", herald.appKey() + ":" + "ab".repeat(32), null);

        ws.awaitErrorAndStayOpen(4009);
        assertThat(occupied("private-encrypted-good")).isTrue();
        assertThat(occupied("private-encrypted-bad")).isFalse();
    }

    @Test
    void refusesClientEventsOnEncryptedChannelsWith4303AndRelaysNothing() {
        String channel = "private-encrypted-chat";
        RawWebSocket sender = raw();
        sender.subscribeSigned(sdk, channel);
        RawWebSocket receiver = raw();
        receiver.subscribeSigned(sdk, channel);

        sender.trigger(
                channel, "client-whisper", Json.parse("{\"nonce\":\"x\",\"ciphertext\":\"y\"}"));

        sender.awaitErrorAndStayOpen(4303);
        assertThat(receiver.fence(sdk, channel)).as("nothing relayed").isEmpty();
    }

    @Test
    void javaClientStaysConnectedWhileSubscribedToAnEncryptedChannel() {
        ChannelAuthorizer authorizer = (name, socketId) -> sdk.authenticate(socketId, name);
        JavaClient client = open.track(JavaClient.connected(herald, authorizer));
        Decrypted decrypted = new Decrypted("private-encrypted-idle");

        client.pusher.subscribePrivateEncrypted("private-encrypted-idle", decrypted);

        decrypted.awaitSubscribed();
        assertThat(client.errors).isEmpty();
        assertThat(client.pusher.getConnection().getState()).isEqualTo(ConnectionState.CONNECTED);
    }

    private boolean occupied(String channel) {
        return ServerSdk.get(sdk, "/channels/" + channel, Map.of()).path("occupied").asBoolean();
    }

    private RawWebSocket raw() {
        return open.track(RawWebSocket.connect(herald));
    }

    /** What pusher-java-client reports for an encrypted channel, decryption failures included. */
    private static final class Decrypted extends ChannelRecorder
            implements PrivateEncryptedChannelEventListener {
        final List<String> decryptionFailures = new CopyOnWriteArrayList<>();

        Decrypted(String channel) {
            super(channel, JavaClient.WAIT);
        }

        @Override
        public void onDecryptionFailure(String event, String reason) {
            decryptionFailures.add(event + ": " + reason);
        }
    }
}
