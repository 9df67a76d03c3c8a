package io.pymem4j.pymalloc;

import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.raw.LibcAllocator;

import java.util.concurrent.atomic.AtomicInteger;

/** libc underneath, counting each entry point, and able to refuse malloc/calloc on demand. */
final class CountingRaw implements PyMemAllocatorEx {

    final AtomicInteger mallocs = new AtomicInteger();
    final AtomicInteger callocs = new AtomicInteger();
    final AtomicInteger reallocs = new AtomicInteger();
    final AtomicInteger frees = new AtomicInteger();
    volatile boolean failing;

    @Override
    public long malloc(long size) {
        mallocs.incrementAndGet();
        return failing ? 0 : LibcAllocator.INSTANCE.malloc(size);
    }

    @Override
    public long calloc(long nelem, long elsize) {
        callocs.incrementAndGet();
        return failing ? 0 : LibcAllocator.INSTANCE.calloc(nelem, elsize);
    }

    @Override
    public long realloc(long ptr, long newSize) {
        reallocs.incrementAndGet();
        return LibcAllocator.INSTANCE.realloc(ptr, newSize);
    }

    @Override
    public void free(long ptr) {
        frees.incrementAndGet();
        LibcAllocator.INSTANCE.free(ptr);
    }
}
