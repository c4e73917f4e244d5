package dev.herald.bench.client;

import dev.herald.bench.config.ChannelPlan;
import dev.herald.bench.config.ChannelType;
import dev.herald.bench.config.FleetMode;
import dev.herald.bench.config.Target;
import dev.herald.bench.payload.Payload;
import dev.herald.bench.stats.Clock;
import dev.herald.bench.stats.Counter;
import dev.herald.bench.stats.LoopStats;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One client connection: hand-rolled WebSocket upgrade, then frames parsed in place from Netty's
 * cumulation buffer. A Pusher connection subscribes with {@code pusher:subscribe} once {@code
 * pusher:connection_established} arrives; an nchan connection is subscribed to its channels by the
 * upgrade itself (they are in its path), and each message it receives is a published body.
 *
 * <p>The delivery path reads the frame header, scans the payload bytes for the bench marker ({@link
 * Payload#findTimestamp}) and records the latency: no frame object, no string, no JSON parse.
 * Protocol messages (connection_established, errors) are rare and decoded as strings. Every method
 * runs on the connection's event loop, and writes go to that loop's {@link LoopStats}.
 */
final class WsConnection extends ByteToMessageDecoder {
    private static final int HANDSHAKE = 0;
    private static final int OPEN = 1;
    private static final int CLOSING = 2;
    private static final int DONE = 3;
    private static final int MAX_FRAME = 16 << 20;
    private static final String WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private static final byte[] CRLFCRLF = {'\r', '\n', '\r', '\n'};
    private static final byte[] EVENT_KEY = Bytes.ascii("\"event\"");
    private static final byte[] EV_ESTABLISHED = Bytes.ascii("pusher:connection_established\"");
    private static final byte[] EV_SUBSCRIBED =
            Bytes.ascii("pusher_internal:subscription_succeeded\"");
    private static final byte[] EV_MEMBER_ADDED = Bytes.ascii("pusher_internal:member_added\"");
    private static final byte[] EV_MEMBER_REMOVED = Bytes.ascii("pusher_internal:member_removed\"");
    private static final byte[] EV_ERROR = Bytes.ascii("pusher:error\"");
    private static final byte[] EV_SUB_ERROR = Bytes.ascii("pusher:subscription_error\"");
    private static final byte[] EV_PING = Bytes.ascii("pusher:ping\"");
    private static final byte[] PONG = Bytes.ascii("{\"event\":\"pusher:pong\",\"data\":{}}");
    private static final byte[] DATA_CLOSE = Bytes.ascii("\"}");
    private static final byte[] CHANNEL_KEY = Bytes.ascii("\"channel\"");
    private static final byte[] CLIENT_EVENT_PREFIX = Bytes.ascii("client-");
    private static final Pattern SOCKET_ID =
            Pattern.compile("socket_id\\\\?\"\\s*:\\s*\\\\?\"(\\d+\\.\\d+)");
    private static final Pattern CODE = Pattern.compile("code\\\\?\"\\s*:\\s*(-?\\d+|null)");

    private final Fleet fleet;
    private final ChannelPlan plan;
    private final FleetMode mode;
    private final boolean nchan;
    final int slot;
    private final long connectStart;

    /** The node this connection goes to. */
    private final int port;

    /** reconnect-storm: a reconnection after the server closed the slot's previous connection. */
    private final boolean again;

    /** reconnect-storm: the slot started on the node that goes away. */
    private final boolean moved;

    /** The code of the server's close frame, 1005 if it had none; 0 while none came. */
    private int closeCode;

    /** reconnect-storm: when every channel of this reconnection was subscribed, else 0. */
    private long resubscribedAt;

    Channel channel;
    private LoopStats stats;
    private int state = HANDSHAKE;
    private String wsKey;
    private boolean established;
    private boolean ready;
    private boolean setupReported;
    private boolean expectClose;
    private int subscribed;
    private String[] channelNames;
    private ByteBuf fragments;

    // presence: the join frame is signed once and reused
    private byte[] joinFrame;
    private byte[] leaveFrame;
    private boolean joinPending;
    private boolean joined;
    private long joinSentAt;

    // client events and paced presence toggles
    private ScheduledFuture<?> task;
    private byte[][] eventPrefixes;
    private long seq;

    // churn: the close at the end of the lifetime, and per public channel (quoted name, else
    // null) the last publish sequence seen, to find gaps
    private ScheduledFuture<?> lifetimeTask;
    private byte[][] quotedPublicNames;
    private SequenceGaps gaps;
    // nchan churn: the plan index of each of this connection's channels (a bare body names none)
    private int[] channelIndexes;

    WsConnection(Fleet fleet, int slot, int port, boolean again) {
        this.fleet = fleet;
        this.plan = fleet.plan;
        this.mode = fleet.cfg.mode();
        this.nchan = fleet.cfg.target() == Target.NCHAN;
        this.slot = slot;
        this.port = port;
        this.again = again;
        this.moved = mode == FleetMode.STORM && fleet.cfg.moves(slot);
        // a reconnection holds no ramp-up permit
        this.setupReported = again;
        this.connectStart = Clock.now();
    }

    boolean isEstablished() {
        return established && state == OPEN;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        channel = ctx.channel();
        stats = fleet.stats();
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        wsKey = Base64.getEncoder().encodeToString(nonce);
        String req =
                "GET "
                        + fleet.pathOf(slot)
                        + " HTTP/1.1\r\n"
                        + "Host: "
                        + fleet.hostHeader(port)
                        + "\r\n"
                        + "Upgrade: websocket\r\n"
                        + "Connection: Upgrade\r\n"
                        + "Sec-WebSocket-Key: "
                        + wsKey
                        + "\r\n"
                        + "Sec-WebSocket-Version: 13\r\n\r\n";
        ctx.writeAndFlush(Unpooled.wrappedBuffer(req.getBytes(StandardCharsets.US_ASCII)));
        super.channelActive(ctx);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (state == HANDSHAKE && !readHandshake(ctx, in)) {
            return;
        }
        while (state == OPEN || state == CLOSING) {
            int r = in.readerIndex();
            int avail = in.writerIndex() - r;
            if (avail < 2) {
                return;
            }
            int b0 = in.getByte(r) & 0xff;
            int b1 = in.getByte(r + 1) & 0xff;
            long len = b1 & 0x7f;
            int header = 2;
            if (len == 126) {
                if (avail < 4) {
                    return;
                }
                len = in.getUnsignedShort(r + 2);
                header = 4;
            } else if (len == 127) {
                if (avail < 10) {
                    return;
                }
                len = in.getLong(r + 2);
                header = 10;
            }
            boolean masked = (b1 & 0x80) != 0;
            if (masked) {
                header += 4;
            }
            if (len < 0 || len > MAX_FRAME) {
                fail(ctx, "frame of " + len + " bytes");
                return;
            }
            if (avail < header + len) {
                return;
            }
            int start = r + header;
            int n = (int) len;
            if (masked) {
                unmask(in, start - 4, start, n);
            }
            in.readerIndex(start + n);
            onFrame(ctx, b0, in, start, n);
        }
        if (state == DONE) {
            in.skipBytes(in.readableBytes());
        }
    }

    private boolean readHandshake(ChannelHandlerContext ctx, ByteBuf in) {
        int end = Bytes.indexOf(in, in.readerIndex(), in.writerIndex(), CRLFCRLF);
        if (end < 0) {
            if (in.readableBytes() > 16384) {
                fail(ctx, "upgrade response too large");
            }
            return false;
        }
        String head =
                in.toString(in.readerIndex(), end - in.readerIndex(), StandardCharsets.ISO_8859_1);
        in.readerIndex(end + 4);
        String statusLine = head.lines().findFirst().orElse("");
        if (!statusLine.startsWith("HTTP/1.1 101")) {
            fail(ctx, "upgrade refused: " + statusLine);
            return false;
        }
        String accept = null;
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0
                    && line.substring(0, colon)
                            .trim()
                            .toLowerCase(Locale.ROOT)
                            .equals("sec-websocket-accept")) {
                accept = line.substring(colon + 1).trim();
            }
        }
        if (!expectedAccept(wsKey).equals(accept)) {
            fail(ctx, "bad Sec-WebSocket-Accept: " + accept);
            return false;
        }
        state = OPEN;
        if (nchan) {
            onNchanOpen();
        }
        return true;
    }

    static String expectedAccept(String key) {
        try {
            byte[] sha =
                    MessageDigest.getInstance("SHA-1")
                            .digest((key + WS_GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(sha);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void unmask(ByteBuf in, int keyAt, int from, int n) {
        for (int i = 0; i < n; i++) {
            in.setByte(from + i, in.getByte(from + i) ^ in.getByte(keyAt + (i & 3)));
        }
    }

    private void onFrame(ChannelHandlerContext ctx, int b0, ByteBuf in, int start, int n) {
        boolean fin = (b0 & 0x80) != 0;
        int op = b0 & 0x0f;
        switch (op) {
            case WsFrames.OP_TEXT:
                if (fin) {
                    onText(in, start, n);
                } else {
                    fragments = ctx.alloc().buffer(n * 2);
                    fragments.writeBytes(in, start, n);
                }
                break;
            case WsFrames.OP_CONTINUATION:
                if (fragments != null) {
                    fragments.writeBytes(in, start, n);
                    if (fin) {
                        ByteBuf whole = fragments;
                        fragments = null;
                        try {
                            onText(whole, whole.readerIndex(), whole.readableBytes());
                        } finally {
                            whole.release();
                        }
                    }
                }
                break;
            case WsFrames.OP_PING:
                stats.inc(Counter.PINGS_ANSWERED);
                ctx.writeAndFlush(
                        WsFrames.control(ctx.alloc(), WsFrames.OP_PONG, in, start, n),
                        ctx.voidPromise());
                break;
            case WsFrames.OP_CLOSE:
                onClose(ctx, n >= 2 ? in.getUnsignedShort(start) : 1005);
                break;
            case WsFrames.OP_PONG:
            case WsFrames.OP_BINARY:
            default:
                break;
        }
    }

    private void onClose(ChannelHandlerContext ctx, int code) {
        if (state == OPEN) {
            closeCode = code;
            if (stormExpects(code)) {
                stats.inc(Counter.STORM_CLOSED_4200);
            } else if (!fleet.closing) {
                fleet.error("server closed the connection with code " + code);
            }
            ctx.writeAndFlush(WsFrames.close(ctx.alloc(), code == 1005 ? 1000 : code))
                    .addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
        state = DONE;
    }

    /** The delivery fast path, then protocol messages. */
    private void onText(ByteBuf buf, int from, int len) {
        long ts = Payload.findTimestamp(buf, from, len);
        if (ts >= 0 && mode == FleetMode.STORM) {
            onStormDelivery(buf, from, len, ts);
            return;
        }
        if (ts >= 0 && mode == FleetMode.CHURN) {
            if (nchan) {
                onNchanChurnDelivery(buf, from, len);
            } else {
                onChurnDelivery(buf, from, len);
            }
            return;
        }
        if (ts >= 0) {
            long latency = Clock.now() - ts;
            if (latency < 0) {
                stats.inc(Counter.NEGATIVE_LATENCY);
            }
            stats.recordLatency(latency);
            stats.inc(Counter.DELIVERED);
            stats.add(Counter.DELIVERED_BYTES, len);
            return;
        }
        int end = from + len;
        int name = Bytes.eventNameStart(buf, from, end, EVENT_KEY);
        if (name < 0) {
            stats.inc(Counter.OTHER_MESSAGES);
        } else if (Bytes.matches(buf, name, end, EV_SUBSCRIBED)) {
            onSubscribed();
        } else if (Bytes.matches(buf, name, end, EV_MEMBER_ADDED)) {
            stats.inc(Counter.MEMBER_ADDED);
        } else if (Bytes.matches(buf, name, end, EV_MEMBER_REMOVED)) {
            stats.inc(Counter.MEMBER_REMOVED);
        } else if (Bytes.matches(buf, name, end, EV_ESTABLISHED)) {
            onEstablished(buf.toString(from, len, StandardCharsets.UTF_8));
        } else if (Bytes.matches(buf, name, end, EV_ERROR)) {
            onPusherError(buf.toString(from, len, StandardCharsets.UTF_8));
        } else if (Bytes.matches(buf, name, end, EV_SUB_ERROR)) {
            stats.inc(Counter.SUB_ERRORS);
            refusedDuringSetup();
            fleet.error(
                    "subscription_error: "
                            + buf.toString(from, Math.min(len, 300), StandardCharsets.UTF_8));
            if (mode == FleetMode.CHURN) {
                beginClose(); // this connection will never be ready: free the slot for the next
                // cycle
            }
        } else if (Bytes.matches(buf, name, end, EV_PING)) {
            stats.inc(Counter.PINGS_ANSWERED);
            channel.writeAndFlush(
                    WsFrames.text(channel.alloc(), PONG, 0, PONG.length), channel.voidPromise());
        } else {
            stats.inc(Counter.OTHER_MESSAGES);
        }
    }

    /**
     * reconnect-storm: a client that did not move records the steady stream's latency; a moved
     * client is back at the first event published after its re-subscription (the payload's time is
     * when it was due to be published, so an event triggered before cannot count).
     */
    private void onStormDelivery(ByteBuf buf, int from, int len, long ts) {
        int end = from + len;
        int name = Bytes.eventNameStart(buf, from, end, EVENT_KEY);
        boolean marker = name >= 0 && Bytes.matches(buf, name, end, fleet.markerEvent);
        if (marker) {
            stats.inc(Counter.MARKERS_RECEIVED);
        }
        if (!moved) {
            if (!marker) {
                long latency = Clock.now() - ts;
                if (latency < 0) {
                    stats.inc(Counter.NEGATIVE_LATENCY);
                }
                stats.recordLatency(latency);
                stats.inc(Counter.DELIVERED);
                stats.add(Counter.DELIVERED_BYTES, len);
            }
            return;
        }
        if (!marker) {
            stats.inc(Counter.MOVED_DELIVERIES);
        }
        if (again && resubscribedAt > 0 && ts >= resubscribedAt && fleet.firstBack(slot)) {
            long now = Clock.now();
            long after = now - fleet.stormAt();
            if (after <= TimeUnit.MILLISECONDS.toNanos(fleet.cfg.stormTimeoutMs())) {
                stats.inc(Counter.STORM_BACK);
                stats.recordBack(after, now);
            } else {
                stats.inc(Counter.STORM_LATE_BACK);
            }
        }
    }

    /**
     * reconnect-storm: a close or {@code pusher:error} with {@code code} is the storm itself, not
     * an error: 4200-4299 to a moved client once the storm is armed.
     */
    private boolean stormExpects(int code) {
        return moved && fleet.stormAt() != 0 && code >= 4200 && code <= 4299;
    }

    /**
     * Churn: a client event from another connection, or a publication on one of this connection's
     * public channels, checked for gaps ({@link SequenceGaps}).
     */
    private void onChurnDelivery(ByteBuf buf, int from, int len) {
        int end = from + len;
        int name = Bytes.eventNameStart(buf, from, end, EVENT_KEY);
        if (name >= 0 && Bytes.matches(buf, name, end, CLIENT_EVENT_PREFIX)) {
            stats.inc(Counter.CLIENT_EVENTS_RECEIVED);
            return;
        }
        stats.inc(Counter.DELIVERED);
        stats.add(Counter.DELIVERED_BYTES, len);
        int ch = Bytes.eventNameStart(buf, from, end, CHANNEL_KEY);
        long s = Payload.findSequence(buf, from, len);
        for (int j = 0; quotedPublicNames != null && j < quotedPublicNames.length; j++) {
            if (quotedPublicNames[j] != null
                    && ch >= 0
                    && Bytes.matches(buf, ch, end, quotedPublicNames[j])) {
                checkSequence(j, s);
                return;
            }
        }
        fleet.error(
                "publication on a channel this connection is not subscribed to: "
                        + buf.toString(from, Math.min(len, 200), StandardCharsets.UTF_8));
    }

    /**
     * Churn on nchan: the message is the bare published body, which names no channel. Publication
     * {@code s} of the run went to public channel {@code s mod P} ({@code HttpPublisher}), so the
     * sequence tells the channel.
     */
    private void onNchanChurnDelivery(ByteBuf buf, int from, int len) {
        stats.inc(Counter.DELIVERED);
        stats.add(Counter.DELIVERED_BYTES, len);
        long s = Payload.findSequence(buf, from, len);
        int publicChannels = plan.publicChannels();
        int index = s < 0 || publicChannels == 0 ? -1 : (int) ((s & 0xffffffffL) % publicChannels);
        for (int j = 0; j < channelIndexes.length; j++) {
            if (channelIndexes[j] == index) {
                checkSequence(j, s);
                return;
            }
        }
        fleet.error(
                "publication on a channel this connection is not subscribed to: "
                        + buf.toString(from, Math.min(len, 200), StandardCharsets.UTF_8));
    }

    private void checkSequence(int j, long s) {
        long before = gaps.missed();
        switch (gaps.received(j, s)) {
            case OUT_OF_ORDER:
                stats.inc(Counter.OUT_OF_ORDER);
                fleet.error("publication received after a later one of its channel");
                break;
            case GAP:
                stats.add(Counter.MISSED_DELIVERIES, gaps.missed() - before);
                fleet.error("publication missed by a subscriber (gap in its channel's sequence)");
                break;
            default:
                break;
        }
    }

    private void onEstablished(String message) {
        Matcher m = SOCKET_ID.matcher(message);
        if (!m.find()) {
            fail(
                    channel.pipeline().firstContext(),
                    "connection_established without socket_id: " + message);
            return;
        }
        String socketId = m.group(1);
        opened();
        int k = plan.perConn();
        for (int j = 0; j < k; j++) {
            byte[] frame = subscribeMessage(socketId, channelNames[j], plan.typeOf(slot, j));
            if (j == 0 && mode == FleetMode.PRESENCE) {
                joinFrame = frame;
                leaveFrame =
                        Bytes.ascii(
                                "{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\""
                                        + channelNames[0]
                                        + "\"}}");
                joinPending = true;
                joinSentAt = Clock.now();
            }
            channel.write(
                    WsFrames.text(channel.alloc(), frame, 0, frame.length), channel.voidPromise());
        }
        channel.flush();
    }

    /**
     * The connection is up (Pusher: {@code connection_established}; nchan: the upgrade): counts it
     * and names its channels.
     */
    private void opened() {
        long now = Clock.now();
        established = true;
        stats.inc(Counter.ESTABLISHED);
        stats.inc(Counter.OPEN);
        stats.recordSetup(now - connectStart);
        stats.established(now);
        fleet.register(this);

        int k = plan.perConn();
        channelNames = new String[k];
        channelIndexes = new int[k];
        if (mode == FleetMode.CHURN) {
            quotedPublicNames = new byte[k][];
            gaps = new SequenceGaps(k, plan.publicChannels());
        }
        for (int j = 0; j < k; j++) {
            int index = plan.channelOf(slot, j);
            channelIndexes[j] = index;
            channelNames[j] = plan.nameOf(slot, j);
            if (quotedPublicNames != null && plan.typeOf(slot, j) == ChannelType.PUBLIC) {
                quotedPublicNames[j] = Bytes.ascii(channelNames[j] + "\"");
            }
        }
    }

    /**
     * nchan: the 101 answer means the server took the subscription to every channel in the path;
     * there is no confirmation per channel, so each counts as subscribed now.
     */
    private void onNchanOpen() {
        opened();
        for (int j = 0; j < channelNames.length; j++) {
            onSubscribed();
        }
    }

    private byte[] subscribeMessage(String socketId, String name, ChannelType type) {
        StringBuilder sb =
                new StringBuilder(160)
                        .append("{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"")
                        .append(name)
                        .append('"');
        if (type == ChannelType.PRIVATE) {
            sb.append(",\"auth\":\"")
                    .append(fleet.signing().channelAuth(socketId, name, null))
                    .append('"');
        } else if (type == ChannelType.PRESENCE) {
            String channelData =
                    "{\"user_id\":\"u"
                            + slot
                            + "\",\"user_info\":{\"name\":\"bench "
                            + slot
                            + "\"}}";
            sb.append(",\"auth\":\"")
                    .append(fleet.signing().channelAuth(socketId, name, channelData))
                    .append('"');
            sb.append(",\"channel_data\":\"").append(channelData.replace("\"", "\\\"")).append('"');
        }
        if (fleet.cfg.recovery()) {
            sb.append(",\"herald_recovery\":{}");
        }
        sb.append("}}");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private void onSubscribed() {
        stats.inc(Counter.SUBSCRIBED);
        long now = Clock.now();
        if (joinPending) {
            joinPending = false;
            joined = true;
            stats.inc(Counter.JOINS);
            if (fleet.activity) {
                stats.recordLatency(now - joinSentAt);
                if (fleet.togglePeriodNanos == 0) {
                    leaveAndJoin();
                }
            }
        }
        subscribed++;
        if (!ready && subscribed >= plan.perConn()) {
            ready = true;
            stats.inc(Counter.READY);
            stats.ready(now);
            reportSetup();
            if (again) {
                resubscribedAt = now;
                if (moved && fleet.firstResubscription(slot)) {
                    stats.inc(Counter.STORM_RESUBSCRIBED);
                    stats.recordResubscribed(now - fleet.stormAt());
                }
            }
            if (mode == FleetMode.CHURN) {
                stats.recordLatency(now - connectStart);
                live();
            }
        }
    }

    /**
     * Churn: stay open for the lifetime, sending client events on the private and presence channels
     * in turn, then close.
     */
    private void live() {
        long lifetime = fleet.cfg.lifetimeMs();
        if (lifetime <= 0 || fleet.closing) {
            beginClose();
            return;
        }
        lifetimeTask =
                channel.eventLoop().schedule(this::beginClose, lifetime, TimeUnit.MILLISECONDS);
        double rate = fleet.cfg.clientEventRate();
        int signed = 0;
        for (int j = 0; j < channelNames.length; j++) {
            if (quotedPublicNames[j] == null) {
                signed++;
            }
        }
        if (rate <= 0 || signed == 0) {
            return;
        }
        eventPrefixes = new byte[signed][];
        int e = 0;
        for (int j = 0; j < channelNames.length; j++) {
            if (quotedPublicNames[j] == null) {
                eventPrefixes[e++] = clientEventPrefix(channelNames[j]);
            }
        }
        long period = Math.max(1, (long) (1e9 / rate));
        long first = ThreadLocalRandom.current().nextLong(period);
        task =
                channel.eventLoop()
                        .scheduleAtFixedRate(
                                this::sendClientEvent, first, period, TimeUnit.NANOSECONDS);
    }

    private byte[] clientEventPrefix(String channelName) {
        return Bytes.ascii(
                "{\"event\":\"client-"
                        + fleet.cfg.eventName()
                        + "\",\"channel\":\""
                        + channelName
                        + "\",\"data\":\"");
    }

    /** Frees this connection's ramp-up slot, once. */
    private void reportSetup() {
        if (!setupReported) {
            setupReported = true;
            fleet.setupDone();
        }
    }

    /** An error before every subscription succeeded: this connection will not become ready. */
    private void refusedDuringSetup() {
        if (!ready && !setupReported) {
            stats.inc(Counter.SETUP_REFUSED);
            reportSetup();
        }
    }

    private void onPusherError(String message) {
        Matcher m = CODE.matcher(message);
        String code = m.find() ? m.group(1) : "?";
        if (code.length() == 4 && code.startsWith("42") && stormExpects(Integer.parseInt(code))) {
            stats.inc(Counter.STORM_ERRORS_4200); // the drain's notice before its close frame
            return;
        }
        refusedDuringSetup();
        stats.inc(Counter.PUSHER_ERRORS);
        if (code.equals("4301")) {
            stats.inc(Counter.CLIENT_EVENTS_REJECTED);
        }
        fleet.error(
                "pusher:error "
                        + code
                        + ": "
                        + (message.length() > 300 ? message.substring(0, 300) : message));
    }

    // ---- activity, started by the coordinator once every connection is set up ----

    void startActivity() {
        cancelTask();
        if (!isEstablished()) {
            return;
        }
        long period;
        if (mode == FleetMode.CLIENT_EVENTS
                && fleet.isSender(slot)
                && (period = fleet.senderPeriodNanos) > 0) {
            eventPrefixes = new byte[channelNames.length][];
            for (int j = 0; j < channelNames.length; j++) {
                eventPrefixes[j] = clientEventPrefix(channelNames[j]);
            }
            long first = ThreadLocalRandom.current().nextLong(period);
            task =
                    channel.eventLoop()
                            .scheduleAtFixedRate(
                                    this::sendClientEvent, first, period, TimeUnit.NANOSECONDS);
        } else if (mode == FleetMode.PRESENCE && joinFrame != null) {
            period = fleet.togglePeriodNanos;
            if (period == 0) {
                if (joined && !joinPending) {
                    leaveAndJoin();
                }
            } else {
                long first = ThreadLocalRandom.current().nextLong(period);
                task =
                        channel.eventLoop()
                                .scheduleAtFixedRate(
                                        this::toggle, first, period, TimeUnit.NANOSECONDS);
            }
        }
    }

    private void sendClientEvent() {
        boolean on = mode == FleetMode.CHURN ? !fleet.closing : fleet.activity;
        if (!on || state != OPEN) {
            cancelTask();
            return;
        }
        int j = (int) (seq % eventPrefixes.length);
        byte[] prefix = eventPrefixes[j];
        byte[] buf = fleet.scratch(prefix.length + fleet.cfg.payload() + Payload.MIN_SIZE + 2);
        System.arraycopy(prefix, 0, buf, 0, prefix.length);
        int n = prefix.length;
        n += Payload.write(buf, n, fleet.cfg.payload(), Clock.now(), seq++);
        buf[n++] = DATA_CLOSE[0];
        buf[n++] = DATA_CLOSE[1];
        channel.writeAndFlush(WsFrames.text(channel.alloc(), buf, 0, n), channel.voidPromise());
        stats.inc(Counter.CLIENT_EVENTS_SENT);
        if (mode == FleetMode.CLIENT_EVENTS) {
            stats.add(
                    Counter.CLIENT_EVENTS_EXPECTED, plan.subscribers(plan.channelOf(slot, j)) - 1);
        }
    }

    /** Paced presence: alternately leave and join. */
    private void toggle() {
        if (!fleet.activity || state != OPEN) {
            cancelTask();
            return;
        }
        if (joinPending) {
            return;
        }
        if (joined) {
            joined = false;
            stats.inc(Counter.LEAVES);
            channel.writeAndFlush(
                    WsFrames.text(channel.alloc(), leaveFrame, 0, leaveFrame.length),
                    channel.voidPromise());
        } else {
            joinPending = true;
            joinSentAt = Clock.now();
            channel.writeAndFlush(
                    WsFrames.text(channel.alloc(), joinFrame, 0, joinFrame.length),
                    channel.voidPromise());
        }
    }

    /** Storm presence: leave and rejoin at once, again on every confirmation. */
    private void leaveAndJoin() {
        if (state != OPEN) {
            return;
        }
        joined = false;
        stats.inc(Counter.LEAVES);
        channel.write(
                WsFrames.text(channel.alloc(), leaveFrame, 0, leaveFrame.length),
                channel.voidPromise());
        joinPending = true;
        joinSentAt = Clock.now();
        channel.writeAndFlush(
                WsFrames.text(channel.alloc(), joinFrame, 0, joinFrame.length),
                channel.voidPromise());
    }

    private void cancelTask() {
        if (task != null) {
            task.cancel(false);
            task = null;
        }
        if (lifetimeTask != null) {
            lifetimeTask.cancel(false);
            lifetimeTask = null;
        }
    }

    // ---- closing ----

    /** Close handshake initiated by the bench (churn, end of run). */
    void beginClose() {
        if (state != OPEN) {
            if (state == HANDSHAKE) {
                expectClose = true;
                channel.close();
            }
            return;
        }
        state = CLOSING;
        expectClose = true;
        cancelTask();
        channel.writeAndFlush(WsFrames.close(channel.alloc(), 1000));
        channel.eventLoop()
                .schedule(
                        () -> {
                            channel.close();
                        },
                        2,
                        TimeUnit.SECONDS);
    }

    private void fail(ChannelHandlerContext ctx, String why) {
        fleet.error(why);
        state = DONE;
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (mode == FleetMode.STORM && stormClosed()) {
            fleet.unregister(this);
            super.channelInactive(ctx);
            return;
        }
        int before = state;
        state = DONE;
        cancelTask();
        if (stats != null) {
            if (established) {
                stats.add(Counter.OPEN, -1);
            }
            boolean unexpected = !expectClose && !fleet.closing;
            if (unexpected && before != DONE && established) {
                fleet.error("connection closed by the server without a close frame");
            }
            if (unexpected && established) {
                stats.inc(Counter.UNEXPECTED_CLOSES);
            }
            if (!ready && !setupReported) {
                if (unexpected) {
                    stats.inc(Counter.CONNECT_FAILED);
                }
                reportSetup();
            }
            if (mode == FleetMode.CHURN) {
                if (expectClose) {
                    stats.inc(Counter.CHURN_CYCLES);
                }
                fleet.churnAgain(slot, connectStart);
            }
        }
        fleet.unregister(this);
        super.channelInactive(ctx);
    }

    /**
     * reconnect-storm, once the storm is armed: a connection the bench did not close reconnects to
     * a surviving node after the wait a Pusher client takes for its close code. Returns false for
     * every other close, which counts as in the other scenarios.
     */
    private boolean stormClosed() {
        if (stats == null || expectClose || fleet.closing || fleet.stormAt() == 0) {
            return false;
        }
        state = DONE;
        cancelTask();
        if (established) {
            stats.add(Counter.OPEN, -1);
        }
        if (moved && !again) {
            stats.inc(Counter.STORM_CLOSED);
        } else if (!moved) {
            stats.inc(Counter.STORM_UNMOVED_CLOSES);
            fleet.error(
                    "a client that did not move was disconnected"
                            + (closeCode == 0
                                    ? " without a close frame"
                                    : " with code " + closeCode));
        } else if (established) {
            fleet.error(
                    "a reconnected client was disconnected again"
                            + (closeCode == 0
                                    ? " without a close frame"
                                    : " with code " + closeCode));
        } else {
            stats.inc(Counter.STORM_RECONNECT_FAILED);
        }
        long delay = fleet.cfg.reconnectDelayMs(closeCode);
        if (delay < 0) {
            stats.inc(Counter.STORM_REFUSED_CLOSES);
            fleet.error(
                    "closed with code "
                            + closeCode
                            + ", after which a Pusher client does not reconnect");
        } else {
            fleet.reconnect(slot, delay);
        }
        return true;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fleet.error(cause.getClass().getSimpleName() + ": " + cause.getMessage());
        ctx.close();
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (fragments != null) {
            fragments.release();
            fragments = null;
        }
    }
}
