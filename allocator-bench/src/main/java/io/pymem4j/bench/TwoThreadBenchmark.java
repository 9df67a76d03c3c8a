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
 *       shared allocator's contention alone.</li>
 *   <li>{@code xxxCross}: each thread allocates a block an operation; it frees every other
 *       one itself and passes the rest to the other thread through a lock-free SPSC ring
 *       ({@link SpscLongRing}), then frees one block the other thread passed to it if there
 *       is one. Half of all frees are of blocks another thread allocated: the worst case of
 *       per-thread caches and heaps. A full ring makes the thread free its block itself.</li>
 * </ul>
 * Scores are per operation of one thread (JMH's average over both). JDK confined arenas
 * cannot be closed by another thread, so only the shared one runs {@code Cross}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TwoThreadBenchmark {

    static final int RING = 1024;

    @Param({"64"})
    public int size;

    int count;

    /** The two rings of a cross group: ring i carries blocks from thread i to the other. */
    @State(Scope.Group)
    public static class Rings {
        final SpscLongRing[] rings = {new SpscLongRing(RING), new SpscLongRing(RING)};
        // Set by the benchmark threads, read by the teardown after JMH stopped them (its barrier orders the two).
        PyMemAllocatorEx owner;
        StackState stack;

        /** After each iteration, with both threads stopped: frees what is still in flight. */
        @TearDown(Level.Iteration)
        public void drain() {
            for (SpscLongRing r : rings) {
                for (long p = r.poll(); p != 0; p = r.poll()) {
                    if (stack != null) {
                        stack.free(p);
                    } else {
                        owner.free(p);
                    }
                }
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
                for (ByteBuf b = r.poll(); b != null; b = r.poll()) {
                    b.release();
                }
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
                for (Arena a = r.poll(); a != null; a = r.poll()) {
                    a.close();
                }
            }
        }
    }

    // ---------------------------------------------------------------- the operations

    static long local(PyMemAllocatorEx a, long size) {
        return PairBenchmark.pair(a, size);
    }

    long cross(PyMemAllocatorEx a, Rings r, ThreadParams t) {
        if (r.owner == null) {
            r.owner = a;
        }
        int me = t.getGroupThreadIndex() & 1;
        long p = Touch.block(a.malloc(size), size);
        if ((++count & 1) == 0 || !r.rings[me].offer(p)) {
            a.free(p);
        }
        long q = r.rings[me ^ 1].poll();
        if (q != 0) {
            a.free(q);
        }
        return p;
    }

    // ---------------------------------------------------------------- stacks

    @Benchmark
    @Threads(2)
    public long stackLocal(StackState s) {
        long p = Touch.block(s.malloc(size), size);
        s.free(p);
        return p;
    }

    @Benchmark
    @Group("stackCross")
    @GroupThreads(2)
    public long stackCross(StackState s, Rings r, ThreadParams t) {
        if (r.stack == null) {
            r.stack = s;
        }
        int me = t.getGroupThreadIndex() & 1;
        long p = Touch.block(s.malloc(size), size);
        if ((++count & 1) == 0 || !r.rings[me].offer(p)) {
            s.free(p);
        }
        long q = r.rings[me ^ 1].poll();
        if (q != 0) {
            s.free(q);
        }
        return p;
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
    public long ffmGlibcCross(Rings r, ThreadParams t) {
        return cross(LibcAllocator.INSTANCE, r, t);
    }

    @Benchmark
    @Threads(2)
    public long ffmJemallocLocal(PeerStates.Jemalloc s) {
        return local(s.a, size);
    }

    @Benchmark
    @Group("ffmJemallocCross")
    @GroupThreads(2)
    public long ffmJemallocCross(PeerStates.Jemalloc s, Rings r, ThreadParams t) {
        return cross(s.a, r, t);
    }

    @Benchmark
    @Threads(2)
    public long ffmMimallocLocal(PeerStates.Mimalloc s) {
        return local(s.a, size);
    }

    @Benchmark
    @Group("ffmMimallocCross")
    @GroupThreads(2)
    public long ffmMimallocCross(PeerStates.Mimalloc s, Rings r, ThreadParams t) {
        return cross(s.a, r, t);
    }

    @Benchmark
    @Threads(2)
    public long unsafeLocal() {
        return local(UnsafeAllocator.INSTANCE, size);
    }

    @Benchmark
    @Group("unsafeCross")
    @GroupThreads(2)
    public long unsafeCross(Rings r, ThreadParams t) {
        return cross(UnsafeAllocator.INSTANCE, r, t);
    }

    @Benchmark
    @Threads(2)
    public long lwjglSystemLocal(PeerStates.LwjglSystem s) {
        return local(s.a, size);
    }

    @Benchmark
    @Group("lwjglSystemCross")
    @GroupThreads(2)
    public long lwjglSystemCross(PeerStates.LwjglSystem s, Rings r, ThreadParams t) {
        return cross(s.a, r, t);
    }

    @Benchmark
    @Threads(2)
    public long lwjglJemallocLocal(PeerStates.LwjglJemalloc s) {
        return local(s.a, size);
    }

    @Benchmark
    @Group("lwjglJemallocCross")
    @GroupThreads(2)
    public long lwjglJemallocCross(PeerStates.LwjglJemalloc s, Rings r, ThreadParams t) {
        return cross(s.a, r, t);
    }

    @Benchmark
    @Threads(2)
    public long lwjglRpmallocLocal(PeerStates.LwjglRpmalloc s, PeerStates.RpmallocThread a) {
        return local(s.a, size);
    }

    @Benchmark
    @Group("lwjglRpmallocCross")
    @GroupThreads(2)
    public long lwjglRpmallocCross(PeerStates.LwjglRpmalloc s, PeerStates.RpmallocThread a, Rings r, ThreadParams t) {
        return cross(s.a, r, t);
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
    public ByteBuf nettyPooledCross(PeerStates.Netty s, BufferRings r, ThreadParams t) {
        int me = t.getGroupThreadIndex() & 1;
        ByteBuf b = Touch.buffer(s.alloc.directBuffer(size, size), size);
        if ((++count & 1) == 0 || !r.rings[me].offer(b)) {
            b.release();
        }
        ByteBuf other = r.rings[me ^ 1].poll();
        if (other != null) {
            other.release();
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
    public MemorySegment arenaSharedCross(ArenaRings r, ThreadParams t) {
        int me = t.getGroupThreadIndex() & 1;
        Arena arena = Arena.ofShared();
        MemorySegment m = Touch.segment(arena.allocate(size, 16));
        if ((++count & 1) == 0 || !r.rings[me].offer(arena)) {
            arena.close();
        }
        Arena other = r.rings[me ^ 1].poll();
        if (other != null) {
            other.close();
        }
        return m;
    }
}
