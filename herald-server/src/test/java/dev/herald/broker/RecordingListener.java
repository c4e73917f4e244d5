package dev.herald.broker;

import dev.herald.protocol.EncodedEvent;
import dev.herald.protocol.StreamPosition;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** A node's side of a broker in a test: the channels it wants, and what reached it. */
public final class RecordingListener implements BrokerListener {

    /**
     * One publication as it reached the listener, its frames copied out.
     *
     * @param position where it was recorded, or {@code null}
     * @param positionedFrame the frame announcing the position followed by the event's, or {@code
     *     null}
     */
    public record Received(
            String appId,
            String channel,
            byte[] frame,
            String excludeSocketId,
            StreamPosition position,
            byte[] positionedFrame) {

        public String text() {
            return new String(frame, StandardCharsets.ISO_8859_1);
        }
    }

    private final Set<String> wanted = ConcurrentHashMap.newKeySet();
    public final List<Received> publications = new CopyOnWriteArrayList<>();
    public final List<NodeCommand> commands = new CopyOnWriteArrayList<>();

    /** From now on this node has subscribers for the channel (or, with {@code false}, none). */
    public RecordingListener wants(String appId, String channel, boolean wants) {
        if (wants) {
            wanted.add(appId + '\n' + channel);
        } else {
            wanted.remove(appId + '\n' + channel);
        }
        return this;
    }

    /** The frames received on one channel, in order of arrival, as text. */
    public List<String> texts(String appId, String channel) {
        return publications.stream()
                .filter(p -> p.appId().equals(appId) && p.channel().equals(channel))
                .map(Received::text)
                .toList();
    }

    @Override
    public void onPublication(
            String appId, String channel, EncodedEvent event, String excludeSocketId) {
        publications.add(
                new Received(
                        appId,
                        channel,
                        copy(event.frame()),
                        excludeSocketId,
                        event.position(),
                        event.positionedFrame() == null ? null : copy(event.positionedFrame())));
    }

    private static byte[] copy(ByteBuf buffer) {
        byte[] bytes = new byte[buffer.readableBytes()];
        buffer.getBytes(buffer.readerIndex(), bytes);
        return bytes;
    }

    @Override
    public boolean hasSubscribers(String appId, String channel) {
        return wanted.contains(appId + '\n' + channel);
    }

    @Override
    public void onCommand(NodeCommand command) {
        commands.add(command);
    }
}
