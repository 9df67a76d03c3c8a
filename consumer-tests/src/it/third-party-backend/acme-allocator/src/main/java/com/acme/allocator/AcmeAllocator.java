package com.acme.allocator;

import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.spi.MallocFamily;

import java.lang.invoke.MethodHandle;
import java.util.concurrent.atomic.LongAdder;

/**
 * The C library's malloc, calloc, realloc and free, bound here, with a count of the blocks
 * it has handed out and not yet taken back. CPython's raw semantics: 0 bytes are 1.
 */
public final class AcmeAllocator implements PyMemAllocatorEx {

    private static final MallocFamily.Downcalls LIBC =
            MallocFamily.bind(MallocFamily.defaultLookup(), "the C library", "");
    private static final MethodHandle MALLOC = LIBC.malloc();
    private static final MethodHandle CALLOC = LIBC.calloc();
    private static final MethodHandle REALLOC = LIBC.realloc();
    private static final MethodHandle FREE = LIBC.free();

    private final long maxBlock;
    private final LongAdder live = new LongAdder();

    AcmeAllocator(long maxBlock) {
        this.maxBlock = maxBlock;
    }

    /** Blocks handed out and not freed. */
    public long liveBlocks() {
        return live.sum();
    }

    @Override
    public long malloc(long size) {
        if (size > maxBlock) {
            return 0;
        }
        return counted(MallocFamily.rawMalloc(MALLOC, size));
    }

    @Override
    public long calloc(long nelem, long elsize) {
        if (PyMemAllocatorEx.callocOverflows(nelem, elsize) || nelem * elsize > maxBlock) {
            return 0;
        }
        return counted(MallocFamily.rawCalloc(CALLOC, nelem, elsize));
    }

    @Override
    public long realloc(long ptr, long newSize) {
        if (newSize > maxBlock) {
            return 0;
        }
        long p = MallocFamily.rawRealloc(REALLOC, ptr, newSize);
        if (p != 0 && ptr == 0) {
            live.increment();
        }
        return p;
    }

    @Override
    public void free(long ptr) {
        if (ptr != 0) {
            live.decrement();
            MallocFamily.free(FREE, ptr);
        }
    }

    private long counted(long p) {
        if (p != 0) {
            live.increment();
        }
        return p;
    }
}
