package io.pymem4j.bench;

import io.netty.buffer.ByteBuf;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.raw.LibcAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;

/**
 * One malloc, the touch, and the free of the same block, per operation, by size: the
 * allocator's hot path, LIFO, the best case of every thread cache and free list. The size
 * is a parameter held in a field so that the JIT cannot fold it.
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

    @Benchmark
    public long stack(StackState s, StackState.Held gil) {
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
        return pair(UnsafeAllocator.INSTANCE, size);
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
