package dev.herald.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The io_uring batch over real loopback sockets: each socket gets its bytes, a full socket takes
 * part or none of them, a failed one says so, and the batch is bounded.
 *
 * <p>Not skipped where the native part is missing: the build makes it wherever a C compiler is, and
 * a suite that passed without it would not have tested the path that servers run.
 */
class UringSenderTest {

    private final List<AutoCloseable> open = new ArrayList<>();
    private ServerSocket listener;
    private UringSender sender;

    /** A connected pair: the non-blocking sending socket and the blocking reading one. */
    private record Pair(Socket sender, java.net.Socket reader) {}

    @BeforeAll
    static void nativePartIsHere() {
        assertThat(UringSender.unavailabilityCause())
                .as("the io_uring send path must be built and allowed where the tests run")
                .isNull();
        Epoll.ensureAvailability(); // loads the native socket calls the test's senders use
    }

    @BeforeEach
    void setUp() throws IOException {
        listener = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        open.add(listener);
        sender = UringSender.open();
        open.add(sender);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private Pair pair(int sendBuffer) throws IOException {
        Socket s = Socket.newSocketStream();
        open.add(s::close);
        if (sendBuffer > 0) {
            s.setSendBufferSize(sendBuffer);
        }
        boolean connected =
                s.connect(
                        new InetSocketAddress(
                                java.net.InetAddress.getLoopbackAddress(),
                                listener.getLocalPort()));
        java.net.Socket reader = listener.accept();
        open.add(reader);
        while (!connected) {
            connected = s.finishConnect();
        }
        return new Pair(s, reader);
    }

    private static ByteBuf text(String s) {
        ByteBuf b = ByteBufAllocator.DEFAULT.directBuffer();
        b.writeCharSequence(s, StandardCharsets.US_ASCII);
        return b;
    }

    private void add(Socket socket, ByteBuf bytes) {
        sender.add(
                socket.intValue(),
                bytes.memoryAddress() + bytes.readerIndex(),
                bytes.readableBytes());
    }

    private static byte[] read(java.net.Socket reader, int n) throws IOException {
        reader.setSoTimeout(5000);
        InputStream in = reader.getInputStream();
        return in.readNBytes(n);
    }

    @Test
    void everySocketGetsItsOwnBytesFromOneBatch() throws IOException {
        List<Pair> pairs = new ArrayList<>();
        List<ByteBuf> frames = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            pairs.add(pair(0));
            // a frame read from an offset: the batch sends from the reader index
            ByteBuf f = text("skip|frame " + i + " " + "x".repeat(i * 100));
            f.skipBytes(5);
            frames.add(f);
            add(pairs.get(i).sender(), f);
        }

        assertThat(sender.submit()).isTrue();

        for (int i = 0; i < 5; i++) {
            ByteBuf f = frames.get(i);
            assertThat(sender.result(i)).isEqualTo(f.readableBytes());
            assertThat(
                            new String(
                                    read(pairs.get(i).reader(), f.readableBytes()),
                                    StandardCharsets.US_ASCII))
                    .isEqualTo(f.toString(StandardCharsets.US_ASCII));
            f.release();
        }
    }

    @Test
    void aFullSocketTakesPartOfTheBytesThenNone() throws IOException {
        Pair full = pair(4096);
        Pair fine = pair(0);
        ByteBuf big = ByteBufAllocator.DEFAULT.directBuffer(1 << 20);
        big.writeZero(1 << 20);
        ByteBuf small = text("still here");
        try {
            // the reader reads nothing: a megabyte is more than both kernel buffers hold
            add(full.sender(), big);
            add(fine.sender(), small);
            assertThat(sender.submit()).isTrue();
            assertThat(sender.result(0)).isPositive().isLessThan(big.readableBytes());
            assertThat(sender.result(1)).isEqualTo(small.readableBytes());
            sender.clear();

            int none = -1;
            for (int i = 0; i < 100 && none != 0; i++) {
                add(full.sender(), big);
                assertThat(sender.submit()).isTrue();
                none = sender.result(0);
                assertThat(none).as("a full socket's send is not an error").isNotNegative();
                sender.clear();
            }
            assertThat(none).as("a socket with no room takes nothing (EAGAIN)").isZero();
            assertThat(read(fine.reader(), small.readableBytes()))
                    .isEqualTo("still here".getBytes(StandardCharsets.US_ASCII));
        } finally {
            big.release();
            small.release();
        }
    }

    @Test
    void aSocketThePeerResetIsAFailedSend() throws IOException, InterruptedException {
        Pair gone = pair(0);
        Pair fine = pair(0);
        gone.reader().setSoLinger(true, 0);
        gone.reader().close(); // RST
        ByteBuf frame = text("anyone there?");
        try {
            int result = 0;
            for (int i = 0; i < 100 && result >= 0; i++) {
                add(gone.sender(), frame);
                add(fine.sender(), frame);
                assertThat(sender.submit()).isTrue();
                result = sender.result(0);
                assertThat(sender.result(1)).isEqualTo(frame.readableBytes());
                sender.clear();
                Thread.sleep(10);
            }
            assertThat(result).as("ECONNRESET or EPIPE").isEqualTo(-1);
        } finally {
            frame.release();
        }
    }

    @Test
    void aClosedDescriptorIsAFailedSendNotACrash() {
        ByteBuf frame = text("nowhere");
        try {
            sender.add(-1, frame.memoryAddress(), frame.readableBytes());
            assertThat(sender.submit()).isTrue();
            assertThat(sender.result(0)).isEqualTo(-1);
        } finally {
            frame.release();
        }
    }

    @Test
    void aBatchHoldsAtMostItsCapacityAndAFullOneIsSentWhole() {
        ByteBuf frame = text("x");
        try {
            for (int i = 0; i < UringSender.CAPACITY; i++) {
                assertThat(sender.isFull()).isFalse();
                sender.add(-1, frame.memoryAddress(), 1);
            }
            assertThat(sender.isFull()).isTrue();
            assertThatThrownBy(() -> sender.add(-1, frame.memoryAddress(), 1))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("full");

            assertThat(sender.submit()).isTrue();
            int[] results = new int[UringSender.CAPACITY];
            Arrays.setAll(results, sender::result);
            assertThat(results).containsOnly(-1);
            sender.clear();
            assertThat(sender.size()).isZero();
        } finally {
            frame.release();
        }
    }

    @Test
    void aClosedSenderRefusesToSend() {
        sender.close();
        assertThatThrownBy(sender::submit).isInstanceOf(IllegalStateException.class);
    }
}
