package dev.herald.broker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LocalBrokerTest extends BrokerContract {

    @Override
    protected Broker node(BrokerListener listener) {
        Broker broker = new LocalBroker();
        broker.start(listener);
        return broker;
    }

    @Test
    void seesNoAudienceWithoutLocalSubscribers() {
        Broker broker = node(new RecordingListener());

        assertThat(broker.hasAudience("app-id", "news")).isFalse();
    }
}
