package io.pymem4j.bench;

import io.netty.buffer.ByteBuf;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.raw.LibcAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.ThreadParams;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * Two threads allocating from one allocator at once, {@link #size} bytes a block.
 * <ul>
 *   <li>{@code xxxLocal}: each thread frees its own blocks (malloc, touch, free), the
 *       shared allocator's contention alone. One thread alone is {@link PairBenchmark}.</li>
 *   <li>{@code xxxCross}: each thread allocates {@value #BATCH} blocks an operation, frees
 *       every other one itself and hands the other {@value #BATCH}/2 to the other thread in
 *       one batch through a lock-free SPSC ring ({@link SpscLongRing}), then frees the
 *       blocks the other thread handed to it. Half of all frees are of blocks another thread
 *       allocated: the worst case of per-thread caches and heaps. A full ring makes the
 *       thread free the rest itself.</li>
 *   <li>{@code xxxSolo}: {@code Cross}'s operation on one thread that hands its blocks to
 *       itself through a ring of its own: the same work with no block crossing threads, the
 *       one-thread figure {@code Cross} is compared with.</li>
 * </ul>
 * Scores are per block (malloc, touch and free) of one thread: JMH's average over the
 * threads, {@code Cross} and {@code Solo} divided by {@value #BATCH}. Two threads do
 * {@code 2 * Solo / Cross} times the work of one. Blocks cross in batches because a queue
 * that hands over one block at a time costs a cache-line round trip per block between the
 * two cores (whatever the allocator), and the figure would
 * be the queue's. JDK confined arenas cannot be closed by another thread, so only the
 * shared one runs {@code Cross}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TwoThreadBenchmark {

    /** Blocks a {@code Cross} or {@code Solo} operation allocates: half freed at once, half handed over. */
    public static final int BATCH = 32;
    static final int RING = 1024;

    @Param({"64"})
    public int size;

    private final long[] handed = new long[BATCH / 2];
    private final long[] received = new long[BATCH / 2];
    private final ByteBuf[] handedBuffers = new ByteBuf[BATCH / 2];
    private final ByteBuf[] receivedBuffers = new ByteBuf[BATCH / 2];
    private final Arena[] handedArenas = new Arena[BATCH / 2];
    private final Arena[] receivedArenas = new Arena[BATCH / 2];

    /** The two rings of a cross group: ring i carries blocks from thread i to the other. */
    @State(Scope.Group)
    public static class Rings {
        final SpscLongRing[] rings = {new SpscLongRing(RING), new SpscLongRing(RING)};
        // Set by the benchmark threads, read by the teardown after JMH stopped them (its barrier orders the two).
        PyMemAllocatorEx owner;

        /** After each iteration, with both threads stopped: frees what is still in flight. */
        @TearDown(Level.Iteration)
        public void drain() {
            if (owner != null) { // null only if no operation ran
                for (SpscLongRing r : rings) {
                    r.drain(owner::free);
                }
            }
        }
    }

    /** A {@code Solo} thread's ring to itself. */
    @State(Scope.Thread)
    public static class OwnRing {
        final SpscLongRing ring = new SpscLongRing(RING);
        PyMemAllocatorEx owner;

        @TearDown(Level.Iteration)
        public void drain() {
            if (owner != null) { // null only if no operation ran
                ring.drain(owner::free);
            }
        }
    }

    @State(Scope.Group)
    public static class BufferRings {
        @SuppressWarnings("unchecked")
        final SpscRing<ByteBuf>[] rings = (SpscRing<ByteBuf>[]) new SpscRing<?>[] {new SpscRing<ByteBuf>(RING), new SpscRing<ByteBuf>(RING)};

        @TearDown(Level.Iteration)
        public void drain() {
            for (SpscRing<ByteBuf> r : rings) {
                r.drain(ByteBuf::release);
            }
        }
    }

    @State(Scope.Group)
    public static class ArenaRings {
        @SuppressWarnings("unchecked")
        final SpscRing<Arena>[] rings = (SpscRing<Arena>[]) new SpscRing<?>[] {new SpscRing<Arena>(RING), new SpscRing<Arena>(RING)};

        @TearDown(Level.Iteration)
        public void drain() {
            for (SpscRing<Arena> r : rings) {
                r.drain(Arena::close);
            }
        }
    }

    // ---------------------------------------------------------------- the operations

    static long local(PyMemAllocatorEx a, long size) {
        return PairBenchmark.pair(a, size);
    }

    /** One {@code Cross} (or {@code Solo}) operation: {@value #BATCH} blocks, half handed on {@code out}, then what {@code in} holds freed. */
    long handOver(PyMemAllocatorEx a, SpscLongRing out, SpscLongRing in) {
        long p = 0;
        int n = 0;
        for (int i = 0; i < BATCH; i++) {
            p = Touch.block(a.malloc(size), size);
            if ((i & 1) == 0) {
                a.free(p);
            } else {
                handed[n++] = p;
            }
        }
        for (int i = out.offer(handed, n); i < n; i++) {
            a.free(handed[i]);
        }
        int got = in.poll(received);
        for (int i = 0; i < got; i++) {
            a.free(received[i]);
        }
        return p;
    }

    long cross(PyMemAllocatorEx a, Rings r, ThreadParams t) {
        if (r.owner == null) {
            r.owner = a;
        }
        int me = t.getGroupThreadIndex() & 1;
        return handOver(a, r.rings[me], r.rings[me ^ 1]);
    }

    long solo(PyMemAllocatorEx a, OwnRing r) {
        if (r.owner == null) {
            r.owner = a;
        }
        return handOver(a, r.ring, r.ring);
    }

    // ---------------------------------------------------------------- stacks

    @Benchmark
    @Threads(2)
    public long stackLocal(StackState s) {
        return local(s.perCall, size);
    }

    @Benchmark
    @Group("stackCross")
    @GroupThreads(2)
    @OperationsPerInvocation(BATCH)
    public long stackCross(StackState s, Rings r, ThreadParams t) {
        return cross(s.perCall, r, t);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(BATCH)
    public long stackSolo(StackState s, OwnRing r) {
        return solo(s.perCall, r);
    }

    // ---------------------------------------------------------------- peers with addresses

    @Benchmark
    @Threads(2)
    public long ffmGlibcLocal() {
        return local(LibcAllocator.INSTANCE, size);
    }

    @Benchmark
    @Group("ffmGlibcCross")
    @GroupThreads(2)
    @OperationsPerInvocation(BATCH)
    public long ffmGlibcCross(Rings r, ThreadParams t) {
        return cross(LibcAllocator.INSTANCE, r, t);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(BATCH)
    public long ffmGlibcSolo(OwnRing r) {
        return solo(LibcAllocator.INSTANCE, r);
    }

    @Benchmark
    @Threads(2)
    public long ffmJemallocLocal(PeerStates.Jemalloc s) {
        return local(s.a, size);
    }

    @Benchmark
    @Group("ffmJemallocCross")
    @GroupThreads(2)
    @OperationsPerInvocation(BATCH)
    public long ffmJemallocCross(PeerStates.Jemalloc s, Rings r, ThreadParams t) {
        return cross(s.a, r, t);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(BATCH)
    public long ffmJemallocSolo(PeerStates.Jemalloc s, OwnRing r) {
        return solo(s.a, r);
    }

    @Benchmark
    @Threads(2)
    public long ffmMimallocLocal(PeerStates.Mimalloc s) {
        return local(s.a, size);
    }

    @Benchmark
    @Group("ffmMimallocCross")
    @GroupThreads(2)
    @OperationsPerInvocation(BATCH)
    public long ffmMimallocCross(PeerStates.Mimalloc s, Rings r, ThreadParams t) {
        return cross(s.a, r, t);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(BATCH)
    public long ffmMimallocSolo(PeerStates.Mimalloc s, OwnRing r) {
        return solo(s.a, r);
    }

    @Benchmark
    @Threads(2)
    public long unsafeLocal() {
        return local(UnsafePeer.INSTANCE, size);
    }

    @Benchmark
    @Group("unsafeCross")
    @GroupThreads(2)
    @OperationsPerInvocation(BATCH)
    public long unsafeCross(Rings r, ThreadParams t) {
        return cross(UnsafePeer.INSTANCE, r, t);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(BATCH)
    public long unsafeSolo(OwnRing r) {
        return solo(UnsafePeer.INSTANCE, r);
    }

    @Benchmark
    @Threads(2)
    public long lwjglSystemLocal(PeerStates.LwjglSystem s) {
        return local(s.a, size);
    }

    @Benchmark
    @Group("lwjglSystemCross")
    @GroupThreads(2)
    @OperationsPerInvocation(BATCH)
    public long lwjglSystemCross(PeerStates.LwjglSystem s, Rings r, ThreadParams t) {
        return cross(s.a, r, t);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(BATCH)
    public long lwjglSystemSolo(PeerStates.LwjglSystem s, OwnRing r) {
        return solo(s.a, r);
    }

    @Benchmark
    @Threads(2)
    public long lwjglJemallocLocal(PeerStates.LwjglJemalloc s) {
        return local(s.a, size);
    }

    @Benchmark
    @Group("lwjglJemallocCross")
    @GroupThreads(2)
    @OperationsPerInvocation(BATCH)
    public long lwjglJemallocCross(PeerStates.LwjglJemalloc s, Rings r, ThreadParams t) {
        return cross(s.a, r, t);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(BATCH)
    public long lwjglJemallocSolo(PeerStates.LwjglJemalloc s, OwnRing r) {
        return solo(s.a, r);
    }

    @Benchmark
    @Threads(2)
    public long lwjglRpmallocLocal(PeerStates.LwjglRpmalloc s, PeerStates.RpmallocThread a) {
        return local(s.a, size);
    }

    @Benchmark
    @Group("lwjglRpmallocCross")
    @GroupThreads(2)
    @OperationsPerInvocation(BATCH)
    public long lwjglRpmallocCross(PeerStates.LwjglRpmalloc s, PeerStates.RpmallocThread a, Rings r, ThreadParams t) {
        return cross(s.a, r, t);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(BATCH)
    public long lwjglRpmallocSolo(PeerStates.LwjglRpmalloc s, PeerStates.RpmallocThread a, OwnRing r) {
        return solo(s.a, r);
    }

    // ---------------------------------------------------------------- peers with objects

    @Benchmark
    @Threads(2)
    public ByteBuf nettyPooledLocal(PeerStates.Netty s) {
        ByteBuf b = Touch.buffer(s.alloc.directBuffer(size, size), size);
        b.release();
        return b;
    }

    @Benchmark
    @Group("nettyPooledCross")
    @GroupThreads(2)
    @OperationsPerInvocation(BATCH)
    public ByteBuf nettyPooledCross(PeerStates.Netty s, BufferRings r, ThreadParams t) {
        int me = t.getGroupThreadIndex() & 1;
        return handOverBuffers(s, r.rings[me], r.rings[me ^ 1]);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(BATCH)
    public ByteBuf nettyPooledSolo(PeerStates.Netty s, OwnBufferRing r) {
        return handOverBuffers(s, r.ring, r.ring);
    }

    /** A {@code Solo} thread's ring of buffers to itself. */
    @State(Scope.Thread)
    public static class OwnBufferRing {
        final SpscRing<ByteBuf> ring = new SpscRing<>(RING);

        @TearDown(Level.Iteration)
        public void drain() {
            ring.drain(ByteBuf::release);
        }
    }

    private ByteBuf handOverBuffers(PeerStates.Netty s, SpscRing<ByteBuf> out, SpscRing<ByteBuf> in) {
        ByteBuf b = null;
        int n = 0;
        for (int i = 0; i < BATCH; i++) {
            b = Touch.buffer(s.alloc.directBuffer(size, size), size);
            if ((i & 1) == 0) {
                b.release();
            } else {
                handedBuffers[n++] = b;
            }
        }
        for (int i = out.offer(handedBuffers, n); i < n; i++) {
            handedBuffers[i].release();
        }
        int got = in.poll(receivedBuffers);
        for (int i = 0; i < got; i++) {
            receivedBuffers[i].release();
            receivedBuffers[i] = null;
        }
        for (int i = 0; i < n; i++) {
            handedBuffers[i] = null;
        }
        return b;
    }

    @Benchmark
    @Threads(2)
    public long arenaConfinedLocal() {
        try (Arena arena = Arena.ofConfined()) {
            return Touch.segment(arena.allocate(size, 16)).address();
        }
    }

    @Benchmark
    @Threads(2)
    public long arenaSharedLocal() {
        try (Arena arena = Arena.ofShared()) {
            return Touch.segment(arena.allocate(size, 16)).address();
        }
    }

    @Benchmark
    @Group("arenaSharedCross")
    @GroupThreads(2)
    @OperationsPerInvocation(BATCH)
    public MemorySegment arenaSharedCross(ArenaRings r, ThreadParams t) {
        int me = t.getGroupThreadIndex() & 1;
        return handOverArenas(r.rings[me], r.rings[me ^ 1]);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(BATCH)
    public MemorySegment arenaSharedSolo(OwnArenaRing r) {
        return handOverArenas(r.ring, r.ring);
    }

    /** A {@code Solo} thread's ring of arenas to itself. */
    @State(Scope.Thread)
    public static class OwnArenaRing {
        final SpscRing<Arena> ring = new SpscRing<>(RING);

        @TearDown(Level.Iteration)
        public void drain() {
            ring.drain(Arena::close);
        }
    }

    private MemorySegment handOverArenas(SpscRing<Arena> out, SpscRing<Arena> in) {
        MemorySegment m = null;
        int n = 0;
        for (int i = 0; i < BATCH; i++) {
            Arena arena = Arena.ofShared();
            m = Touch.segment(arena.allocate(size, 16));
            if ((i & 1) == 0) {
                arena.close();
            } else {
                handedArenas[n++] = arena;
            }
        }
        for (int i = out.offer(handedArenas, n); i < n; i++) {
            handedArenas[i].close();
        }
        int got = in.poll(receivedArenas);
        for (int i = 0; i < got; i++) {
            receivedArenas[i].close();
            receivedArenas[i] = null;
        }
        for (int i = 0; i < n; i++) {
            handedArenas[i] = null;
        }
        return m;
    }
}
