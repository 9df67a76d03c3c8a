package io.pymem4j.runtime;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;

/**
 * The slot of a domain before its runtime's first use: the first call through it marks the
 * runtime used (which puts the stack's real allocators in the slots), then forwards.
 */
final class FirstUse implements PyMemAllocatorEx {
    private final PyMemRuntime runtime;
    private final PyMemAllocatorDomain domain;

    FirstUse(PyMemRuntime runtime, PyMemAllocatorDomain domain) {
        this.runtime = runtime;
        this.domain = domain;
    }

    PyMemAllocatorEx open() {
        return runtime.open(domain);
    }

    @Override
    public long malloc(long size) {
        return open().malloc(size);
    }

    @Override
    public long calloc(long nelem, long elsize) {
        return open().calloc(nelem, elsize);
    }

    @Override
    public long realloc(long ptr, long newSize) {
        return open().realloc(ptr, newSize);
    }

    @Override
    public void free(long ptr) {
        open().free(ptr);
    }
}
