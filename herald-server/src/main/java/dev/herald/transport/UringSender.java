package dev.herald.transport;

import io.netty.util.internal.NativeLibraryLoader;
import io.netty.util.internal.PlatformDependent;
import java.nio.ByteBuffer;

/**
 * Sends to many sockets in one system call: a batch of fan-out sends submitted to an io_uring ring
 * with one {@code io_uring_enter}, where the epoll path ({@link SocketWriter#trySend}) makes one
 * {@code send()} per socket.
 *
 * <p>Why: a fan-out delivery to a subscriber that has nothing queued is one small send, and on a
 * machine whose system calls are dear (a virtual machine crosses the hypervisor on each) the entry
 * and exit cost about as much as the TCP work itself. The kernel floor (herald-bench's {@code
 * bin/floor}) measured 2.6 µs per send with batches against 6.8 µs with {@code send()}
 * (docs/benchmarks.md). Netty's io_uring transport gives each write its own submission and
 * completion, and under overload it collapsed; this path keeps epoll for everything else and
 * batches only the sends that can complete at once.
 *
 * <p>Every send carries {@code MSG_DONTWAIT}: the kernel tries it once, while the batch is
 * submitted, and reports what the socket took, so a batch never leaves work behind in the kernel
 * and the frames it points at may be released when {@link #submit} returns. What a socket did not
 * take is for the caller to queue, as after a short {@code send()}.
 *
 * <p>One sender belongs to one event loop; nothing in it is thread-safe. The native part is built
 * with the server where a C compiler is present ({@code herald-server/src/main/c}); without it, or
 * where the kernel refuses io_uring (an old kernel, a container's seccomp profile), {@link
 * #unavailabilityCause} says why and the server sends with epoll.
 */
public final class UringSender implements AutoCloseable {

    /** Sends per batch: a publication to more subscribers on one loop is sent in several. */
    public static final int CAPACITY = 1024;

    private static final int ENTRY_BYTES = 16;
    private static final int EAGAIN = 11;
    private static final int EBADF = 9;

    private static final Throwable UNAVAILABLE = load();

    private final long ring;
    private final int capacity;
    // the batch's entries, read by the native side: address (8 bytes), socket (4), length (4);
    // the native side writes each send's result over its length
    private final ByteBuffer entries;
    private final long base;
    private int count;
    private boolean failed;
    private boolean closed;

    private UringSender(long ring, int capacity) {
        this.ring = ring;
        this.capacity = capacity;
        this.entries = ByteBuffer.allocateDirect(capacity * ENTRY_BYTES);
        this.base = PlatformDependent.directBufferAddress(entries);
    }

    /** {@code null} where senders can be opened, else why not. */
    public static Throwable unavailabilityCause() {
        return UNAVAILABLE;
    }

    public static boolean isAvailable() {
        return UNAVAILABLE == null;
    }

    /**
     * Opens a sender with its own ring of {@link #CAPACITY} entries.
     *
     * @throws IllegalStateException where io_uring cannot be used, saying why
     */
    public static UringSender open() {
        if (UNAVAILABLE != null) {
            throw new IllegalStateException(
                    "the io_uring send path is not available here: " + UNAVAILABLE.getMessage(),
                    UNAVAILABLE);
        }
        long ring = open0(CAPACITY);
        if (ring < 0) {
            throw new IllegalStateException(
                    "io_uring_setup failed: " + errno((int) -ring) + " (errno " + -ring + ")");
        }
        return new UringSender(ring, Math.min(CAPACITY, capacity0(ring)));
    }

    /** Sends waiting in this batch. */
    public int size() {
        return count;
    }

    public boolean isFull() {
        return count == capacity;
    }

    /**
     * Adds a send of {@code length} bytes at a native {@code address} to the socket {@code fd}. The
     * bytes must stay where they are until {@link #submit} returns.
     */
    public void add(int fd, long address, int length) {
        if (count == capacity) {
            throw new IllegalStateException("the batch is full: submit it first");
        }
        long entry = base + (long) count * ENTRY_BYTES;
        PlatformDependent.putLong(entry, address);
        PlatformDependent.putInt(entry + 8, fd);
        PlatformDependent.putInt(entry + 12, length);
        count++;
    }

    /**
     * Sends the batch; afterwards {@link #result} tells what each socket took, until {@link
     * #clear}.
     *
     * @return {@code false} if the ring failed: no send without a result was made, and this sender
     *     must not be used again (the caller falls back to one send per socket)
     */
    public boolean submit() {
        if (closed || failed) {
            throw new IllegalStateException("the sender is closed or has failed");
        }
        int ret = submit0(ring, base, count);
        if (ret < 0) {
            failed = true;
        }
        return ret >= 0;
    }

    /**
     * What the kernel did with the send at {@code index}: the bytes the socket took (0 when its
     * buffer was full), or -1 when it failed or was not made; as {@link SocketWriter#trySend}, the
     * caller then writes the frame through the pipeline, which meets the same error.
     */
    public int result(int index) {
        int res = PlatformDependent.getInt(base + (long) index * ENTRY_BYTES + 12);
        if (res >= 0) {
            return res;
        }
        return res == -EAGAIN ? 0 : -1;
    }

    /** Empties the batch for the next one. */
    public void clear() {
        count = 0;
    }

    /** Must be called on the owning loop, or once it has stopped. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            close0(ring);
        }
    }

    private static Throwable load() {
        try {
            if (!PlatformDependent.isOsx()
                    && !PlatformDependent.isWindows()
                    && PlatformDependent.hasUnsafe()
                    && "linux".equals(PlatformDependent.normalizedOs())) {
                String arch = PlatformDependent.normalizedArch();
                NativeLibraryLoader.load(
                        "herald_uring_" + arch, UringSender.class.getClassLoader());
                return probe();
            }
            return new UnsupportedOperationException(
                    "io_uring is Linux only, not " + System.getProperty("os.name"));
        } catch (Throwable t) {
            return new UnsupportedOperationException(
                    "the native library is not in this build (no C compiler when it was built?): "
                            + t.getMessage(),
                    t);
        }
    }

    /**
     * Opens a ring and sends to no socket (-1): a kernel or sandbox that refuses io_uring says so
     * here, and a kernel without {@code IORING_OP_SEND} (before 5.6) answers EINVAL, not EBADF.
     */
    private static Throwable probe() {
        long ring = open0(4);
        if (ring < 0) {
            return new UnsupportedOperationException(
                    "io_uring_setup failed: " + errno((int) -ring));
        }
        try {
            long entry = PlatformDependent.allocateMemory(ENTRY_BYTES);
            try {
                PlatformDependent.putLong(entry, 0);
                PlatformDependent.putInt(entry + 8, -1);
                PlatformDependent.putInt(entry + 12, 0);
                int ret = submit0(ring, entry, 1);
                int res = PlatformDependent.getInt(entry + 12);
                if (ret < 0 || res != -EBADF) {
                    return new UnsupportedOperationException(
                            "the kernel's io_uring has no send operation (probe: "
                                    + (ret < 0 ? errno(-ret) : errno(-res))
                                    + ")");
                }
                return null;
            } finally {
                PlatformDependent.freeMemory(entry);
            }
        } finally {
            close0(ring);
        }
    }

    private static String errno(int errno) {
        return switch (errno) {
            case 1 -> "EPERM (refused, e.g. by a seccomp profile or kernel.io_uring_disabled)";
            case 12 -> "ENOMEM";
            case 22 -> "EINVAL";
            case 24 -> "EMFILE (too many open files)";
            case 38 -> "ENOSYS (the kernel has no io_uring)";
            default -> "errno " + errno;
        };
    }

    private static native long open0(int entries);

    private static native int capacity0(long ring);

    private static native int submit0(long ring, long entries, int count);

    private static native void close0(long ring);
}
