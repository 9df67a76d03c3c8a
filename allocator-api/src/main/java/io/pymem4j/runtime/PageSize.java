package io.pymem4j.runtime;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The platform's page size ({@code getpagesize()}, read once), the largest alignment the
 * runtime's aligned allocation takes, and the check of an alignment against it.
 */
final class PageSize {

    /** The page size in bytes; 4096 where the C library does not say. */
    static final long BYTES = read();

    private PageSize() {
    }

    private static long read() {
        Linker linker = Linker.nativeLinker();
        return linker.defaultLookup().find("getpagesize").map(symbol -> {
            MethodHandle h = linker.downcallHandle(symbol, FunctionDescriptor.of(JAVA_INT));
            try {
                int n = (int) h.invokeExact();
                return n > 0 && (n & (n - 1)) == 0 ? (long) n : 4096L;
            } catch (Throwable t) {
                return 4096L;
            }
        }).orElse(4096L);
    }

    /**
     * Refuses an alignment that is not a power of two from 1 to the page size.
     *
     * @throws IllegalArgumentException naming the alignment and the page size
     */
    static void checkAlignment(long alignment) {
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0 || alignment > BYTES) {
            throw new IllegalArgumentException("alignment " + alignment + " is not a power of two from 1 to the page size ("
                    + BYTES + ")");
        }
    }
}
