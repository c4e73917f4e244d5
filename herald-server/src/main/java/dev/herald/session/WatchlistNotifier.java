package dev.herald.session;

import dev.herald.apps.App;
import dev.herald.broker.Broker;
import dev.herald.observers.ClusterObserver;
import dev.herald.protocol.ChannelKind;
import dev.herald.protocol.Frames;
import java.util.List;

/**
 * Watchlist online/offline events (docs/protocol.md §4.4). A user is online while its {@code
 * #server-to-user-} channel has subscribers (every signed-in socket joins it), so the channel's
 * first subscriber means "online" and its last leaving means "offline": once per user, not per
 * socket. Watchers are the members of the user's internal watchlist channel, so the notice is one
 * publication fanned out like any other.
 */
public final class WatchlistNotifier implements ClusterObserver {

    private static final int PREFIX = ChannelKind.SERVER_TO_USER.prefix().length();

    private final Broker broker;

    public WatchlistNotifier(Broker broker) {
        this.broker = broker;
    }

    @Override
    public void channelOccupied(App app, String channel) {
        notify(app, channel, true);
    }

    @Override
    public void channelVacated(App app, String channel) {
        notify(app, channel, false);
    }

    private void notify(App app, String channel, boolean online) {
        if (!app.features().watchlist() || ChannelKind.of(channel) != ChannelKind.SERVER_TO_USER) {
            return;
        }
        String userId = channel.substring(PREFIX);
        List<String> ids = List.of(userId);
        Publisher.publish(
                broker,
                app.id(),
                ChannelKind.watchlistChannel(userId),
                online
                        ? Frames.watchlistEvents(ids, List.of())
                        : Frames.watchlistEvents(List.of(), ids),
                null);
    }
}
