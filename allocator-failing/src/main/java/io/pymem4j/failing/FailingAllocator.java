package io.pymem4j.failing;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.spi.AlignedAllocation;
import io.pymem4j.spi.UsableSize;

/**
 * The failing layer in one domain: {@code malloc}, {@code calloc} and {@code realloc} ask the
 * {@link FailingHook} whether this call fails, and return 0 without reaching the allocator
 * below when it does; otherwise every call, and every {@code free}, goes through unchanged.
 * A failed {@code realloc} leaves the old block where and as it was, as the contract of a
 * failed realloc requires. An aligned allocation is numbered as a malloc; usable sizes are
 * the layer below's.
 *
 * @since 0.1
 */
public final class FailingAllocator implements PyMemAllocatorEx, AlignedAllocation, UsableSize {

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
    public long alignedMalloc(long alignment, long size) {
        if (!(below instanceof AlignedAllocation aligned)) {
            throw new UnsupportedOperationException("failing: the allocator below, " + below
                    + ", cannot align a block to " + alignment + " bytes");
        }
        return hook.fails(domainBit) ? 0 : aligned.alignedMalloc(alignment, size);
    }

    @Override
    public long usableSize(long p) {
        return below instanceof UsableSize u ? u.usableSize(p) : UNKNOWN;
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
