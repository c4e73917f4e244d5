package dev.herald.console;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SignInFailuresTest {

    @Test
    void tenFailuresInAMinuteLockAnAddressUntilTheMinuteIsOver() {
        SignInFailures failures = new SignInFailures();
        for (int i = 0; i < SignInFailures.MAX_PER_MINUTE; i++) {
            assertThat(failures.allowed("10.0.0.1", 1_000 + i)).isTrue();
            failures.failed("10.0.0.1", 1_000 + i);
        }
        assertThat(failures.allowed("10.0.0.1", 2_000)).isFalse();
        assertThat(failures.allowed("10.0.0.2", 2_000)).isTrue();
        assertThat(failures.allowed("10.0.0.1", 61_000)).isTrue();
    }

    @Test
    void aFloodOfAddressesIsBoundedAndFailsClosed() {
        SignInFailures failures = new SignInFailures();
        for (int i = 0; i < SignInFailures.MAX_ADDRESSES + 500; i++) {
            failures.failed("a" + i, 0);
        }
        // full of live windows: an address never seen is refused rather than tracked
        assertThat(failures.allowed("new", 1)).isFalse();
        // once they expire there is room again
        assertThat(failures.allowed("new", 60_000)).isTrue();
    }
}
