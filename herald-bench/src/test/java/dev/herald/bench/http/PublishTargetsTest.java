package dev.herald.bench.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.bench.config.ChannelPlan;
import dev.herald.bench.config.ChannelType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PublishTargetsTest {
    @Test
    void aPlanIsOneChannelPerPublication() {
        PublishTargets t = PublishTargets.of(new ChannelPlan(10, 5, 2, ChannelType.PRIVATE, "b-"));
        assertThat(t.size()).isEqualTo(5);
        assertThat(t.channels(3)).containsExactly("private-b-3");
        assertThat(t.subscribers(3)).isEqualTo(4);
        assertThat(t.channelCount()).isEqualTo(5);
    }

    @Test
    void batchesHoldAtMostTheHundredChannelsTheApiTakes() {
        List<String> names = new ArrayList<>();
        int[] subscribers = new int[250];
        for (int i = 0; i < 250; i++) {
            names.add("c" + i);
            subscribers[i] = i % 3;
        }
        PublishTargets t = PublishTargets.batched(names, subscribers);
        assertThat(t.size()).isEqualTo(3);
        assertThat(t.channels(0)).hasSize(100).startsWith("c0").endsWith("c99");
        assertThat(t.channels(2)).hasSize(50).endsWith("c249");
        assertThat(t.channelCount()).isEqualTo(250);
        int sum = 0;
        for (int i = 200; i < 250; i++) {
            sum += i % 3;
        }
        assertThat(t.subscribers(2)).isEqualTo(sum);
    }

    @Test
    void refusesNoTargetsAndMismatchedCounts() {
        assertThatThrownBy(() -> PublishTargets.single(List.of(), new int[0]))
                .hasMessageContaining("no targets");
        assertThatThrownBy(() -> PublishTargets.single(List.of("a", "b"), new int[1]))
                .hasMessageContaining("one subscriber count each");
    }
}
