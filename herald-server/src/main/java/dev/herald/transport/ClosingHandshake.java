package dev.herald.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;

/**
 * What follows the server's WebSocket close frame. Closing the socket at once would, when the
 * client has sent bytes the server has not read (a flood the server is refusing), make the kernel
 * answer with a reset, and a reset makes the client's kernel discard what it had not read yet: the
 * close frame with its code. So the server half-closes instead (RFC 6455 §7.1.1: the server closes
 * the TCP connection first, after its close frame), keeps reading and dropping what arrives, and
 * the connection ends when the client closes its side or when the caller's hard deadline closes it.
 */
public final class ClosingHandshake {

    /** Listener for the write of the close frame. */
    public static final ChannelFutureListener AFTER_CLOSE_FRAME = ClosingHandshake::afterCloseFrame;

    private ClosingHandshake() {}

    private static void afterCloseFrame(ChannelFuture written) {
        Channel channel = written.channel();
        if (written.isSuccess()
                && channel instanceof DuplexChannel duplex
                && channel.pipeline().get(SslHandler.class) == null) {
            duplex.shutdownOutput();
            channel.config().setAutoRead(true);
        } else {
            // TLS needs its own close_notify, which close() sends; a failed write has nothing to
            // wait for
            channel.close();
        }
    }
}
