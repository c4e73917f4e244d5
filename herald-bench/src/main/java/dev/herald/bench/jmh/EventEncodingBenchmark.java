package dev.herald.bench.jmh;

import dev.herald.bench.payload.Payload;
import dev.herald.protocol.Frames;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Frame encoding: one publication or relayed client event encoded as a complete WebSocket text
 * frame (Herald's {@code Frames}, built once per node per publication).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EventEncodingBenchmark {
    @Param({"100", "1000", "10000"})
    int payload;

    private String data;
    private String rawClientData;

    @Setup
    public void setup() {
        data = Payload.toString(payload, 1_795_000_000_000_000_000L, 42);
        rawClientData = "\"" + data + "\"";
    }

    @Benchmark
    public int publicationFrame() {
        ByteBuf frame = Frames.event("bench", "bench-0", data);
        int n = frame.readableBytes();
        frame.release();
        return n;
    }

    @Benchmark
    public int clientEventFrame() {
        ByteBuf frame = Frames.clientEvent("client-bench", "private-bench-0", rawClientData, null);
        int n = frame.readableBytes();
        frame.release();
        return n;
    }
}
