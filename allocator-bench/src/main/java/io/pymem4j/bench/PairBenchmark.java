package io.pymem4j.bench;

import io.netty.buffer.ByteBuf;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.raw.LibcAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;

/**
 * One malloc, the touch, and the free of the same block, per operation, by size: the
 * allocator's hot path, LIFO, the best case of every thread cache and free list. The size
 * is a parameter held in a field so that the JIT cannot fold it.
 *
 * <p>A stack's thread keeps one more block of the size live through the trial
 * ({@link Neighbour}), as {@code src/main/c/pair.c} does for the C anchors, so that the
 * pair's pool never empties: otherwise each free would send obmalloc's only pool back to
 * its arena and each malloc fetch and re-initialise it, a round trip a program with any
 * other object of that class never makes. The peers keep a freed block in a thread cache
 * whether or not it has a neighbour.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PairBenchmark {

    @Param({"16", "64", "256", "512", "4096"})
    public int size;

    static long pair(PyMemAllocatorEx a, long size) {
        long p = Touch.block(a.malloc(size), size);
        a.free(p);
        return p;
    }

    /** One block of the benchmarked size, kept live by the measuring thread through the trial. */
    @State(Scope.Thread)
    public static class Neighbour {
        private PyMemAllocatorEx a;
        private long p;

        @Setup(Level.Trial)
        public void keep(StackState s, PairBenchmark b) {
            a = s.perCall;
            p = Touch.block(a.malloc(b.size), b.size);
        }

        @TearDown(Level.Trial)
        public void free() {
            a.free(p);
        }
    }

    @Benchmark
    public long stack(StackState s, StackState.GilHeldPerIteration gil, Neighbour n) {
        return pair(s.obj, size);
    }

    @Benchmark
    public long ffmGlibc() {
        return pair(LibcAllocator.INSTANCE, size);
    }

    @Benchmark
    public long ffmJemalloc(PeerStates.Jemalloc s) {
        return pair(s.a, size);
    }

    @Benchmark
    public long ffmMimalloc(PeerStates.Mimalloc s) {
        return pair(s.a, size);
    }

    @Benchmark
    public long unsafe() {
        return pair(UnsafePeer.INSTANCE, size);
    }

    @Benchmark
    public long lwjglSystem(PeerStates.LwjglSystem s) {
        return pair(s.a, size);
    }

    @Benchmark
    public long lwjglJemalloc(PeerStates.LwjglJemalloc s) {
        return pair(s.a, size);
    }

    @Benchmark
    public long lwjglRpmalloc(PeerStates.LwjglRpmalloc s, PeerStates.RpmallocThread t) {
        return pair(s.a, size);
    }

    @Benchmark
    public ByteBuf nettyPooled(PeerStates.Netty s) {
        ByteBuf b = Touch.buffer(s.alloc.directBuffer(size, size), size);
        b.release();
        return b;
    }

    /** A confined arena per block: open, allocate (which zeroes), close. */
    @Benchmark
    public long arenaConfined() {
        try (Arena arena = Arena.ofConfined()) {
            return Touch.segment(arena.allocate(size, 16)).address();
        }
    }

    /** A shared arena per block: its close is a handshake with every thread. */
    @Benchmark
    public long arenaShared() {
        try (Arena arena = Arena.ofShared()) {
            return Touch.segment(arena.allocate(size, 16)).address();
        }
    }
}
