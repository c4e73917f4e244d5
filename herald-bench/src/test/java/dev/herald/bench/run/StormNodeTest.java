package dev.herald.bench.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StormNodeTest {
    private static final long SELF = ProcessHandle.current().pid();

    @Test
    void findsThePortAProcessListensOn() throws Exception {
        try (ServerSocket a = new ServerSocket();
                ServerSocket other = new ServerSocket()) {
            a.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            other.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int free;
            try (ServerSocket f = new ServerSocket(0)) {
                free = f.getLocalPort();
            }
            assertThat(StormNode.listeningPorts(Path.of("/proc"), SELF))
                    .contains(a.getLocalPort(), other.getLocalPort());
            StormNode node = StormNode.find(SELF, new int[] {free, a.getLocalPort()});
            assertThat(node.port()).isEqualTo(a.getLocalPort());
            assertThat(node.alive()).isTrue();
            // a pid that listens on none of the ports, or on several, is never the storm node
            assertThatThrownBy(() -> StormNode.find(SELF, new int[] {free}))
                    .hasMessageContaining("listens on none of --ports " + free);
            assertThatThrownBy(
                            () ->
                                    StormNode.find(
                                            SELF,
                                            new int[] {a.getLocalPort(), other.getLocalPort()}))
                    .hasMessageContaining("several");
        }
    }

    @Test
    void aProcessThatIsGoneIsRefused() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        assertThatThrownBy(() -> StormNode.find(p.pid(), new int[] {1, 2}))
                .hasMessageContaining("is not a running process");
    }

    @Test
    void readsTheListenRowsOfProcNetTcp() {
        List<String> table =
                List.of(
                        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
                        "   0: 0100007F:1B59 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1 0000000000000000 100 0 0 10 0",
                        "   1: 0100007F:1B5A 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 222 1 0000000000000000 100 0 0 10 0",
                        "   2: 0100007F:1B59 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 111 1 0000000000000000 20 4 30 10 -1");
        // 0x1B59 = 7001 is the process's (inode 111); 7002 is another's; row 2 is a connection
        assertThat(StormNode.parseListening(table, Set.of(111L))).containsExactly(7001);
        assertThat(StormNode.parseListening(table, Set.of(333L))).isEmpty();
    }
}
