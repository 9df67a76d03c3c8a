package io.pymem4j.reliability;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.raw.LibcAllocator;
import io.pymem4j.runtime.ProviderRegistry;
import io.pymem4j.runtime.PyMemRuntime;
import io.pymem4j.spi.BackendContext;
import io.pymem4j.spi.BackendProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The concurrent stress engine, short: a few rounds of four threads on each stack, every block
 * checked, blocks handed between threads, the stack's counts back where they started. The long
 * soak is {@code pymem stress}. And the engine itself catches what it is there to catch.
 */
class StressTest {

    private static final Logger log = LoggerFactory.getLogger(StressTest.class);
    private static final int THREADS = 4;
    private static final long ROUNDS = Scale.of("stressRounds", 3, 12);
    private static final int OPS = Scale.ofInt("stressOps", 4_000, 20_000);

    private static final AtomicLong BLOCKS = new AtomicLong();
    private static final AtomicLong BYTES = new AtomicLong();
    private static final AtomicLong CROSS = new AtomicLong();

    static List<StackUnderTest> stacks() {
        List<StackUnderTest> out = new ArrayList<>();
        for (StackUnderTest base : StackUnderTest.bases()) {
            out.add(base);
            out.add(base.with("+debug"));
        }
        out.add(new StackUnderTest("pymalloc", "cpython310", false, "+tracemalloc"));
        out.add(new StackUnderTest("pymalloc", "classic", true, "+debug+tracemalloc"));
        return out;
    }

    @AfterAll
    static void figures() {
        log.info("stress: {} blocks and {} bytes checked, {} cross-thread frees", BLOCKS.get(), BYTES.get(), CROSS.get());
    }

    private static StressConfig config(long seed) {
        return new StressConfig(THREADS, ROUNDS, 0, OPS, 300, 200, seed);
    }

    @ParameterizedTest
    @MethodSource("stacks")
    void threadsHandingBlocksToEachOtherFindEveryBlockIntactAndLeaveNothing(StackUnderTest stack) {
        PyMemRuntime rt = stack.start();
        try {
            StressResult r = StressEngine.run(rt, config(stack.hashCode()));
            assertTrue(r.leakFree(), r.leaks());
            assertEquals(ROUNDS, r.rounds());
            assertTrue(r.crossThreadFrees() > 0, "no block was freed by another thread: " + r);
            assertEquals(r.allocations() - r.reallocs(), r.frees(), "every block made was freed once: " + r);
            assertTrue(r.blocksChecked() >= r.frees(), "every freed block was checked: " + r);
            BLOCKS.addAndGet(r.blocksChecked());
            BYTES.addAndGet(r.bytesChecked());
            CROSS.addAndGet(r.crossThreadFrees());
        } finally {
            StackUnderTest.close(rt);
        }
    }

    /** Many threads with a full round of work each, far more than fits in the run's time on a small machine. */
    private static final StressConfig CROWDED_HALF_SECOND = new StressConfig(400, 0, 500, StressConfig.DEFAULT_OPS,
            StressConfig.DEFAULT_LIVE, StressConfig.DEFAULT_TRANSFERS, 3);

    @Test
    void aTimedRunWithManyThreadsEndsSoonAfterItsDeadline() {
        PyMemRuntime rt = PyMemRuntime.create("pymalloc");
        long start = System.nanoTime();
        StressResult r = StressEngine.run(rt, CROWDED_HALF_SECOND);
        long millis = (System.nanoTime() - start) / 1_000_000;
        // A correctness bound, generous for a loaded machine: the round is cut at the deadline.
        assertTrue(millis < 5_500, "a run of 500 ms took " + millis + " ms");
        assertEquals(1, r.rounds());
        assertTrue(r.leakFree(), r.leaks());
        assertEquals(r.allocations() - r.reallocs(), r.frees(), "every block made was freed once: " + r);
    }

    @Test
    void aLongRoundReportsItsProgressAtTheInterval() {
        PyMemRuntime rt = PyMemRuntime.create("malloc");
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        // One round of full work, far longer than the 10 ms interval.
        StressEngine.run(rt, StressConfig.rounds(8, 1, 4), lines::add, 10_000_000L);
        assertTrue(!lines.isEmpty(), "no progress reported");
        assertTrue(lines.get(0).matches("round 0: \\d+ of 8 threads still running after \\d+ s"), lines.get(0));
    }

    /** libc that writes one byte into the block it freed last when it hands out the next one: a use after free. */
    public static final class ScribblingProvider implements BackendProvider {
        @Override
        public String name() {
            return "scribbling";
        }

        @Override
        public String description() {
            return "libc that scribbles on live memory (tests)";
        }

        @Override
        public Set<PyMemAllocatorDomain> domains() {
            return EnumSet.allOf(PyMemAllocatorDomain.class);
        }

        @Override
        public PyMemAllocatorEx create(BackendContext context) {
            return new PyMemAllocatorEx() {
                private final AtomicLong calls = new AtomicLong();
                /** Held while the victim is written, and by a free or realloc of the victim: it is never written once freed. */
                private final Object scribbling = new Object();
                private volatile long victim;

                @Override
                public long malloc(long size) {
                    long p = LibcAllocator.INSTANCE.malloc(size);
                    if (calls.incrementAndGet() % 5_000 == 0) {
                        synchronized (scribbling) {
                            long v = victim;
                            if (v != 0) {
                                NativeMemory.putByte(v, (byte) ~NativeMemory.getByte(v));
                            }
                        }
                    }
                    if (size >= 16) {
                        victim = p;
                    }
                    return p;
                }

                /** Stops scribbling on {@code ptr} before libc may take it back (a write then corrupts libc's free lists). */
                private void forget(long ptr) {
                    if (ptr != 0 && ptr == victim) {
                        synchronized (scribbling) {
                            if (ptr == victim) {
                                victim = 0;
                            }
                        }
                    }
                }

                @Override
                public long calloc(long nelem, long elsize) {
                    return LibcAllocator.INSTANCE.calloc(nelem, elsize);
                }

                @Override
                public long realloc(long ptr, long newSize) {
                    forget(ptr);
                    return LibcAllocator.INSTANCE.realloc(ptr, newSize);
                }

                @Override
                public void free(long ptr) {
                    forget(ptr);
                    LibcAllocator.INSTANCE.free(ptr);
                }
            };
        }
    }

    @Test
    void theEngineNamesABlockAnotherThreadWroteInto() {
        PyMemRuntime rt = PyMemRuntime.builder().registry(ProviderRegistry.of(new ScribblingProvider()))
                .allocator("scribbling").build();
        StressFailure f = assertThrows(StressFailure.class, () -> StressEngine.run(rt, config(7)));
        assertTrue(f.getMessage().matches("the (RAW|MEM|OBJ) block 0x\\p{XDigit}+ of \\d+ bytes \\(got by thread \\d+,"
                + " checked by thread \\d+\\) was overwritten .*: byte \\d+ is 0x\\p{XDigit}+, expected 0x\\p{XDigit}+"),
                f.getMessage());
    }

    @Test
    void theEngineNamesAReallocThatLostAByte() {
        PyMemRuntime rt = PyMemRuntime.builder().registry(ProviderRegistry.of(new LossyReallocProgram.LossyProvider()))
                .allocator("lossy").build();
        StressFailure f = assertThrows(StressFailure.class, () -> StressEngine.run(rt, config(8)));
        assertTrue(f.getMessage().matches("the (RAW|MEM|OBJ) block 0x\\p{XDigit}+ of \\d+ bytes .* lost byte 8 of the \\d+"
                + " a realloc to \\d+ bytes keeps .*"), f.getMessage());
    }

    /** libc whose every 1000th malloc of at most 16 bytes returns a block that is still live. */
    public static final class DoublingProvider implements BackendProvider {
        @Override
        public String name() {
            return "doubling";
        }

        @Override
        public String description() {
            return "libc that hands out a live block again (tests)";
        }

        @Override
        public Set<PyMemAllocatorDomain> domains() {
            return EnumSet.allOf(PyMemAllocatorDomain.class);
        }

        @Override
        public PyMemAllocatorEx create(BackendContext context) {
            return new PyMemAllocatorEx() {
                private final AtomicLong calls = new AtomicLong();
                private final Set<Long> live = ConcurrentHashMap.newKeySet();

                @Override
                public long malloc(long size) {
                    if (size <= 16 && calls.incrementAndGet() % 1_000 == 0) {
                        // Taken out of the live set: neither holder's free reaches libc, so no one
                        // writes into a block libc has taken back (nor frees it twice).
                        for (long p : live) {
                            if (live.remove(p)) {
                                return p;
                            }
                        }
                    }
                    return made(LibcAllocator.INSTANCE.malloc(Math.max(16, size)));
                }

                @Override
                public long calloc(long nelem, long elsize) {
                    return made(LibcAllocator.INSTANCE.calloc(Math.max(16, nelem), Math.max(1, elsize)));
                }

                @Override
                public long realloc(long ptr, long newSize) {
                    if (ptr == 0 || live.remove(ptr)) {
                        return made(LibcAllocator.INSTANCE.realloc(ptr, Math.max(16, newSize)));
                    }
                    // A block handed out twice: its other holder may still use it, so it stays (16 bytes at least).
                    long q = made(LibcAllocator.INSTANCE.malloc(Math.max(16, newSize)));
                    if (q != 0) {
                        NativeMemory.copy(ptr, q, Math.min(16, newSize));
                    }
                    return q;
                }

                @Override
                public void free(long ptr) {
                    if (live.remove(ptr)) {
                        LibcAllocator.INSTANCE.free(ptr);
                    }
                }

                private long made(long p) {
                    live.add(p);
                    return p;
                }
            };
        }
    }

    @Test
    void theEngineNamesALiveBlockHandedOutTwice() {
        PyMemRuntime rt = PyMemRuntime.builder().registry(ProviderRegistry.of(new DoublingProvider()))
                .allocator("doubling").build();
        StressFailure f = assertThrows(StressFailure.class, () -> StressEngine.run(rt, config(9)));
        assertTrue(f.getMessage().matches("(RAW|MEM|OBJ) (malloc|realloc)\\(.*\\) returned 0x\\p{XDigit}+, which is a live block"),
                f.getMessage());
    }
}
