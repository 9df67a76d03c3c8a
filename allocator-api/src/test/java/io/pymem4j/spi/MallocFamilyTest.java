package io.pymem4j.spi;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The edge cases of a malloc family's calls, checked on handles to Java methods that record
 * what reaches "the library"; and the binding itself, on the process's own C library.
 */
class MallocFamilyTest {

    private static final List<String> CALLS = new ArrayList<>();
    private static final long BLOCK = 0x1000;

    private static final MethodHandle MALLOC = recorder("malloc", long.class, long.class);
    private static final MethodHandle CALLOC = recorder("calloc", long.class, long.class, long.class);
    private static final MethodHandle REALLOC = recorder("realloc", long.class, long.class, long.class);
    private static final MethodHandle FREE = recorder("free", void.class, long.class);

    static long malloc(long size) {
        CALLS.add("malloc(" + size + ")");
        return BLOCK;
    }

    static long calloc(long nelem, long elsize) {
        CALLS.add("calloc(" + nelem + ", " + elsize + ")");
        return BLOCK;
    }

    static long realloc(long ptr, long size) {
        CALLS.add("realloc(" + ptr + ", " + size + ")");
        return BLOCK;
    }

    static void free(long ptr) {
        CALLS.add("free(" + ptr + ")");
    }

    private static MethodHandle recorder(String name, Class<?> returns, Class<?>... parameters) {
        try {
            return MethodHandles.lookup().findStatic(MallocFamilyTest.class, name, MethodType.methodType(returns, parameters));
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    @BeforeEach
    void forget() {
        CALLS.clear();
    }

    @Test
    void rawCallsAskForOneByteWhereZeroWasAsked() {
        assertEquals(BLOCK, MallocFamily.rawMalloc(MALLOC, 0));
        assertEquals(BLOCK, MallocFamily.rawRealloc(REALLOC, 7, 0));
        assertEquals(BLOCK, MallocFamily.rawCalloc(CALLOC, 0, 8));
        assertEquals(BLOCK, MallocFamily.rawCalloc(CALLOC, 8, 0));
        assertEquals(List.of("malloc(1)", "realloc(7, 1)", "calloc(1, 1)", "calloc(1, 1)"), CALLS);
    }

    @Test
    void rawCallsPassOtherSizesAsTheyAre() {
        MallocFamily.rawMalloc(MALLOC, 24);
        MallocFamily.rawRealloc(REALLOC, 7, 40);
        MallocFamily.rawCalloc(CALLOC, 3, 8);
        assertEquals(List.of("malloc(24)", "realloc(7, 40)", "calloc(3, 8)"), CALLS);
    }

    @Test
    void theLibrarysOwnCallsLeaveZeroToTheLibrary() {
        MallocFamily.malloc(MALLOC, 0);
        MallocFamily.realloc(REALLOC, 7, 0);
        MallocFamily.calloc(CALLOC, 0, 8);
        assertEquals(List.of("malloc(0)", "realloc(7, 0)", "calloc(0, 8)"), CALLS);
    }

    @Test
    void negativeSizesAndOverflowingProductsReturnNullWithoutACall() {
        assertEquals(0, MallocFamily.rawMalloc(MALLOC, -1));
        assertEquals(0, MallocFamily.malloc(MALLOC, Long.MIN_VALUE));
        assertEquals(0, MallocFamily.rawRealloc(REALLOC, 7, -1));
        assertEquals(0, MallocFamily.realloc(REALLOC, 7, -1));
        assertEquals(0, MallocFamily.rawCalloc(CALLOC, Long.MAX_VALUE / 2, 3));
        assertEquals(0, MallocFamily.calloc(CALLOC, -1, 1));
        assertEquals(List.of(), CALLS);
    }

    @Test
    void freeOfNullMakesNoCall() {
        MallocFamily.free(FREE, 0);
        MallocFamily.free(FREE, 7);
        assertEquals(List.of("free(7)"), CALLS);
    }

    @Test
    void usableSizeOfNullIsZeroWithoutACall() {
        assertEquals(0, MallocFamily.usableSize(MALLOC, 0));
        assertEquals(BLOCK, MallocFamily.usableSize(MALLOC, 7));
        assertEquals(List.of("malloc(7)"), CALLS);
    }

    @Test
    void whatACallThrowsComesOutAsItIs() {
        OutOfMemoryError oom = new OutOfMemoryError("refused");
        MethodHandle refusing = MethodHandles.dropArguments(
                MethodHandles.throwException(long.class, OutOfMemoryError.class).bindTo(oom), 0, long.class);
        assertSame(oom, assertThrows(OutOfMemoryError.class, () -> MallocFamily.rawMalloc(refusing, 16)));
    }

    @Test
    void theProcesssCLibraryBindsAndServesABlock() {
        MallocFamily.Downcalls libc = MallocFamily.bind(MallocFamily.defaultLookup(), "libc", "");
        long p = MallocFamily.rawCalloc(libc.calloc(), 4, 8);
        assertNotEquals(0, p);
        long q = MallocFamily.rawRealloc(libc.realloc(), p, 64);
        assertNotEquals(0, q);
        MallocFamily.free(libc.free(), q);
    }

    @Test
    void aMissingSymbolNamesTheLibraryAndTheSymbol() {
        SymbolLookup libc = MallocFamily.defaultLookup();
        UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class, () -> MallocFamily.bind(libc, "libc", "pymem4j_"));
        assertEquals("libc has no symbol pymem4j_malloc", e.getMessage());
    }

    @Test
    void aMissingLibraryIsAReasonWithTheHint() {
        assertEquals("libpymem4j-absent.so.1 cannot be opened: install nothing",
                MallocFamily.unusable("libpymem4j-absent.so.1", "", "install nothing"));
        assertThrows(IllegalArgumentException.class, () -> MallocFamily.open("libpymem4j-absent.so.1"));
    }

    @Test
    void theProcesssOwnMallocIsNoAllocatorLibrary() {
        assertEquals("libc.so.6's malloc is the process's malloc (preloaded, or not the allocator library?)",
                MallocFamily.unusable("libc.so.6", "", "install glibc"));
    }

    @Test
    void aLibraryWithoutThePrefixedMallocIsNoAllocatorLibrary() {
        assertEquals("libc.so.6 has no pymem4j_malloc", MallocFamily.unusable("libc.so.6", "pymem4j_", "install glibc"));
    }
}
