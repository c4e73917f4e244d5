package dev.herald.bench.jmh;

import dev.herald.apps.App;
import dev.herald.bench.payload.Payload;
import dev.herald.broker.LocalBroker;
import dev.herald.hub.Connection;
import dev.herald.hub.Hub;
import dev.herald.metrics.HeraldMetrics;
import dev.herald.protocol.EncodedEvent;
import dev.herald.protocol.Frames;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Subscriber fan-out through Herald's {@link Hub}: encode one publication, hand it to the local
 * broker, and write a retained duplicate to every subscriber, then flush each once.
 *
 * <p>Subscribers are {@link EmbeddedChannel}s whose pipeline releases every write, so this measures
 * the server's own work per delivery (hub walk, duplicate, pipeline write and flush), not the
 * kernel's socket write. Divide the score by {@code subscribers} for the cost per delivery.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FanoutBenchmark {
    private static final String APP_ID = "app-id";
    private static final String CHANNEL = "bench-0";

    @Param({"100", "2000"})
    int subscribers;

    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private LocalBroker broker;
    private EmbeddedChannel loopOwner;
    private String data;

    /** Stands in for the socket: releases what would have been written. */
    private static final class Discard extends ChannelOutboundHandlerAdapter {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            ReferenceCountUtil.release(msg);
            promise.trySuccess();
        }
    }

    @Setup(Level.Trial)
    public void setup() {
        App app = App.of(APP_ID, "app-key", "app-secret");
        HeraldMetrics metrics = HeraldMetrics.inMemory();
        loopOwner = new EmbeddedChannel();
        channels.add(loopOwner);
        broker = new LocalBroker();
        Hub hub = new Hub(List.of(loopOwner.eventLoop()), broker, metrics);
        broker.start(hub);
        for (int i = 0; i < subscribers; i++) {
            EmbeddedChannel ch =
                    new EmbeddedChannel(new Discard(), new ChannelInboundHandlerAdapter());
            channels.add(ch);
            ChannelHandlerContext ctx = ch.pipeline().lastContext();
            Connection c = new Connection("1." + i, app, metrics.forApp(APP_ID), ctx, 0);
            hub.subscribe(c, CHANNEL, null, 100);
        }
        data = Payload.toString(100, 1_795_000_000_000_000_000L, 1);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (EmbeddedChannel ch : channels) {
            ch.finishAndReleaseAll();
        }
    }

    @Benchmark
    public void publishToAll() {
        EncodedEvent event = new EncodedEvent(Frames.event("bench", CHANNEL, data));
        try {
            broker.publish(APP_ID, CHANNEL, event, null);
        } finally {
            event.release();
        }
        // the hub queues the writes on the subscribers' loop (its outbox); run them here
        loopOwner.runPendingTasks();
    }
}
