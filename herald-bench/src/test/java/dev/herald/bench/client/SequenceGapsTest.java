package dev.herald.bench.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.bench.client.SequenceGaps.Verdict;
import org.junit.jupiter.api.Test;

class SequenceGapsTest {
    @Test
    void aChannelsPublicationsAreStrideApartAndALargerStepIsAMiss() {
        // 10 public channels; this connection's channel 0 is public channel 3: publications 3, 13,
        // 23, ...
        SequenceGaps g = new SequenceGaps(3, 10);
        assertThat(g.received(0, 23)).isEqualTo(Verdict.IN_ORDER); // the first one says nothing
        assertThat(g.received(0, 33)).isEqualTo(Verdict.IN_ORDER);
        assertThat(g.received(0, 63)).isEqualTo(Verdict.GAP); // 43 and 53 missing
        assertThat(g.missed()).isEqualTo(2);
        assertThat(g.received(0, 53)).isEqualTo(Verdict.OUT_OF_ORDER);
        assertThat(g.received(0, 63)).isEqualTo(Verdict.OUT_OF_ORDER);
        assertThat(g.received(0, 73)).isEqualTo(Verdict.IN_ORDER);
        // channels are tracked apart
        assertThat(g.received(2, 5)).isEqualTo(Verdict.IN_ORDER);
        assertThat(g.received(2, 15)).isEqualTo(Verdict.IN_ORDER);
        assertThat(g.missed()).isEqualTo(2);
    }
}
