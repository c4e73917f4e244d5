package dev.herald.bench.stats;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProcStatsTest {
    @Test
    void parsesCpuTicksAfterACommandNameWithSpacesAndParens() {
        String stat =
                "1234 (java (main) x) S 1 1234 1234 0 -1 4194560 1000 0 0 0 250 75 0 0 20 0 30 0 100 0 0";
        assertThat(ProcStats.parseCpuTicks(stat)).isEqualTo(325);
    }

    @Test
    void parsesVmRss() {
        String status = "Name:\tjava\nVmPeak:\t 9000 kB\nVmRSS:\t  123456 kB\nThreads:\t30\n";
        assertThat(ProcStats.parseRss(status)).isEqualTo(123456L * 1024);
    }

    @Test
    void readsItsOwnProcess() {
        long pid = ProcessHandle.current().pid();
        assertThat(ProcStats.cpuSeconds(pid)).isGreaterThan(0);
        assertThat(ProcStats.rssBytes(pid)).isGreaterThan(1 << 20);
        assertThat(ProcStats.clockTicksPerSecond()).isPositive();
    }
}
