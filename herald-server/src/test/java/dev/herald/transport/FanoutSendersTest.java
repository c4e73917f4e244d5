package dev.herald.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Which loops get an io_uring batch, and when asking for one refuses the start. */
class FanoutSendersTest {

    @Test
    void autoOnEpollGivesEveryLoopItsOwnBatch() {
        try (FanoutSenders senders = FanoutSenders.open(FanoutSend.AUTO, TransportKind.EPOLL, 3)) {
            assertThat(senders.perLoop()).hasSize(3).doesNotContainNull().doesNotHaveDuplicates();
            assertThat(senders.description()).startsWith("io_uring batches");
        }
    }

    @Test
    void sendAndOtherTransportsSendOneSocketAtATime() {
        try (FanoutSenders send = FanoutSenders.open(FanoutSend.SEND, TransportKind.EPOLL, 2);
                FanoutSenders nio = FanoutSenders.open(FanoutSend.AUTO, TransportKind.NIO, 2)) {
            assertThat(send.perLoop()).isEmpty();
            assertThat(nio.perLoop()).isEmpty();
            assertThat(nio.description())
                    .isEqualTo("one send() per socket (the transport is nio, not epoll)");
        }
    }

    @Test
    void askingForIoUringWhereItCannotRunRefusesTheStartSayingWhy() {
        assertThatThrownBy(() -> FanoutSenders.open(FanoutSend.IO_URING, TransportKind.NIO, 2))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage(
                        "fanout_send io_uring (HERALD_FANOUT_SEND) cannot run: the transport is nio, not epoll");
    }
}
