package dev.herald.fuzz;

import java.io.ByteArrayOutputStream;

/**
 * Client-to-server WebSocket frames as bytes on the wire (RFC 6455 §5.2), including malformed ones.
 */
final class WebSocketFrames {

    private static final byte[] MASK = {0x37, (byte) 0xfa, 0x21, 0x3d};

    private WebSocketFrames() {}

    /** A final, masked text frame: what a browser sends for one message. */
    static byte[] text(byte[] payload) {
        return frame(0x81, payload, true, -1);
    }

    /**
     * @param first the first header byte as sent: FIN, RSV1-3 and the opcode
     * @param claimedLength the 64-bit length to put in the header whatever the payload, or -1 for
     *     the payload's own length in its shortest form
     */
    static byte[] frame(int first, byte[] payload, boolean masked, long claimedLength) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length + 14);
        out.write(first);
        int maskBit = masked ? 0x80 : 0;
        if (claimedLength >= 0 || claimedLength < -1) {
            out.write(maskBit | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) (claimedLength >>> shift));
            }
        } else if (payload.length < 126) {
            out.write(maskBit | payload.length);
        } else if (payload.length < 65_536) {
            out.write(maskBit | 126);
            out.write(payload.length >>> 8);
            out.write(payload.length);
        } else {
            out.write(maskBit | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) ((long) payload.length >>> shift));
            }
        }
        if (masked) {
            out.write(MASK, 0, 4);
            byte[] masked4 = payload.clone();
            for (int i = 0; i < masked4.length; i++) {
                masked4[i] ^= MASK[i & 3];
            }
            out.write(masked4, 0, masked4.length);
        } else {
            out.write(payload, 0, payload.length);
        }
        return out.toByteArray();
    }
}
