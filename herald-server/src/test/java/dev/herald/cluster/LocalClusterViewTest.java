package dev.herald.cluster;

import dev.herald.observers.ClusterObserver;

/** The cluster contract for one node alone: answers from its hub, decisions on the spot. */
class LocalClusterViewTest extends ClusterViewContract {

    @Override
    protected Engine engine(LocalChannels held, ClusterObserver decisions) {
        return Engine.alone(new LocalClusterView(held), new LocalDecisions(decisions));
    }
}
