package dev.herald.redis;

import dev.herald.broker.NodeCommand;
import dev.herald.protocol.StreamPosition;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The messages nodes send each other over Redis pub/sub, written and read here only.
 *
 * <p><b>Publication</b> (on {@code herald:ch:APP|CHANNEL}; the channel name says where it goes):
 *
 * <pre>
 * 'H' | u8 n | node id (n bytes, UTF-8) | u8 m | excluded socket id (m bytes, ASCII; m = 0: none) | frame
 * </pre>
 *
 * The frame is the complete WebSocket frame as the publishing node encoded it, relayed untouched. A
 * socket id longer than 255 bytes cannot be one of Herald's (they are under 32 characters), so it
 * is relayed as no exclusion: it would have matched no socket on any node.
 *
 * <p><b>Recorded publication</b> (on the same channel), an event recorded in its channel's history
 * (docs/recovery.md):
 *
 * <pre>
 * 'R' | u8 n | node id | u8 m | excluded socket id | u8 p | position (p bytes, ASCII EPOCH:SERIAL) | frame
 * </pre>
 *
 * Written by the recording script ({@code history-record.lua}), not by Java: the script numbers the
 * event, so only Redis knows its position, and the frame goes to Redis once. A message whose
 * position is not one (too long, not {@code EPOCH:SERIAL}) is ignored like any unreadable message.
 * Nodes without history ignore the magic they do not know, so every node of a cluster must know it
 * before channels are recorded.
 *
 * <p><b>Node command</b> (on {@code herald:ctl}), UTF-8 text: {@code NODE \n TYPE \n APP \n
 * SUBJECT}. Node ids and app ids hold no newline and the type is an enum name, so the subject,
 * last, may hold anything.
 */
final class Relay {

    private static final byte MAGIC = 'H';
    private static final byte RECORDED = 'R';
    static final int MAX_FIELD_BYTES = 255;

    private Relay() {}

    /** The node's id as the envelope carries it; refuses ids the one length byte cannot hold. */
    static byte[] nodeId(String node) {
        byte[] bytes = node.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0 || bytes.length > MAX_FIELD_BYTES) {
            throw new IllegalArgumentException(
                    "node id must be 1 to " + MAX_FIELD_BYTES + " bytes: " + node);
        }
        return bytes;
    }

    /**
     * The excluded socket id as the envelopes carry it: {@code null} for none, and for one too long
     * to be Herald's.
     */
    static String relayedSocketId(String excludeSocketId) {
        // written as ASCII, one byte a character
        return excludeSocketId == null || excludeSocketId.length() > MAX_FIELD_BYTES
                ? null
                : excludeSocketId;
    }

    /** One publication's message; reads the frame's readable bytes without changing its indexes. */
    static byte[] publication(byte[] nodeId, String excludeSocketId, ByteBuf frame) {
        String relayed = relayedSocketId(excludeSocketId);
        byte[] exclude =
                relayed == null ? new byte[0] : relayed.getBytes(StandardCharsets.US_ASCII);
        int frameLength = frame.readableBytes();
        byte[] message = new byte[3 + nodeId.length + exclude.length + frameLength];
        message[0] = MAGIC;
        message[1] = (byte) nodeId.length;
        System.arraycopy(nodeId, 0, message, 2, nodeId.length);
        message[2 + nodeId.length] = (byte) exclude.length;
        System.arraycopy(exclude, 0, message, 3 + nodeId.length, exclude.length);
        frame.getBytes(
                frame.readerIndex(), message, 3 + nodeId.length + exclude.length, frameLength);
        return message;
    }

    /**
     * A publication as received; the frame stays in {@code message}, from {@code frameOffset}.
     *
     * @param position where the event was recorded, or {@code null} for a publication not recorded
     */
    record Publication(
            byte[] message,
            int nodeLength,
            String excludeSocketId,
            StreamPosition position,
            int frameOffset) {

        boolean from(byte[] nodeId) {
            return Arrays.equals(message, 2, 2 + nodeLength, nodeId, 0, nodeId.length);
        }

        String node() {
            return new String(message, 2, nodeLength, StandardCharsets.UTF_8);
        }

        int frameLength() {
            return message.length - frameOffset;
        }
    }

    /**
     * Reads a publication, recorded or not; {@code null} if the message is neither, is cut short,
     * or carries a position that is not one.
     */
    static Publication readPublication(byte[] message) {
        if (message.length < 3 || (message[0] != MAGIC && message[0] != RECORDED)) {
            return null;
        }
        int nodeLength = message[1] & 0xFF;
        if (3 + nodeLength > message.length) {
            return null;
        }
        int excludeLength = message[2 + nodeLength] & 0xFF;
        int end = 3 + nodeLength + excludeLength;
        if (end > message.length) {
            return null;
        }
        String exclude =
                excludeLength == 0
                        ? null
                        : new String(
                                message, 3 + nodeLength, excludeLength, StandardCharsets.US_ASCII);
        if (message[0] == MAGIC) {
            return new Publication(message, nodeLength, exclude, null, end);
        }
        if (end >= message.length) {
            return null;
        }
        int positionLength = message[end] & 0xFF;
        if (end + 1 + positionLength > message.length) {
            return null;
        }
        StreamPosition position =
                StreamPosition.parse(
                        new String(message, end + 1, positionLength, StandardCharsets.US_ASCII));
        return position == null
                ? null
                : new Publication(message, nodeLength, exclude, position, end + 1 + positionLength);
    }

    static byte[] command(String node, NodeCommand command) {
        String text =
                node
                        + '\n'
                        + command.type().name()
                        + '\n'
                        + command.appId()
                        + '\n'
                        + command.subject();
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** A node command as received, with the name of its type (which this node may not know). */
    record Command(String node, String type, String appId, String subject) {

        /**
         * @throws IllegalArgumentException if this node does not know the type
         */
        NodeCommand toNodeCommand() {
            return new NodeCommand(NodeCommand.Type.valueOf(type), appId, subject);
        }
    }

    /** Reads a node command; {@code null} if the message is not one. */
    static Command readCommand(byte[] message) {
        String[] parts = new String(message, StandardCharsets.UTF_8).split("\n", 4);
        return parts.length < 4 ? null : new Command(parts[0], parts[1], parts[2], parts[3]);
    }
}
