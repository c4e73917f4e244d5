package dev.herald.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.broker.NodeCommand;
import dev.herald.protocol.StreamPosition;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RelayTest {

    private static final byte[] NODE = Relay.nodeId("42");

    private static ByteBuf frame(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
    }

    private static String frameOf(Relay.Publication publication) {
        return new String(
                publication.message(),
                publication.frameOffset(),
                publication.frameLength(),
                StandardCharsets.UTF_8);
    }

    /** The bytes every node of a cluster must agree on, whatever version it runs. */
    @Test
    void writesTheEnvelopeNodesShare() {
        byte[] message = Relay.publication(NODE, "1.2", frame("F!"));

        assertThat(message).containsExactly('H', 2, '4', '2', 3, '1', '.', '2', 'F', '!');
    }

    @Test
    void readsBackAPublication() {
        Relay.Publication read =
                Relay.readPublication(Relay.publication(NODE, "123.456", frame("{\"event\":1}")));

        assertThat(read.node()).isEqualTo("42");
        assertThat(read.excludeSocketId()).isEqualTo("123.456");
        assertThat(frameOf(read)).isEqualTo("{\"event\":1}");
        assertThat(read.from(NODE)).isTrue();
        assertThat(read.from(Relay.nodeId("4"))).isFalse();
        assertThat(read.from(Relay.nodeId("421"))).isFalse();
    }

    @Test
    void readsBackAPublicationWithoutExclusionOrFrame() {
        Relay.Publication read = Relay.readPublication(Relay.publication(NODE, null, frame("")));

        assertThat(read.excludeSocketId()).isNull();
        assertThat(read.frameLength()).isZero();
    }

    @Test
    void leavesTheFramesIndexesAlone() {
        ByteBuf frame = frame("xxFRAME").skipBytes(2);

        Relay.Publication read = Relay.readPublication(Relay.publication(NODE, null, frame));

        assertThat(frameOf(read)).isEqualTo("FRAME");
        assertThat(frame.readerIndex()).isEqualTo(2);
    }

    @Test
    void carriesNodeIdsAndSocketIdsUpTo255Bytes() {
        byte[] longNode = Relay.nodeId("7".repeat(255));
        String longSocket = "1." + "2".repeat(253);

        Relay.Publication read =
                Relay.readPublication(Relay.publication(longNode, longSocket, frame("F")));

        assertThat(read.from(longNode)).isTrue();
        assertThat(read.excludeSocketId()).isEqualTo(longSocket);
        assertThat(frameOf(read)).isEqualTo("F");
    }

    @Test
    void relaysASocketIdTooLongToBeOneOfOursAsNoExclusion() {
        Relay.Publication read =
                Relay.readPublication(Relay.publication(NODE, "1." + "2".repeat(300), frame("F")));

        assertThat(read.excludeSocketId()).isNull();
        assertThat(frameOf(read)).isEqualTo("F");
    }

    @Test
    void refusesNodeIdsTheLengthByteCannotHold() {
        assertThatThrownBy(() -> Relay.nodeId("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Relay.nodeId("7".repeat(256)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void ignoresMessagesThatAreNotWholePublications() {
        byte[] whole = Relay.publication(NODE, "1.2", frame("F"));

        assertThat(Relay.readPublication(new byte[0])).isNull();
        assertThat(Relay.readPublication("hello".getBytes(StandardCharsets.US_ASCII))).isNull();
        assertThat(Relay.readPublication(Arrays.copyOf(whole, 3))).isNull();
        assertThat(Relay.readPublication(Arrays.copyOf(whole, 6))).isNull();
        assertThat(Relay.readPublication(Arrays.copyOf(whole, 8))).isNotNull();
    }

    /** A recorded publication as the recording script writes it (history-record.lua). */
    private static byte[] recorded(String node, String exclude, String position, String frame) {
        byte[] n = node.getBytes(StandardCharsets.UTF_8);
        byte[] x = exclude.getBytes(StandardCharsets.US_ASCII);
        byte[] p = position.getBytes(StandardCharsets.US_ASCII);
        byte[] f = frame.getBytes(StandardCharsets.UTF_8);
        ByteBuf out = Unpooled.buffer();
        out.writeByte('R').writeByte(n.length).writeBytes(n);
        out.writeByte(x.length).writeBytes(x);
        out.writeByte(p.length).writeBytes(p);
        out.writeBytes(f);
        return Arrays.copyOf(out.array(), out.writerIndex());
    }

    @Test
    void readsBackARecordedPublication() {
        Relay.Publication read =
                Relay.readPublication(recorded("42", "123.456", "k3j9x2ab:41", "{\"event\":1}"));

        assertThat(read.position()).isEqualTo(new StreamPosition("k3j9x2ab", 41));
        assertThat(read.node()).isEqualTo("42");
        assertThat(read.from(NODE)).isTrue();
        assertThat(read.excludeSocketId()).isEqualTo("123.456");
        assertThat(frameOf(read)).isEqualTo("{\"event\":1}");
    }

    @Test
    void readsBackARecordedPublicationWithoutExclusionOrFrame() {
        Relay.Publication read = Relay.readPublication(recorded("42", "", "e:0", ""));

        assertThat(read.position()).isEqualTo(new StreamPosition("e", 0));
        assertThat(read.excludeSocketId()).isNull();
        assertThat(read.frameLength()).isZero();
    }

    @Test
    void readsNoPositionInAPublicationNotRecorded() {
        assertThat(Relay.readPublication(Relay.publication(NODE, null, frame("F"))).position())
                .isNull();
    }

    @Test
    void ignoresRecordedPublicationsCutShort() {
        byte[] whole = recorded("42", "1.2", "abc:7", "F");
        int frameOffset = whole.length - 1;

        for (int length = 0; length < frameOffset; length++) {
            assertThat(Relay.readPublication(Arrays.copyOf(whole, length)))
                    .as("cut at %d", length)
                    .isNull();
        }
        assertThat(Relay.readPublication(Arrays.copyOf(whole, frameOffset)).frameLength()).isZero();
        assertThat(frameOf(Relay.readPublication(whole))).isEqualTo("F");
    }

    @Test
    void ignoresRecordedPublicationsWhosePositionIsNotOne() {
        String tooLong = "a".repeat(16) + ":" + "9".repeat(StreamPosition.MAX_TEXT_LENGTH);
        for (String position :
                new String[] {
                    "",
                    ":",
                    "abc",
                    "abc:",
                    ":7",
                    "abc:-1",
                    "abc:7x",
                    "a b:7",
                    "a:b:7",
                    "a".repeat(17) + ":1",
                    "abc:99999999999999999999",
                    tooLong,
                    "x".repeat(255)
                }) {
            assertThat(Relay.readPublication(recorded("42", "", position, "F")))
                    .as("position '%s'", position)
                    .isNull();
        }
    }

    @Test
    void ignoresARecordedPublicationWhosePositionLengthRunsPastTheEnd() {
        byte[] message = recorded("42", "", "abc:7", "");
        message[message.length - 6] = (byte) 200; // the position's length byte

        assertThat(Relay.readPublication(message)).isNull();
    }

    @Test
    void ignoresUnknownMagic() {
        byte[] message = recorded("42", "", "abc:7", "F");
        message[0] = 'Q';

        assertThat(Relay.readPublication(message)).isNull();
    }

    @Test
    void readsBackANodeCommandWhateverItsSubject() {
        NodeCommand command = NodeCommand.terminateUser("app-id", "user\nwith\nnewlines");

        Relay.Command read = Relay.readCommand(Relay.command("42", command));

        assertThat(read.node()).isEqualTo("42");
        assertThat(read.toNodeCommand()).isEqualTo(command);
        assertThat(new String(Relay.command("42", command), StandardCharsets.UTF_8))
                .isEqualTo("42\nTERMINATE_USER\napp-id\nuser\nwith\nnewlines");
    }

    @Test
    void leavesUnknownCommandsToTheCaller() {
        Relay.Command read =
                Relay.readCommand("42\nREBOOT\napp\nx".getBytes(StandardCharsets.UTF_8));

        assertThat(read.type()).isEqualTo("REBOOT");
        assertThatThrownBy(read::toNodeCommand).isInstanceOf(IllegalArgumentException.class);
        assertThat(Relay.readCommand("42\nTERMINATE_USER".getBytes(StandardCharsets.UTF_8)))
                .isNull();
    }
}
