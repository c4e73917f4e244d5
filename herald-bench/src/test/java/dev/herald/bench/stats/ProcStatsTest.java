package dev.herald.bench.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    /** A /proc entry: pid, parent, utime, stime, cutime, cstime and VmRSS in kB. */
    private static void proc(
            Path root, long pid, long ppid, long u, long s, long cu, long cs, long rssKb)
            throws IOException {
        Path d = Files.createDirectories(root.resolve(Long.toString(pid)));
        Files.writeString(
                d.resolve("stat"),
                pid
                        + " (nginx: worker) S "
                        + ppid
                        + " 1 1 0 -1 4194560 1000 0 0 0 "
                        + u
                        + " "
                        + s
                        + " "
                        + cu
                        + " "
                        + cs
                        + " 20 0 1 0 100 0 0");
        Files.writeString(d.resolve("status"), "Name:\tnginx\nVmRSS:\t " + rssKb + " kB\n");
    }

    @Test
    void aProcessTreeCountsEveryDescendantAndWhatReapedChildrenUsed(@TempDir Path root)
            throws IOException {
        proc(root, 100, 1, 10, 5, 7, 3, 1000); // master: 15 own + 10 of a reaped worker
        proc(root, 101, 100, 200, 50, 0, 0, 3000); // worker
        proc(root, 102, 100, 100, 20, 0, 0, 2000); // worker
        proc(root, 103, 101, 1, 1, 0, 0, 10); // a worker's child
        proc(root, 200, 1, 999, 999, 0, 0, 99999); // not in the tree
        Files.createDirectories(root.resolve("self"));
        Files.writeString(root.resolve("uptime"), "1.0 1.0\n");

        assertThat(ProcStats.tree(root, 100)).containsExactlyInAnyOrder(100L, 101L, 102L, 103L);
        assertThat(ProcStats.tree(root, 100).get(0)).isEqualTo(100L);
        assertThat(ProcStats.treeCpuTicks(root, 100)).isEqualTo(25 + 250 + 120 + 2);
        assertThat(ProcStats.treeRssBytes(root, 100)).isEqualTo((1000 + 3000 + 2000 + 10) * 1024L);
        // a lone process is its own tree
        assertThat(ProcStats.treeCpuTicks(root, 102)).isEqualTo(120);
        assertThat(ProcStats.treeCpuTicks(root, 999)).isEqualTo(-1);
        assertThat(ProcStats.treeRssBytes(root, 999)).isEqualTo(-1);
    }

    @Test
    void aRealProcessTreeIncludesItsChild() throws Exception {
        Process p = new ProcessBuilder("sh", "-c", "sleep 30 & wait").start();
        try {
            long pid = p.pid();
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (ProcStats.tree(Path.of("/proc"), pid).size() < 2
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(ProcStats.tree(Path.of("/proc"), pid)).hasSize(2);
            assertThat(ProcStats.treeRssBytes(pid)).isGreaterThan(ProcStats.rssBytes(pid));
            assertThat(ProcStats.treeCpuSeconds(pid)).isGreaterThanOrEqualTo(0);
        } finally {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
            p.waitFor();
        }
    }
}
