package io.pymem4j.guard;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.debug.DebugConfig;
import io.pymem4j.debug.DebugHook;
import io.pymem4j.debug.MemoryCorruptionError;
import io.pymem4j.debug.Problem;
import io.pymem4j.runtime.PyMemRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static io.pymem4j.api.PyMemAllocatorDomain.MEM;
import static io.pymem4j.api.PyMemAllocatorDomain.OBJ;
import static io.pymem4j.guard.GuardFixture.corruption;
import static io.pymem4j.guard.GuardFixture.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The guard layer's reports on sampled blocks: the debug layer's, word for word. */
class GuardReportTest {

    /** The line of the caller of this method. */
    private static int here() {
        return StackWalker.getInstance().walk(s -> s.skip(1).findFirst()).orElseThrow().getLineNumber();
    }

    @Test
    void anOverflowIsReportedAtFreeWithTheDumpAndTheBlocksAllocationFrames() {
        GuardFixture f = GuardFixture.everyBlock();
        GuardAllocator mem = f.allocator(MEM);
        long p = mem.malloc(24); int line = here();
        NativeMemory.putByte(p + 24, (byte) 'x');
        MemoryCorruptionError e = corruption(() -> mem.free(p));
        assertEquals("Debug memory block at address p=" + hex(p) + ": API 'm'\n"
                + "    24 bytes originally requested\n"
                + "    The 7 pad bytes at p-7 are FORBIDDENBYTE, as expected.\n"
                + "    The 8 pad bytes at tail=" + hex(p + 24) + " are not all FORBIDDENBYTE (0xfd):\n"
                + "        at tail+0: 0x78 *** OUCH\n"
                + "        at tail+1: 0xfd\n"
                + "        at tail+2: 0xfd\n"
                + "        at tail+3: 0xfd\n"
                + "        at tail+4: 0xfd\n"
                + "        at tail+5: 0xfd\n"
                + "        at tail+6: 0xfd\n"
                + "        at tail+7: 0xfd\n"
                + "    The block was made by call #1 to debug malloc/realloc.\n"
                + "    Data at p: cd cd cd cd cd cd cd cd ... cd cd cd cd cd cd cd cd\n"
                + "\n"
                + "Memory block allocated at (most recent call first):\n"
                + "  File \"io/pymem4j/guard/GuardReportTest.java\", line " + line + "\n"
                + "\n"
                + "Fatal Python error: _PyMem_DebugRawFree: bad trailing pad byte\n", e.report());
        assertEquals(Problem.BAD_TRAILING_PAD, e.problem());
    }

    @Test
    void aSecondFreeOfASampledBlockIsADoubleFree() {
        GuardFixture f = GuardFixture.everyBlock();
        GuardAllocator mem = f.allocator(MEM);
        long p = mem.malloc(24);
        mem.free(p);
        MemoryCorruptionError e = corruption(() -> mem.free(p));
        assertEquals("Debug memory block at address p=" + hex(p) + ": not a live block of this layer\n"
                + "    The block of 24 bytes made through API 'm' by call #1 to debug malloc/realloc\n"
                + "    was already freed through API 'm'.\n"
                + "    Its memory was not read: it may no longer belong to the process.\n"
                + "\n"
                + "Enable tracemalloc to get the memory block allocation traceback\n"
                + "\n"
                + "Fatal Python error: _PyMem_DebugRawFree: double free\n", e.report());
        assertEquals(Problem.DOUBLE_FREE, e.problem());
    }

    /** The memory errors the guard catches on a sampled block, each provoked the same way on both layers. */
    enum Misuse {
        OVERFLOW {
            @Override
            long provoke(PyMemRuntime rt, Runnable check) {
                long p = rt.getAllocator(MEM).malloc(24);
                NativeMemory.putByte(p + 24, (byte) 'x');
                return thrown(p, () -> rt.getAllocator(MEM).free(p));
            }
        },
        UNDERFLOW {
            @Override
            long provoke(PyMemRuntime rt, Runnable check) {
                long p = rt.getAllocator(MEM).malloc(24);
                NativeMemory.putByte(p - 2, (byte) 0);
                return thrown(p, () -> rt.getAllocator(MEM).free(p));
            }
        },
        API_MISUSE {
            @Override
            long provoke(PyMemRuntime rt, Runnable check) {
                long p = rt.getAllocator(MEM).malloc(24);
                return thrown(p, () -> rt.getAllocator(OBJ).free(p));
            }
        },
        DOUBLE_FREE {
            @Override
            long provoke(PyMemRuntime rt, Runnable check) {
                long p = rt.getAllocator(MEM).malloc(24);
                rt.getAllocator(MEM).free(p);
                return thrown(p, () -> rt.getAllocator(MEM).free(p));
            }
        },
        WRITE_AFTER_FREE {
            @Override
            long provoke(PyMemRuntime rt, Runnable check) {
                long p = rt.getAllocator(MEM).malloc(24);
                rt.getAllocator(MEM).free(p);
                NativeMemory.putByte(p + 3, (byte) 'x');
                return thrown(p, check);
            }
        },
        REALLOC_OF_A_FREED_BLOCK {
            @Override
            long provoke(PyMemRuntime rt, Runnable check) {
                long p = rt.getAllocator(PyMemAllocatorDomain.RAW).malloc(24);
                rt.getAllocator(PyMemAllocatorDomain.RAW).free(p);
                return thrown(p, () -> rt.getAllocator(PyMemAllocatorDomain.RAW).realloc(p, 8));
            }
        },
        INTERIOR_POINTER {
            @Override
            long provoke(PyMemRuntime rt, Runnable check) {
                long p = rt.getAllocator(MEM).malloc(24);
                return thrown(p, () -> rt.getAllocator(MEM).free(p + 8));
            }
        };

        /** Provokes the error on {@code rt} ({@code check} finds a write after free); returns the block's pointer. */
        abstract long provoke(PyMemRuntime rt, Runnable check);

        private static long thrown(long p, Runnable action) {
            REPORT.set(corruption(action).report());
            return p;
        }
    }

    private static final ThreadLocal<String> REPORT = new ThreadLocal<>();

    /**
     * The same misuse on {@code pattern+debug} and on {@code pattern+guard} sampling every
     * block, both under tracemalloc with one frame (and the guard taking its tracebacks from
     * it, {@code guard.frames=0}): the reports are the same text but for the addresses.
     */
    @ParameterizedTest
    @EnumSource(Misuse.class)
    void theReportIsTheDebugLayersWordForWord(Misuse misuse) {
        GuardFixture debug = new GuardFixture("pattern+debug+tracemalloc", "tracemalloc", "1",
                DebugConfig.QUARANTINE_BYTES, "1m");
        long pd = misuse.provoke(debug.runtime, () -> DebugHook.of(debug.runtime).orElseThrow().flushQuarantine());
        String debugReport = REPORT.get();
        GuardFixture guard = new GuardFixture("pattern+guard+tracemalloc", "tracemalloc", "1",
                GuardConfig.SAMPLE, "1", GuardConfig.FRAMES, "0");
        long pg = misuse.provoke(guard.runtime, () -> guard.hook().check());
        String guardReport = REPORT.get();
        assertEquals(withoutAddresses(debugReport, pd), withoutAddresses(guardReport, pg));
    }

    private static String withoutAddresses(String report, long p) {
        return report.replace(hex(p + 24), "TAIL").replace(hex(p + 8), "P+8").replace(hex(p), "P");
    }
}
