package io.pymem4j.failing;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;

/**
 * The failing layer in one domain: {@code malloc}, {@code calloc} and {@code realloc} ask the
 * {@link FailingHook} whether this call fails, and return 0 without reaching the allocator
 * below when it does; otherwise every call, and every {@code free}, goes through unchanged.
 * A failed {@code realloc} leaves the old block where and as it was, as the contract of a
 * failed realloc requires.
 */
public final class FailingAllocator implements PyMemAllocatorEx {

    private final FailingHook hook;
    private final PyMemAllocatorDomain domain;
    private final PyMemAllocatorEx below;
    private final int domainBit;

    FailingAllocator(FailingHook hook, PyMemAllocatorDomain domain, PyMemAllocatorEx below) {
        this.hook = hook;
        this.domain = domain;
        this.below = below;
        this.domainBit = 1 << domain.ordinal();
    }

    public PyMemAllocatorDomain domain() {
        return domain;
    }

    /** The allocator this one wraps. */
    public PyMemAllocatorEx below() {
        return below;
    }

    @Override
    public long malloc(long size) {
        return hook.fails(domainBit) ? 0 : below.malloc(size);
    }

    @Override
    public long calloc(long nelem, long elsize) {
        return hook.fails(domainBit) ? 0 : below.calloc(nelem, elsize);
    }

    @Override
    public long realloc(long ptr, long newSize) {
        return hook.fails(domainBit) ? 0 : below.realloc(ptr, newSize);
    }

    @Override
    public void free(long ptr) {
        below.free(ptr);
    }

    @Override
    public String toString() {
        return "failing(" + domain + ") over " + below;
    }
}
