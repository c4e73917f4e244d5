package dev.herald.activity;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

class LocalActivityFeedTest extends ActivityFeedContract {

    private final List<ActivityFeed> feeds = new ArrayList<>();

    @Override
    protected ActivityFeed feed() {
        ActivityFeed feed = new LocalActivityFeed().start();
        feeds.add(feed);
        return feed;
    }

    @AfterEach
    void close() {
        feeds.forEach(ActivityFeed::close);
    }
}
