package io.pymem4j.debug;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorDomain;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.pymem4j.debug.Fixture.assertLines;
import static io.pymem4j.debug.Fixture.corruption;
import static io.pymem4j.debug.Fixture.hex;
import static io.pymem4j.debug.Fixture.q;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every detection in every domain, with the report asserted line by line. */
class DetectionTest {

    private static final String CLEAN_16 = "    Data at p:" + " cd".repeat(16);
    private static final String ENABLE_TRACEMALLOC = q("Enable tracemalloc to get the memory block allocation traceback");

    private static String header(long p, PyMemAllocatorDomain d) {
        return q("Debug memory block at address p=" + hex(p) + ": API '" + d.apiId() + "'");
    }

    /** The lines of a report on a pointer that is not live: the header, the explanation, the tail. */
    private static String[] notLive(long p, String fatal, String... explanation) {
        List<String> lines = new ArrayList<>();
        lines.add(q("Debug memory block at address p=" + hex(p) + ": not a live block of this layer"));
        for (String e : explanation) {
            lines.add(q("    " + e));
        }
        lines.addAll(List.of(q("    Its memory was not read: it may no longer belong to the process."),
                "", ENABLE_TRACEMALLOC, "", q("Fatal Python error: " + fatal)));
        return lines.toArray(String[]::new);
    }

    private static String madeBy(long serial) {
        return q("    The block was made by call #" + serial + " to debug malloc/realloc.");
    }

    @ParameterizedTest
    @EnumSource(PyMemAllocatorDomain.class)
    void bufferOverflowAtPnIsABadTrailingPadByte(PyMemAllocatorDomain d) {
        Fixture f = new Fixture();
        DebugAllocator a = f.allocator(d);
        long p = a.malloc(16);
        NativeMemory.putByte(p + 16, (byte) 'x');
        MemoryCorruptionError e = corruption(() -> a.free(p));
        List<String> lines = new ArrayList<>(List.of(
                header(p, d),
                q("    16 bytes originally requested"),
                q("    The 7 pad bytes at p-7 are FORBIDDENBYTE, as expected."),
                q("    The 8 pad bytes at tail=" + hex(p + 16) + " are not all FORBIDDENBYTE (0xfd):"),
                q("        at tail+0: 0x78 *** OUCH")));
        for (int i = 1; i < 8; i++) {
            lines.add(q("        at tail+" + i + ": 0xfd"));
        }
        lines.addAll(List.of(madeBy(1), q(CLEAN_16), "", ENABLE_TRACEMALLOC, "",
                q("Fatal Python error: _PyMem_DebugRawFree: bad trailing pad byte")));
        assertLines(e.report(), lines.toArray(String[]::new));
        assertEquals(Problem.BAD_TRAILING_PAD, e.problem());
        assertEquals(p, e.address());
    }

    @ParameterizedTest
    @EnumSource(PyMemAllocatorDomain.class)
    void bufferUnderflowAtPMinusOneIsABadLeadingPadByte(PyMemAllocatorDomain d) {
        Fixture f = new Fixture();
        DebugAllocator a = f.allocator(d);
        long p = a.malloc(16);
        NativeMemory.putByte(p - 1, (byte) 'x');
        MemoryCorruptionError e = corruption(() -> a.free(p));
        List<String> lines = new ArrayList<>(List.of(
                header(p, d),
                q("    16 bytes originally requested"),
                q("    The 7 pad bytes at p-7 are not all FORBIDDENBYTE (0xfd):")));
        for (int i = 7; i >= 2; i--) {
            lines.add(q("        at p-" + i + ": 0xfd"));
        }
        lines.addAll(List.of(
                q("        at p-1: 0x78 *** OUCH"),
                q("    Because memory is corrupted at the start, the count of bytes requested"),
                q("       may be bogus, and checking the trailing pad bytes may segfault."),
                q("    The 8 pad bytes at tail=" + hex(p + 16) + " are FORBIDDENBYTE, as expected."),
                madeBy(1), q(CLEAN_16), "", ENABLE_TRACEMALLOC, "",
                q("Fatal Python error: _PyMem_DebugRawFree: bad leading pad byte")));
        assertLines(e.report(), lines.toArray(String[]::new));
        assertEquals(Problem.BAD_LEADING_PAD, e.problem());
    }

    static Stream<Arguments> otherDomainPairs() {
        List<Arguments> pairs = new ArrayList<>();
        for (PyMemAllocatorDomain made : PyMemAllocatorDomain.values()) {
            for (PyMemAllocatorDomain freed : PyMemAllocatorDomain.values()) {
                if (made != freed) {
                    pairs.add(Arguments.of(made, freed));
                }
            }
        }
        return pairs.stream();
    }

    @ParameterizedTest
    @MethodSource("otherDomainPairs")
    void freeThroughAnotherDomainIsABadId(PyMemAllocatorDomain made, PyMemAllocatorDomain freed) {
        Fixture f = new Fixture();
        long p = f.allocator(made).malloc(16);
        MemoryCorruptionError e = corruption(() -> f.allocator(freed).free(p));
        assertLines(e.report(),
                header(p, made),
                q("    16 bytes originally requested"),
                q("    The 7 pad bytes at p-7 are FORBIDDENBYTE, as expected."),
                q("    The 8 pad bytes at tail=" + hex(p + 16) + " are FORBIDDENBYTE, as expected."),
                madeBy(1), q(CLEAN_16), "", ENABLE_TRACEMALLOC, "",
                q("Fatal Python error: _PyMem_DebugRawFree: bad ID: Allocated using API '" + made.apiId()
                        + "', verified using API '" + freed.apiId() + "'"));
        assertEquals(Problem.BAD_ID, e.problem());
        assertEquals(0, f.backend.frees.get(), "the block is not passed down");
    }

    @ParameterizedTest
    @EnumSource(PyMemAllocatorDomain.class)
    void secondFreeIsADoubleFreeAndNeverReachesTheBackend(PyMemAllocatorDomain d) {
        Fixture f = new Fixture();
        DebugAllocator a = f.allocator(d);
        long p = a.malloc(16);
        a.free(p);
        MemoryCorruptionError e = corruption(() -> a.free(p));
        assertLines(e.report(), notLive(p, "_PyMem_DebugRawFree: double free",
                "The block of 16 bytes made through API '" + d.apiId() + "' by call #1 to debug malloc/realloc",
                "was already freed through API '" + d.apiId() + "'."));
        assertEquals(Problem.DOUBLE_FREE, e.problem());
        assertEquals(1, f.backend.frees.get());
    }

    @ParameterizedTest
    @EnumSource(PyMemAllocatorDomain.class)
    void writeAfterFreeIsReportedWhenTheBlockLeavesTheQuarantine(PyMemAllocatorDomain d) {
        Fixture f = new Fixture(DebugConfig.QUARANTINE_BYTES, "100");
        DebugAllocator a = f.allocator(d);
        long p = a.malloc(16);
        long r = a.malloc(16);
        long s = a.malloc(16);
        a.free(p);
        NativeMemory.putByte(p + 3, (byte) 'x');
        a.free(r);
        assertEquals(0, f.backend.frees.get(), "two blocks of 48 bytes fit in 100");
        MemoryCorruptionError e = corruption(() -> a.free(s));
        assertLines(e.report(),
                header(p, d),
                q("    16 bytes originally requested"),
                q("    The block was freed and kept in quarantine; its 48 bytes from p-16 are not all DEADBYTE (0xdd):"),
                q("        at p+3: 0x78 *** OUCH"),
                madeBy(1),
                q("    Data at p: dd dd dd 78 dd dd dd dd dd dd dd dd dd dd dd dd"),
                "", ENABLE_TRACEMALLOC, "",
                q("Fatal Python error: _PyMem_DebugRawFree: write after free"));
        assertEquals(Problem.WRITE_AFTER_FREE, e.problem());
        assertEquals(0, f.backend.frees.get(), "the written block is leaked");
        assertEquals(2, f.hook.quarantinedBlocks());
    }

    @ParameterizedTest
    @EnumSource(PyMemAllocatorDomain.class)
    void pointerNeverAllocatedIsNotALiveBlock(PyMemAllocatorDomain d) {
        Fixture f = new Fixture();
        long foreign = f.backend.malloc(64) + 16;
        MemoryCorruptionError e = corruption(() -> f.allocator(d).free(foreign));
        assertLines(e.report(), notLive(foreign, "_PyMem_DebugRawFree: not a live block of this layer",
                "This layer did not make it, or freed it too long ago to remember (it remembers the last 16384 frees)."));
        assertEquals(Problem.NOT_LIVE, e.problem());
        assertEquals(0, f.backend.frees.get());
    }

    @ParameterizedTest
    @EnumSource(PyMemAllocatorDomain.class)
    void pointerIntoALiveBlockIsNamedWithItsOffset(PyMemAllocatorDomain d) {
        Fixture f = new Fixture();
        DebugAllocator a = f.allocator(d);
        long p = a.malloc(16);
        MemoryCorruptionError e = corruption(() -> a.realloc(p + 4, 32));
        assertLines(e.report(), notLive(p + 4, "_PyMem_DebugRawRealloc: not the start of a live block of this layer",
                "It points 4 bytes into the live block at p=" + hex(p) + " of 16 bytes made through API '"
                        + d.apiId() + "'."));
        assertEquals(Problem.INTERIOR_POINTER, e.problem());
        a.free(p);
        assertEquals(1, f.backend.frees.get(), "the live block is untouched");
    }

    @ParameterizedTest
    @EnumSource(PyMemAllocatorDomain.class)
    void reallocOfAFreedBlockIsAUseAfterFree(PyMemAllocatorDomain d) {
        Fixture f = new Fixture();
        DebugAllocator a = f.allocator(d);
        long p = a.malloc(16);
        a.free(p);
        MemoryCorruptionError e = corruption(() -> a.realloc(p, 32));
        assertEquals(Problem.USE_AFTER_FREE, e.problem());
        assertEquals("Fatal Python error: _PyMem_DebugRawRealloc: use after free: realloc of a freed block", e.fatalError());
    }

    @ParameterizedTest
    @EnumSource(PyMemAllocatorDomain.class)
    void freeOfAPointerMovedByReallocNamesTheNewAddress(PyMemAllocatorDomain d) {
        Fixture f = new Fixture();
        DebugAllocator a = f.allocator(d);
        long p = a.malloc(16);
        long r = a.realloc(p, 4000);
        MemoryCorruptionError e = corruption(() -> a.free(p));
        assertLines(e.report(), notLive(p, "_PyMem_DebugRawFree: double free",
                "The block of 16 bytes made through API '" + d.apiId() + "' by call #1 to debug malloc/realloc",
                "was moved to p=" + hex(r) + " by a debug realloc through API '" + d.apiId() + "', which freed it."));
        a.free(r);
    }

    /** Every byte of the bookkeeping: size field, id, leading pads, trailing pads, serial number. */
    static Stream<Arguments> everyGuardedByte() {
        List<Arguments> cases = new ArrayList<>();
        for (PyMemAllocatorDomain d : PyMemAllocatorDomain.values()) {
            for (int off = -16; off <= -9; off++) {
                cases.add(Arguments.of(d, off, Problem.BAD_SIZE));
            }
            cases.add(Arguments.of(d, -8, Problem.BAD_ID));
            for (int off = -7; off <= -1; off++) {
                cases.add(Arguments.of(d, off, Problem.BAD_LEADING_PAD));
            }
            for (int off = 16; off <= 23; off++) {
                cases.add(Arguments.of(d, off, Problem.BAD_TRAILING_PAD));
            }
            for (int off = 24; off <= 31; off++) {
                cases.add(Arguments.of(d, off, Problem.BAD_SERIAL));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} p{1}: {2}")
    @MethodSource("everyGuardedByte")
    void oneByteWrittenAtEveryGuardedPositionIsCaught(PyMemAllocatorDomain d, int offset, Problem expected) {
        Fixture f = new Fixture();
        DebugAllocator a = f.allocator(d);
        long p = a.malloc(16);
        byte changed = (byte) (NativeMemory.getByte(p + offset) ^ 0xA5);
        NativeMemory.putByte(p + offset, changed);
        MemoryCorruptionError e = corruption(() -> a.free(p));
        assertEquals(expected, e.problem());
        String ouch = switch (expected) {
            case BAD_LEADING_PAD -> "        at p" + offset + ": 0x" + BlockReport.hex2(changed) + " *** OUCH";
            case BAD_TRAILING_PAD -> "        at tail+" + (offset - 16) + ": 0x" + BlockReport.hex2(changed) + " *** OUCH";
            case BAD_SIZE -> "    The size field at p-16 reads ";
            case BAD_SERIAL -> "    The serial number at tail+8 reads ";
            default -> "Fatal Python error: _PyMem_DebugRawFree: bad ID: Allocated using API '"
                    + BlockReport.idChar(changed) + "', verified using API '" + d.apiId() + "'";
        };
        long matching = e.report().lines().filter(l -> l.startsWith(ouch)).count();
        assertEquals(1, matching, "one line starting <" + ouch + "> in\n" + e.report());
        long ouches = e.report().lines().filter(l -> l.endsWith("*** OUCH")).count();
        assertEquals(expected == Problem.BAD_ID ? 0 : 1, ouches, e.report());
        assertEquals(0, f.backend.frees.get(), "a corrupt block is never passed down");
    }

    @ParameterizedTest
    @EnumSource(PyMemAllocatorDomain.class)
    void smashedSizeFieldIsReportedWithTheRecordedSize(PyMemAllocatorDomain d) {
        Fixture f = new Fixture(DebugConfig.SERIALNO, "false");
        DebugAllocator a = f.allocator(d);
        long p = a.malloc(16);
        NativeMemory.putLongBigEndian(p - 16, 1L << 40);
        MemoryCorruptionError e = corruption(() -> a.free(p));
        assertLines(e.report(),
                header(p, d),
                q("    16 bytes originally requested"),
                q("    The size field at p-16 reads 1099511627776 (0x0000010000000000) *** OUCH"),
                q("    The 7 pad bytes at p-7 are FORBIDDENBYTE, as expected."),
                q("    The 8 pad bytes at tail=" + hex(p + 16) + " are FORBIDDENBYTE, as expected."),
                q(CLEAN_16), "", ENABLE_TRACEMALLOC, "",
                q("Fatal Python error: _PyMem_DebugRawFree: bad size field: the block was made for 16 bytes"));
    }
}
