package io.pymem4j.bench;

import io.netty.buffer.ByteBuf;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.raw.LibcAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * Realloc growth: a block grown as a CPython list of pointers grows while appended to from
 * empty to {@value Workloads#GROWTH_ITEMS} items ({@link Workloads#listGrowth()}: 32 bytes
 * to 4160, 22 sizes, across pymalloc's 512-byte limit), then freed. Each block is touched
 * after every call. Scores are per call ({@value Workloads#GROWTH_CALLS} calls an
 * invocation: the malloc, 21 reallocs, the free). Netty grows a buffer with
 * {@code capacity(n)}; a JDK arena cannot resize, so it allocates in a new arena, copies and
 * closes the old one.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(Workloads.GROWTH_CALLS)
public class ReallocBenchmark {

    final long[] growth = Workloads.listGrowth();

    static long grow(PyMemAllocatorEx a, long[] growth) {
        long p = Touch.block(a.malloc(growth[0]), growth[0]);
        for (int i = 1; i < growth.length; i++) {
            long q = a.realloc(p, growth[i]);
            if (q == 0) {
                a.free(p);
            }
            p = Touch.block(q, growth[i]);
        }
        a.free(p);
        return p;
    }

    @Benchmark
    public long stack(StackState s, StackState.GilHeldPerIteration gil) {
        return grow(s.obj, growth);
    }

    @Benchmark
    public long ffmGlibc() {
        return grow(LibcAllocator.INSTANCE, growth);
    }

    @Benchmark
    public long ffmJemalloc(PeerStates.Jemalloc s) {
        return grow(s.a, growth);
    }

    @Benchmark
    public long ffmMimalloc(PeerStates.Mimalloc s) {
        return grow(s.a, growth);
    }

    @Benchmark
    public long unsafe() {
        return grow(UnsafePeer.INSTANCE, growth);
    }

    @Benchmark
    public long lwjglSystem(PeerStates.LwjglSystem s) {
        return grow(s.a, growth);
    }

    @Benchmark
    public long lwjglJemalloc(PeerStates.LwjglJemalloc s) {
        return grow(s.a, growth);
    }

    @Benchmark
    public long lwjglRpmalloc(PeerStates.LwjglRpmalloc s, PeerStates.RpmallocThread t) {
        return grow(s.a, growth);
    }

    @Benchmark
    public ByteBuf nettyPooled(PeerStates.Netty s) {
        ByteBuf b = Touch.buffer(s.alloc.directBuffer((int) growth[0]), (int) growth[0]);
        for (int i = 1; i < growth.length; i++) {
            Touch.buffer(b.capacity((int) growth[i]), (int) growth[i]);
        }
        b.release();
        return b;
    }

    @Benchmark
    public long arenaConfined() {
        Arena arena = Arena.ofConfined();
        MemorySegment m = Touch.segment(arena.allocate(growth[0], 16));
        for (int i = 1; i < growth.length; i++) {
            Arena next = Arena.ofConfined();
            MemorySegment n = next.allocate(growth[i], 16);
            MemorySegment.copy(m, 0, n, 0, Math.min(m.byteSize(), n.byteSize()));
            arena.close();
            arena = next;
            m = Touch.segment(n);
        }
        arena.close();
        return m.address();
    }
}
