package dev.herald.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.activity.ActivityEvent;
import dev.herald.activity.ActivityFeed;
import dev.herald.apps.App;
import dev.herald.apps.AppFeatures;
import dev.herald.protocol.PusherError;
import dev.herald.testing.SessionHarness;
import dev.herald.testing.SessionHarness.Client;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the session reports to the console's debug stream, and that it reports nothing unwatched.
 */
class SessionActivityTest {

    private static final App APP =
            App.of("1", "key-1", "secret-1")
                    .withFeatures(AppFeatures.defaults().withClientEvents(true));
    private static final App OTHER = App.of("2", "key-2", "secret-2");

    private final SessionHarness harness = new SessionHarness(3);
    private final List<ActivityEvent> seen = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        harness.close();
    }

    private static String subscribe(String channel, String auth) {
        return "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\""
                + channel
                + "\""
                + (auth == null ? "" : ",\"auth\":\"" + auth + "\"")
                + "}}";
    }

    private List<ActivityEvent.Kind> kinds() {
        return seen.stream().map(ActivityEvent::kind).toList();
    }

    @Test
    void aWatchedAppsSessionIsReportedFromConnectToClose() {
        ActivityFeed.Viewing viewing = harness.activity.watch(APP.id(), seen::add);
        Client client = harness.connect(APP);
        String socket = client.socketId();
        String channel = "private-room";
        client.send(subscribe(channel, SessionHarness.auth(APP, socket, channel, null)));
        client.send(
                "{\"event\":\"client-typing\",\"channel\":\"private-room\",\"data\":{\"who\":\"ann\"}}");
        client.send("{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\"private-room\"}}");
        client.channel.close();
        client.frames();

        assertThat(kinds())
                .containsExactly(
                        ActivityEvent.Kind.CONNECTED,
                        ActivityEvent.Kind.SUBSCRIBED,
                        ActivityEvent.Kind.CLIENT_EVENT,
                        ActivityEvent.Kind.UNSUBSCRIBED,
                        ActivityEvent.Kind.DISCONNECTED);
        assertThat(seen).allMatch(e -> e.socketId().equals(socket) && e.app().equals("1"));
        ActivityEvent clientEvent = seen.get(2);
        assertThat(clientEvent.event()).isEqualTo("client-typing");
        assertThat(clientEvent.data()).isEqualTo("{\"who\":\"ann\"}");
        assertThat(clientEvent.dataBytes()).isEqualTo(13);
        // the socket ended without a close frame
        assertThat(seen.get(4).details()).containsEntry("code", 1006);
        viewing.close();
    }

    @Test
    void aCloseTheServerSentIsReportedWithItsCode() {
        ActivityFeed.Viewing viewing = harness.activity.watch(APP.id(), seen::add);
        Client client = harness.connect(APP);
        client.socketId();
        // the server closes (a drain tells clients to reconnect): its code is the one reported
        harness.hub.closeAll(PusherError.RECONNECT, "bye", 0);
        client.frames();
        client.channel.close();
        client.frames();

        assertThat(seen.get(seen.size() - 1).kind()).isEqualTo(ActivityEvent.Kind.DISCONNECTED);
        assertThat(seen.get(seen.size() - 1).details()).containsEntry("code", 4200);
        viewing.close();
    }

    @Test
    void nothingIsReportedForAnAppNobodyWatches() {
        ActivityFeed.Viewing viewing = harness.activity.watch(OTHER.id(), seen::add);
        Client client = harness.connect(APP);
        client.send(subscribe("news", null));
        client.channel.close();
        client.frames();
        viewing.close();

        Client after = harness.connect(OTHER);
        after.send(subscribe("news", null));
        after.frames();

        assertThat(seen).isEmpty();
    }
}
