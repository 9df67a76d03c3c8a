package io.pymem4j.spi;

import io.pymem4j.api.PyMemAllocatorDomain;

import java.util.List;

/**
 * Where a report finds the traceback of a live block's allocation: CPython's
 * {@code _PyMem_DumpTraceback}, which tracemalloc serves. A hook layer whose {@link Hook}
 * implements this offers it; another layer finds it with
 * {@link RuntimeView#findHook(Class)}, so neither module depends on the
 * other. Without one, the debug layer's report says "Enable tracemalloc to get the memory
 * block allocation traceback", as CPython's does when tracemalloc is not tracing.
 */
public interface BlockTracebacks {

    /** One frame of a traceback, as a report prints it: a file name and a line number. */
    record SourceLine(String filename, int lineno) {
    }

    /** True while allocations are traced. */
    boolean tracing();

    /**
     * The frames where the block at {@code address} of {@code domain} was allocated, most
     * recent first, or null when the block is not traced.
     */
    List<SourceLine> frames(PyMemAllocatorDomain domain, long address);
}
