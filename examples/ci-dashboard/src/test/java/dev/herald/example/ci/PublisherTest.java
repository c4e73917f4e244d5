package dev.herald.example.ci;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.herald.example.ci.Model.LogLine;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PublisherTest {
    @Test
    void signsPrivateChannelsLikeThePusherDocs() {
        // Vector from docs/protocol.md §3.3 (Pusher's auth-signatures page).
        Config config =
                Config.parse(
                        new String[] {
                            "--app-key",
                            "278d425bdf160c739803",
                            "--app-secret",
                            "7ad3773142a6692b25b8"
                        },
                        Map.of());
        try (Publisher p = new Publisher(config, new ObjectMapper())) {
            assertThat(p.authenticate("1234.1234", "private-foobar"))
                    .isEqualTo(
                            "{\"auth\":\"278d425bdf160c739803:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4\"}");
        }
    }

    @Test
    void splitsLongOutputUnderTheEventSizeLimit() {
        try (Publisher p = new Publisher(Config.defaults(), new ObjectMapper())) {
            List<LogLine> lines = new ArrayList<>();
            for (int i = 1; i <= 60; i++) {
                lines.add(new LogLine(i, "x".repeat(500)));
            }
            List<List<LogLine>> chunks = p.chunks(lines);
            assertThat(chunks).hasSizeGreaterThan(1);
            assertThat(chunks.stream().mapToInt(List::size).sum()).isEqualTo(60);
            for (List<LogLine> chunk : chunks) {
                int bytes = chunk.stream().mapToInt(l -> l.text().length() + 20).sum();
                assertThat(bytes).isLessThan(Publisher.MAX_CHUNK_BYTES);
            }
            assertThat(p.chunks(List.of(new LogLine(1, "short")))).hasSize(1);
        }
    }

    @Test
    void channelNames() {
        assertThat(Publisher.projectChannel(7)).isEqualTo("private-project-7");
        assertThat(Publisher.buildChannel(42)).isEqualTo("private-build-42");
    }
}
