package dev.herald.cluster;

import dev.herald.testing.HeraldProcess;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The pusher-java-client connections a cluster test opens, closed after each test. Register it with
 * {@code @RegisterExtension final Clients clients = new Clients();}.
 */
final class Clients implements AfterEachCallback {

    private final List<Client> open = new ArrayList<>();

    /**
     * A connected client on {@code node} for user {@code userId} (see {@link Client#connect}),
     * closed after the test.
     */
    Client connect(HeraldProcess node, String userId) {
        Client client = Client.connect(node, userId);
        open.add(client);
        return client;
    }

    /** Stops tracking a client the test has dealt with itself (one on a killed node, say). */
    void forget(Client client) {
        open.remove(client);
    }

    /** Closes every client, ignoring the ones that cannot be closed (a test already failed). */
    @Override
    public void afterEach(ExtensionContext context) {
        for (Client client : open) {
            try {
                client.close();
            } catch (RuntimeException | Error e) {
                // keep closing the others
            }
        }
        open.clear();
    }
}
