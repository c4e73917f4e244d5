package dev.herald.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** How {@code -Dherald.it.redis} chooses the Redis of the cluster tests, without starting one. */
class ClusterRedisTest {

    private final String before = System.getProperty(ClusterRedis.PROPERTY);

    @AfterEach
    void restoreProperty() {
        if (before == null) {
            System.clearProperty(ClusterRedis.PROPERTY);
        } else {
            System.setProperty(ClusterRedis.PROPERTY, before);
        }
    }

    @Test
    void singleUnlessClusterIsAskedForAndNothingElse() {
        System.clearProperty(ClusterRedis.PROPERTY);
        assertThat(ClusterRedis.chosen()).isEqualTo(ClusterRedis.Kind.SINGLE);
        System.setProperty(ClusterRedis.PROPERTY, " ");
        assertThat(ClusterRedis.chosen()).isEqualTo(ClusterRedis.Kind.SINGLE);
        System.setProperty(ClusterRedis.PROPERTY, "single");
        assertThat(ClusterRedis.chosen()).isEqualTo(ClusterRedis.Kind.SINGLE);
        System.setProperty(ClusterRedis.PROPERTY, "Cluster");
        assertThat(ClusterRedis.chosen()).isEqualTo(ClusterRedis.Kind.CLUSTER);
        System.setProperty(ClusterRedis.PROPERTY, "sentinel");
        assertThatThrownBy(ClusterRedis::chosen)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("single or cluster");
    }

    @Test
    void theSharedSingleRedisIsNotATestsToStopAndNamesNoCluster() {
        System.setProperty(ClusterRedis.PROPERTY, "single");
        ClusterRedis shared = ClusterRedis.shared("shared");
        assertThat(shared.isCluster()).isFalse();
        assertThat(shared.toString()).isEqualTo("Redis " + HeraldProcess.REDIS);
        assertThatThrownBy(shared::kill)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not this test's");
        assertThatThrownBy(() -> shared.call("k", "GET", "k"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not this test's");
        assertThatThrownBy(shared::cluster).isInstanceOf(IllegalStateException.class);
        shared.close();
    }
}
