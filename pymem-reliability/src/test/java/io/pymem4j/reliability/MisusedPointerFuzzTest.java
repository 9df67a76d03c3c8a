package io.pymem4j.reliability;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.debug.MemoryCorruptionError;
import io.pymem4j.debug.Problem;
import io.pymem4j.pymalloc.Pymalloc;
import io.pymem4j.runtime.PyMemRuntime;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Any pointer at all, given to a stack that did not make it: under the debug layer a free or
 * realloc of it is reported (a pointer into a live block as such, any other as not live)
 * without reading it, and the stack goes on; pymalloc's ownership test says "not mine" for
 * every address outside its arenas, also without reading it. Addresses are drawn near live
 * blocks (to hit their insides and edges), at random over the whole 64 bits, and small.
 */
class MisusedPointerFuzzTest {

    private static final Logger log = LoggerFactory.getLogger(MisusedPointerFuzzTest.class);
    private static final AtomicLong POINTERS = new AtomicLong();

    /** Where a pointer is drawn: an offset from a live block, or an absolute address. */
    record Pointer(boolean nearBlock, long value) {
        @Override
        public String toString() {
            return nearBlock ? "block" + (value < 0 ? "" : "+") + value : "0x" + Long.toHexString(value);
        }
    }

    @AfterContainer
    static void figures() {
        log.info("misused pointers: {} pointers given to stacks that did not make them", POINTERS.get());
    }

    @Provide
    Arbitrary<Pointer> pointers() {
        return Arbitraries.oneOf(
                Arbitraries.longs().between(-48, 200).map(o -> new Pointer(true, o)),
                Arbitraries.longs().map(a -> new Pointer(false, a)),
                Arbitraries.longs().between(1, 1L << 47).map(a -> new Pointer(false, a)),
                Arbitraries.longs().between(1, 1 << 16).map(a -> new Pointer(false, a)));
    }

    @Property @Scaled(ci = 200, full = 10_000)
    void theDebugLayerReportsAnyPointerItDidNotMake(@ForAll("pointers") Pointer pointer,
                                                    @ForAll PyMemAllocatorDomain domain, @ForAll boolean realloc) {
        PyMemRuntime rt = new StackUnderTest("pymalloc", "cpython310", false, "+debug").start();
        try {
            long block = rt.malloc(domain, 64);
            long p = pointer.nearBlock() ? block + pointer.value() : pointer.value();
            Assume.that(p != 0 && p != block);
            POINTERS.incrementAndGet();
            MemoryCorruptionError e = assertThrows(MemoryCorruptionError.class,
                    () -> {
                        if (realloc) {
                            rt.realloc(domain, p, 32);
                        } else {
                            rt.free(domain, p);
                        }
                    });
            if (p > block && p < block + 64) {
                assertEquals(Problem.INTERIOR_POINTER, e.problem(), e.report());
            } else if (p < block - 32 || p >= block + 64 + 32) {
                assertEquals(Problem.NOT_LIVE, e.problem(), e.report());
            } else {
                // The block's header and trailer: either answer names the pointer as not a live block's start.
                assertTrue(e.problem() == Problem.NOT_LIVE || e.problem() == Problem.INTERIOR_POINTER, e.report());
            }
            assertEquals(p, e.address());
            rt.free(domain, block);
            assertEquals(0, StackUnderTest.debugLiveBlocks(rt));
            assertEquals(0, StackUnderTest.pymallocBlocks(rt));
        } finally {
            StackUnderTest.close(rt);
        }
    }

    @Property @Scaled(ci = 200, full = 10_000)
    void pymallocOwnsNoAddressOutsideItsArenas(@ForAll("pointers") Pointer pointer, @ForAll boolean classic) {
        PyMemRuntime rt = new StackUnderTest("pymalloc", classic ? "classic" : "cpython310", false, "").start();
        try {
            Pymalloc pm = Pymalloc.find(rt).orElseThrow();
            long block = rt.objectMalloc(64);
            long arenaSize = pm.geometry().arenaSize;
            long p = pointer.nearBlock() ? block + pointer.value() * arenaSize / 16 : pointer.value();
            POINTERS.incrementAndGet();
            // The arena holding the block is the only one, and it may start anywhere in the arena-sized
            // window around the block; beyond that window nothing is pymalloc's.
            if (p < block - arenaSize || p >= block + arenaSize) {
                assertFalse(pm.owns(p), "0x" + Long.toHexString(p));
            } else {
                pm.owns(p);
            }
            assertTrue(pm.owns(block));
            rt.objectFree(block);
        } finally {
            StackUnderTest.close(rt);
        }
    }
}
