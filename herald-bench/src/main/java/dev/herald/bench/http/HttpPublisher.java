package dev.herald.bench.http;

import dev.herald.bench.client.ErrorKinds;
import dev.herald.bench.client.Transport;
import dev.herald.bench.config.Target;
import dev.herald.bench.payload.Payload;
import dev.herald.bench.sign.PusherSigning;
import dev.herald.bench.stats.Clock;
import dev.herald.bench.stats.Histograms;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Publishes through the signed HTTP API ({@code POST /apps/{id}/events}, docs/protocol.md §5.2-5.3)
 * over a small pool of keep-alive connections, one request in flight per connection. Against nchan
 * ({@link Target#NCHAN}) a publication is instead a plain {@code POST <pub-path><channel>} whose
 * body is the bare payload: nchan relays the body itself to the subscribers.
 *
 * <p>Open loop at a fixed rate: publish {@code s} is due at {@code start + s/rate} and goes to
 * channel {@code s mod C}; connection {@code m} of {@code M} sends the publishes with {@code s mod
 * M == m}. The payload carries the <em>scheduled</em> time, so a publisher that falls behind
 * (connection busy, server slow to answer) shows up as latency rather than being hidden. How late
 * requests actually left is reported separately as "publisher lag". With rate 0 each connection
 * sends its next request as soon as the previous one is answered (closed loop).
 */
public final class HttpPublisher implements AutoCloseable {
    /**
     * What to publish and where.
     *
     * @param targets what each publication goes to, round-robin
     * @param nchanPubPath {@link Target#NCHAN}: the publisher location prefix (one channel per
     *     target)
     * @param filter null, or which channels of its target a publication goes to, asked when it is
     *     due: one with none is not sent (and a filtered publisher expects no deliveries)
     */
    public record Settings(
            String host,
            int port,
            String appId,
            String appKey,
            String appSecret,
            int connections,
            int threads,
            String transport,
            int payload,
            String eventName,
            PublishTargets targets,
            boolean constantBody,
            Target target,
            String nchanPubPath,
            ChannelFilter filter) {}

    /** Chooses, when a publication is due, which channels of its target it goes to. */
    public interface ChannelFilter {
        /**
         * Whether channel {@code channel} is published to now; {@code channel} counts over every
         * target's channels in order ({@link PublishTargets#offset}). Called on an event loop.
         */
        boolean wanted(int channel);
    }

    private record Phase(double rate, long start, long end, long seqBase) {}

    private final Settings settings;
    private final Transport transport;
    private final InetSocketAddress remote;
    private final String path;
    private final String headSuffix;
    private final boolean nchan;
    private final String nchanHeadSuffix;
    private final String[] nchanPaths;
    private final byte[][] channelNames;
    private final Slot[] slots;
    private final LongAdder sent = new LongAdder();
    private final LongAdder ok = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder ioErrors = new LongAdder();
    private final LongAdder expected = new LongAdder();
    private final Recorder rtt = new Recorder(1, Histograms.MAX_NANOS, Histograms.DIGITS);
    private final Recorder lag = new Recorder(1, Histograms.MAX_NANOS, Histograms.DIGITS);

    /** The last snapshot's histograms, recycled by the next one (see {@link #snapshot()}). */
    private Histogram rttInterval;

    private Histogram lagInterval;
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private volatile boolean closed;
    private long phases;

    public HttpPublisher(Settings s) {
        this.settings = s;
        this.transport = Transport.create(s.transport(), s.threads(), "bench-http");
        this.remote = new InetSocketAddress(s.host(), s.port());
        this.path = "/apps/" + s.appId() + "/events";
        this.headSuffix =
                " HTTP/1.1\r\nHost: "
                        + s.host()
                        + ":"
                        + s.port()
                        + "\r\nContent-Type: application/json\r\nContent-Length: ";
        this.nchan = s.target() == Target.NCHAN;
        this.nchanHeadSuffix =
                " HTTP/1.1\r\nHost: "
                        + s.host()
                        + ":"
                        + s.port()
                        + "\r\nContent-Type: text/plain\r\nContent-Length: ";
        PublishTargets targets = s.targets();
        this.channelNames = new byte[targets.size()][];
        this.nchanPaths = new String[targets.size()];
        for (int t = 0; t < targets.size(); t++) {
            List<String> names = targets.channels(t);
            if (nchan && names.size() != 1) {
                throw new IllegalArgumentException("nchan publishes to one channel per request");
            }
            // the names as they go between the brackets of "channels":["…"]
            channelNames[t] = String.join("\",\"", names).getBytes(StandardCharsets.UTF_8);
            nchanPaths[t] = nchan ? s.nchanPubPath() + names.get(0) : null;
        }
        this.slots = new Slot[s.connections()];
        for (int m = 0; m < slots.length; m++) {
            slots[m] = new Slot(m, transport.group.next());
        }
    }

    public String transportName() {
        return transport.name;
    }

    /** Opens every connection; throws if one cannot connect within 10 s. */
    public void connect() throws InterruptedException {
        for (Slot s : slots) {
            ChannelFuture f = s.bootstrap().connect(remote);
            if (!f.await(10, TimeUnit.SECONDS) || !f.isSuccess()) {
                throw new IllegalStateException(
                        "HTTP connect to " + remote + " failed: " + f.cause());
            }
            s.channel = f.channel();
        }
    }

    /** Starts a publishing phase of {@code duration}; returns at once. */
    public void run(double rate, long durationNanos) {
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2);
        Phase p = new Phase(rate, start, start + durationNanos, (phases++) << 32);
        for (Slot s : slots) {
            s.done = false;
            s.loop.execute(() -> s.begin(p));
        }
    }

    /**
     * Ends the current phase now (a request in flight is still answered and counted); {@link
     * #awaitIdle} then returns once every connection has stopped.
     */
    public void stop() {
        for (Slot s : slots) {
            s.loop.execute(s::abort);
        }
    }

    /** Waits until every connection has finished its phase and has no request in flight. */
    public boolean awaitIdle(long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        while (System.nanoTime() < deadline) {
            boolean all = true;
            for (Slot s : slots) {
                all &= s.done;
            }
            if (all) {
                return true;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        for (Slot s : slots) {
            s.loop.execute(s::abort);
        }
        return false;
    }

    public long expectedSoFar() {
        return expected.sum();
    }

    /**
     * Cumulative counters and the histograms since the previous call (one caller thread). The
     * histograms are reused by the next call: read them before calling again.
     */
    public PublisherSnapshot snapshot() {
        Map<String, Long> e = new LinkedHashMap<>();
        errors.forEach((k, v) -> e.put(k, v.sum()));
        rttInterval = rtt.getIntervalHistogram(rttInterval);
        lagInterval = lag.getIntervalHistogram(lagInterval);
        return new PublisherSnapshot(
                sent.sum(),
                ok.sum(),
                failed.sum(),
                ioErrors.sum(),
                expected.sum(),
                rttInterval,
                lagInterval,
                e);
    }

    private void error(String message) {
        String key = ErrorKinds.normalize(message);
        if (errors.size() < 50 || errors.containsKey(key)) {
            errors.computeIfAbsent(key, k -> new LongAdder()).increment();
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Slot s : slots) {
            s.loop.execute(s::shutdown);
        }
        transport.close();
    }

    /** One keep-alive connection; all of its state is touched on its event loop only. */
    private final class Slot implements ResponseDecoder.Listener {
        private final int m;
        private final EventLoop loop;
        private final PusherSigning signer;
        private final Runnable fire = this::fire;
        private byte[] body = new byte[512];
        volatile boolean done = true;
        Channel channel;
        private Phase phase;
        private long k;
        private boolean busy;
        private boolean closeAnnounced;
        private long sentAt;
        private int channelIndex;
        private ScheduledFuture<?> timer;
        private long cachedSecond = -1;
        // the wanted channels of the request in flight when a filter chose them, else null
        private byte[] filtered;
        private ByteBuf cached;

        Slot(int m, EventLoop loop) {
            this.m = m;
            this.loop = loop;
            this.signer = new PusherSigning(settings.appKey(), settings.appSecret());
        }

        Bootstrap bootstrap() {
            return new Bootstrap()
                    .group(loop)
                    .channel(transport.channelClass)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                    .handler(new ResponseDecoder(this));
        }

        void begin(Phase p) {
            phase = p;
            k = 0;
            next();
        }

        private void fire() {
            timer = null;
            next();
        }

        private void next() {
            Phase p = phase;
            if (p == null || busy || channel == null) {
                return;
            }
            while (true) {
                long now = System.nanoTime();
                if (p.rate() <= 0) {
                    if (now >= p.end()) {
                        finish();
                    } else if (!send(p, m + k * slots.length, now, now) && timer == null) {
                        // nothing wanted now: look again shortly rather than spin
                        timer = loop.schedule(fire, 1, TimeUnit.MILLISECONDS);
                    }
                    return;
                }
                long s = m + k * slots.length;
                long due = p.start() + (long) (s * 1e9 / p.rate());
                if (due >= p.end()) {
                    finish();
                    return;
                }
                if (due > now) {
                    if (timer == null) {
                        timer = loop.schedule(fire, due - now, TimeUnit.NANOSECONDS);
                    }
                    return;
                }
                if (send(p, s, due, now)) {
                    return;
                }
                // a filtered publication with no channel wanted: on to the next one due
            }
        }

        private void finish() {
            phase = null;
            done = true;
        }

        void abort() {
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
            finish();
        }

        /** Sends publication {@code s}; false if the filter wanted none of its channels. */
        private boolean send(Phase p, long s, long intended, long now) {
            k++;
            channelIndex = settings.constantBody() ? 0 : (int) (s % channelNames.length);
            filtered = null;
            if (settings.filter() != null) {
                filtered = wantedNames(channelIndex);
                if (filtered == null) {
                    return false;
                }
            }
            busy = true;
            sentAt = now;
            lag.recordValue(Histograms.clamp(now - intended));
            ByteBuf req =
                    settings.constantBody()
                            ? constantRequest()
                            : request(p.seqBase() + s, Clock.fromNanoTime(intended));
            sent.increment();
            channel.writeAndFlush(req, channel.voidPromise());
            return true;
        }

        /** The wanted channels of target {@code t} as they go between the brackets, or null. */
        private byte[] wantedNames(int t) {
            PublishTargets targets = settings.targets();
            List<String> names = targets.channels(t);
            int offset = targets.offset(t);
            StringBuilder sb = null;
            for (int i = 0; i < names.size(); i++) {
                if (settings.filter().wanted(offset + i)) {
                    sb = sb == null ? new StringBuilder() : sb.append("\",\"");
                    sb.append(names.get(i));
                }
            }
            return sb == null ? null : sb.toString().getBytes(StandardCharsets.UTF_8);
        }

        private ByteBuf request(long seq, long timestamp) {
            int n = writeBody(timestamp, seq, true);
            return encode(n, System.currentTimeMillis() / 1000);
        }

        /** Trigger: same body every time, signed once per second (auth_timestamp changes). */
        private ByteBuf constantRequest() {
            long second = System.currentTimeMillis() / 1000;
            if (second != cachedSecond) {
                if (cached != null) {
                    cached.release();
                }
                int n = writeBody(0, 0, false);
                cached = encode(n, second);
                cachedSecond = second;
            }
            return cached.retainedDuplicate();
        }

        private int writeBody(long timestamp, long seq, boolean stamped) {
            if (nchan) {
                return writePayload(0, timestamp, seq, stamped);
            }
            byte[] name = filtered != null ? filtered : channelNames[channelIndex];
            int need =
                    64
                            + settings.eventName().length()
                            + name.length
                            + Math.max(settings.payload(), Payload.MIN_SIZE);
            if (body.length < need) {
                body = new byte[need * 2];
            }
            int n = put(body, 0, "{\"name\":\"" + settings.eventName() + "\",\"channels\":[\"");
            System.arraycopy(name, 0, body, n, name.length);
            n += name.length;
            n = put(body, n, "\"],\"data\":\"");
            n = writePayload(n, timestamp, seq, stamped);
            return put(body, n, "\"}");
        }

        /** The payload at {@code at} (the body is already large enough); returns its end. */
        private int writePayload(int at, long timestamp, long seq, boolean stamped) {
            int need = at + Math.max(settings.payload(), Payload.MIN_SIZE);
            if (body.length < need) {
                body = Arrays.copyOf(body, need * 2);
            }
            if (stamped) {
                return at + Payload.write(body, at, settings.payload(), timestamp, seq);
            }
            int n = at;
            for (int i = 0; i < settings.payload(); i++) {
                body[n++] = 'x';
            }
            return n;
        }

        private ByteBuf encode(int bodyLength, long epochSecond) {
            String head;
            if (nchan) {
                head =
                        "POST "
                                + nchanPaths[channelIndex]
                                + nchanHeadSuffix
                                + bodyLength
                                + "\r\n\r\n";
            } else {
                String query = signer.signedPostQuery(path, body, 0, bodyLength, epochSecond);
                head = "POST " + path + "?" + query + headSuffix + bodyLength + "\r\n\r\n";
            }
            ByteBuf req = channel.alloc().directBuffer(head.length() + bodyLength);
            req.writeCharSequence(head, StandardCharsets.US_ASCII);
            req.writeBytes(body, 0, bodyLength);
            return req;
        }

        private int put(byte[] out, int at, String ascii) {
            for (int i = 0; i < ascii.length(); i++) {
                out[at + i] = (byte) ascii.charAt(i);
            }
            return at + ascii.length();
        }

        @Override
        public void onResponse(int status, String errorBody, boolean close) {
            rtt.recordValue(Histograms.clamp(System.nanoTime() - sentAt));
            if (status >= 200 && status < 300) {
                ok.increment();
                if (settings.filter() == null) {
                    expected.add(settings.targets().subscribers(channelIndex));
                }
            } else {
                failed.increment();
                error("HTTP " + status + ": " + (errorBody == null ? "" : errorBody.trim()));
            }
            busy = false;
            if (close) {
                closeAnnounced = true;
                channel.close();
            } else {
                next();
            }
        }

        @Override
        public void onInactive(ChannelHandlerContext ctx) {
            if (ctx.channel() != channel) {
                return;
            }
            channel = null;
            if (busy) {
                busy = false;
                ioErrors.increment();
                error("HTTP connection closed with a request in flight");
            }
            if (!closed) {
                // a server that closes after each answer (soketi's HTTP API does) is reconnected at
                // once, so its throughput is not paced by this wait; an unannounced close waits
                boolean announced = closeAnnounced;
                closeAnnounced = false;
                loop.schedule(this::reconnect, announced ? 0 : 20, TimeUnit.MILLISECONDS);
            }
        }

        private void reconnect() {
            if (closed) {
                return;
            }
            bootstrap()
                    .connect(remote)
                    .addListener(
                            (ChannelFuture f) -> {
                                if (f.isSuccess()) {
                                    channel = f.channel();
                                    next();
                                } else {
                                    error("HTTP reconnect: " + f.cause().getMessage());
                                    loop.schedule(this::reconnect, 200, TimeUnit.MILLISECONDS);
                                }
                            });
        }

        @Override
        public void onError(Throwable cause) {
            error(cause.getClass().getSimpleName() + ": " + cause.getMessage());
        }

        void shutdown() {
            if (cached != null) {
                cached.release();
                cached = null;
            }
            if (channel != null) {
                channel.close();
            }
        }
    }
}
