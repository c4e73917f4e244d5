package dev.herald.bench.jmh;

import dev.herald.bench.payload.Payload;
import dev.herald.bench.stats.Clock;
import dev.herald.bench.stats.Counter;
import dev.herald.bench.stats.LoopStats;
import dev.herald.protocol.Frames;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The load generator's own work per delivery, outside the kernel: find the timestamp in a frame
 * exactly as Herald encodes it, and record the latency. Evidence that the tool's Java side is not
 * what limits a run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ReceivePathBenchmark {
    private ByteBuf frame;
    private int from;
    private int len;
    private final LoopStats stats = new LoopStats();

    @Setup
    public void setup() {
        frame = Frames.event("bench", "bench-0", Payload.toString(100, Clock.now(), 1));
        from = frame.readerIndex() + 2;
        len = frame.readableBytes() - 2;
    }

    @TearDown
    public void tearDown() {
        frame.release();
    }

    @Benchmark
    public long findTimestamp() {
        return Payload.findTimestamp(frame, from, len);
    }

    @Benchmark
    public void findAndRecord() {
        long ts = Payload.findTimestamp(frame, from, len);
        stats.recordLatency(Clock.now() - ts);
        stats.inc(Counter.DELIVERED);
    }
}
