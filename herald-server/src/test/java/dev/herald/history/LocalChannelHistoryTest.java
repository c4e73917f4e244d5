package dev.herald.history;

import dev.herald.broker.LocalBroker;
import dev.herald.broker.RecordingListener;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** The history contract on one node's memory, on the test's clock. */
class LocalChannelHistoryTest extends ChannelHistoryContract {

    private final AtomicLong clock = new AtomicLong(1_700_000_000_000L);

    @Override
    protected Node node() {
        LocalChannelHistory history = new LocalChannelHistory(64L << 20, clock::get);
        LocalBroker broker = new LocalBroker(history);
        RecordingListener listener = new RecordingListener();
        broker.start(listener);
        return new Node(broker, history, listener);
    }

    @Override
    protected void pass(Duration time) {
        clock.addAndGet(time.toMillis());
    }
}
