package io.pymem4j.bench;

import io.netty.buffer.ByteBuf;
import io.pymem4j.api.InterpreterLock;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.raw.LibcAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * A steady live set of {@value #SLOTS} blocks with the size mix of a real trace: each
 * operation frees the block in a pseudo-random slot and allocates a new one there, its size
 * the next of {@link Workloads#traceSizes()}. Slots and sizes are precomputed, so the loop
 * only indexes arrays. Frees are in no particular order, which shows fragmentation and the
 * cost of non-LIFO reuse that the pair benchmark hides. The set fills during the first
 * {@value #SLOTS} operations of the warm-up and is freed after the trial.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class MixedBenchmark {

    static final int SLOTS = 4096;
    private static final int MASK = Workloads.SIZES - 1;

    /** The live set of an allocator with addresses. */
    @State(Scope.Thread)
    public static class Blocks {
        final int[] sizes = Workloads.traceSizes();
        final int[] order = Workloads.slotOrder(SLOTS);
        final long[] live = new long[SLOTS];
        int step;
        PyMemAllocatorEx owner;
        InterpreterLock gil;

        long replace(PyMemAllocatorEx a) {
            if (owner == null) {
                owner = a;
            }
            int i = step++ & MASK;
            int slot = order[i];
            a.free(live[slot]);
            long size = sizes[i];
            long p = Touch.block(a.malloc(size), size);
            live[slot] = p;
            return p;
        }

        @TearDown(Level.Trial)
        public void freeAll() {
            if (gil != null) {
                gil.acquire();
            }
            try {
                for (int s = 0; s < SLOTS; s++) {
                    if (live[s] != 0) {
                        owner.free(live[s]);
                        live[s] = 0;
                    }
                }
            } finally {
                if (gil != null) {
                    gil.release();
                }
            }
        }
    }

    @State(Scope.Thread)
    public static class Buffers {
        final int[] sizes = Workloads.traceSizes();
        final int[] order = Workloads.slotOrder(SLOTS);
        final ByteBuf[] live = new ByteBuf[SLOTS];
        int step;

        @TearDown(Level.Trial)
        public void releaseAll() {
            for (int s = 0; s < SLOTS; s++) {
                if (live[s] != null) {
                    live[s].release();
                    live[s] = null;
                }
            }
        }
    }

    @State(Scope.Thread)
    public static class Arenas {
        final int[] sizes = Workloads.traceSizes();
        final int[] order = Workloads.slotOrder(SLOTS);
        final Arena[] live = new Arena[SLOTS];
        int step;

        MemorySegment replace(Arena next) {
            int i = step++ & MASK;
            int slot = order[i];
            if (live[slot] != null) {
                live[slot].close();
            }
            live[slot] = next;
            return Touch.segment(next.allocate(sizes[i], 16));
        }

        @TearDown(Level.Trial)
        public void closeAll() {
            for (int s = 0; s < SLOTS; s++) {
                if (live[s] != null) {
                    live[s].close();
                    live[s] = null;
                }
            }
        }
    }

    @Benchmark
    public long stack(StackState s, StackState.GilHeldPerIteration held, Blocks b) {
        if (b.owner == null) {
            b.gil = s.gil;
        }
        return b.replace(s.obj);
    }

    @Benchmark
    public long ffmGlibc(Blocks b) {
        return b.replace(LibcAllocator.INSTANCE);
    }

    @Benchmark
    public long ffmJemalloc(PeerStates.Jemalloc s, Blocks b) {
        return b.replace(s.a);
    }

    @Benchmark
    public long ffmMimalloc(PeerStates.Mimalloc s, Blocks b) {
        return b.replace(s.a);
    }

    @Benchmark
    public long unsafe(Blocks b) {
        return b.replace(UnsafePeer.INSTANCE);
    }

    @Benchmark
    public long lwjglSystem(PeerStates.LwjglSystem s, Blocks b) {
        return b.replace(s.a);
    }

    @Benchmark
    public long lwjglJemalloc(PeerStates.LwjglJemalloc s, Blocks b) {
        return b.replace(s.a);
    }

    @Benchmark
    public long lwjglRpmalloc(PeerStates.LwjglRpmalloc s, PeerStates.RpmallocThread t, Blocks b) {
        return b.replace(s.a);
    }

    @Benchmark
    public ByteBuf nettyPooled(PeerStates.Netty s, Buffers b) {
        int i = b.step++ & MASK;
        int slot = b.order[i];
        if (b.live[slot] != null) {
            b.live[slot].release();
        }
        int size = b.sizes[i];
        ByteBuf buf = Touch.buffer(s.alloc.directBuffer(size, size), size);
        b.live[slot] = buf;
        return buf;
    }

    @Benchmark
    public MemorySegment arenaConfined(Arenas a) {
        return a.replace(Arena.ofConfined());
    }

    @Benchmark
    public MemorySegment arenaShared(Arenas a) {
        return a.replace(Arena.ofShared());
    }
}
