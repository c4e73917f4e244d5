package dev.herald.limits;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TokenBucketTest {

    @Test
    void allowsBurstOfRateThenRefillsOverTime() {
        long t = 1_000_000_000L;
        TokenBucket bucket = new TokenBucket(10, t);
        for (int i = 0; i < 10; i++) {
            assertThat(bucket.tryAcquire(t)).isTrue();
        }
        assertThat(bucket.tryAcquire(t)).isFalse();
        assertThat(bucket.tryAcquire(t + 50_000_000L)).isFalse();
        assertThat(bucket.tryAcquire(t + 100_000_000L)).isTrue();
        assertThat(bucket.tryAcquire(t + 100_000_000L)).isFalse();
        // never more than a second's worth, however long it was idle
        long later = t + 60_000_000_000L;
        int granted = 0;
        while (bucket.tryAcquire(later)) {
            granted++;
        }
        assertThat(granted).isEqualTo(10);
    }

    @Test
    void aBurstLargerThanTheRateIsGrantedOnceThenRefillsAtTheRate() {
        long t = 5_000_000_000L;
        TokenBucket bucket = new TokenBucket(50, 200, t);
        int granted = 0;
        while (bucket.tryAcquire(t)) {
            granted++;
        }
        assertThat(granted).isEqualTo(200);
        // one second later: 50 more, not the whole burst
        granted = 0;
        while (bucket.tryAcquire(t + 1_000_000_000L)) {
            granted++;
        }
        assertThat(granted).isEqualTo(50);
        // idle for a minute: the bucket holds the burst at most
        granted = 0;
        while (bucket.tryAcquire(t + 61_000_000_000L)) {
            granted++;
        }
        assertThat(granted).isEqualTo(200);
    }
}
