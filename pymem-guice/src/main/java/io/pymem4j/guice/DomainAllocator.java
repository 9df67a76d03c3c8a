package io.pymem4j.guice;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.runtime.PyMemRuntime;

/**
 * A domain of the runtime as an allocator: every call goes through the runtime's slot, so
 * it follows the stack as it changes ({@code Tracemalloc.start} adding its layer), where an
 * allocator taken with {@code getAllocator} would keep the layers of that moment.
 */
record DomainAllocator(PyMemRuntime runtime, PyMemAllocatorDomain domain) implements PyMemAllocatorEx {

    @Override
    public long malloc(long size) {
        return runtime.malloc(domain, size);
    }

    @Override
    public long calloc(long nelem, long elsize) {
        return runtime.calloc(domain, nelem, elsize);
    }

    @Override
    public long realloc(long ptr, long newSize) {
        return runtime.realloc(domain, ptr, newSize);
    }

    @Override
    public void free(long ptr) {
        runtime.free(domain, ptr);
    }

    @Override
    public String toString() {
        return domain + " of " + runtime.currentAllocatorName();
    }
}
