package dev.herald.redis;

import dev.herald.broker.Broker;
import dev.herald.broker.BrokerListener;
import dev.herald.broker.ClusteredBrokerContract;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The broker contract on the real Redis, each test's nodes under a namespace of its own. */
class RedisBrokerTest extends ClusteredBrokerContract {

    @RegisterExtension final TestRedis redis = new TestRedis();

    @Override
    protected Broker node(BrokerListener listener) throws Exception {
        RedisConnections connections = redis.connect();
        Broker broker = new RedisBroker(connections, TestRedis.nodeId());
        broker.start(listener);
        // start() does not wait for Redis to confirm the node-command subscription; one more
        // subscription confirmed on the same connection means that one is in place too
        connections
                .subscriber()
                .async()
                .subscribe((redis.namespace + ":started").getBytes(StandardCharsets.UTF_8))
                .get(WITHIN.toMillis(), TimeUnit.MILLISECONDS);
        return broker;
    }
}
