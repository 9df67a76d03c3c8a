package io.pymem4j.guard;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.spi.AlignedAllocation;
import io.pymem4j.spi.UsableSize;

/**
 * The guard hooks of one domain over the allocator below: one new block in
 * {@code guard.sample} gets the debug layer's treatment in a slot of the layer's region;
 * every other call passes straight down, its pointer unchanged and its bytes never touched.
 *
 * <p>The hot paths, for a block that is not sampled:
 * <ul>
 *   <li>malloc, calloc: the calling thread's countdown, found by
 *       its thread id, decremented; while it stays above 0 the call goes down.</li>
 *   <li>free, realloc: one range compare of the pointer with the region
 *       ({@code p - start < bytes}, unsigned); outside it the call goes down, with no
 *       lookup.</li>
 * </ul>
 * A sampled block's calls go to {@link GuardHook}, under its lock. {@code realloc(NULL, n)}
 * is a new block and counts down as malloc does; the realloc of a block that was not sampled
 * stays below, since its old size is not known here.
 *
 * <p>An aligned block ({@link #alignedMalloc}) is never sampled: a slot's user pointer has
 * the header's alignment only. It comes from the allocator below, lies outside the region,
 * and so its free and realloc go down as any unsampled block's. {@link #usableSize} is a live
 * sampled block's requested size, else what the allocator below knows.
 *
 * @since 0.1
 */
public final class GuardAllocator implements PyMemAllocatorEx, AlignedAllocation, UsableSize {

    private final GuardHook hook;
    private final PyMemAllocatorDomain domain;
    private final PyMemAllocatorEx below;
    private final SampleCountdown countdown;
    private final SampleCountdown.Counter[] counters;
    /** The region's first address and length: {@code p} is sampled iff {@code p - regionStart < regionBytes}, unsigned. */
    private final long regionStart;
    private final long regionBytes;

    GuardAllocator(GuardHook hook, PyMemAllocatorDomain domain, PyMemAllocatorEx below, SampleCountdown countdown,
                   long regionStart, long regionBytes) {
        this.hook = hook;
        this.domain = domain;
        this.below = below;
        this.countdown = countdown;
        this.counters = countdown.table();
        this.regionStart = regionStart;
        this.regionBytes = regionBytes;
    }

    /** The layer this allocator belongs to. */
    public GuardHook hook() {
        return hook;
    }

    public PyMemAllocatorDomain domain() {
        return domain;
    }

    /** The allocator this one wraps. */
    public PyMemAllocatorEx below() {
        return below;
    }

    /** True while the calling thread's countdown has not run out: its new block passes down. */
    private boolean passes() {
        long tid = Thread.currentThread().threadId();
        SampleCountdown.Counter c = counters[(int) tid & (SampleCountdown.TABLE_SIZE - 1)];
        if (c.owner != tid) {
            c = countdown.own();
        }
        return --c.remaining > 0 || countdown.rearm(c);
    }

    @Override
    public long malloc(long size) {
        if (passes()) {
            return below.malloc(size);
        }
        long p = hook.allocate(domain, size, false);
        return p != 0 ? p : below.malloc(size);
    }

    @Override
    public long calloc(long nelem, long elsize) {
        if (passes()) {
            return below.calloc(nelem, elsize);
        }
        long p = PyMemAllocatorEx.callocOverflows(nelem, elsize) ? 0 : hook.allocate(domain, nelem * elsize, true);
        return p != 0 ? p : below.calloc(nelem, elsize);
    }

    @Override
    public long realloc(long p, long newSize) {
        if (Long.compareUnsigned(p - regionStart, regionBytes) >= 0) {
            return p == 0 ? malloc(newSize) : below.realloc(p, newSize);
        }
        return hook.realloc(domain, p, newSize, below);
    }

    @Override
    public void free(long p) {
        if (Long.compareUnsigned(p - regionStart, regionBytes) >= 0) {
            below.free(p);
            return;
        }
        hook.free(domain, p);
    }

    /**
     * A block aligned to {@code alignment}, from the allocator below (never sampled).
     *
     * @throws UnsupportedOperationException when the allocator below cannot align
     */
    @Override
    public long alignedMalloc(long alignment, long size) {
        if (!(below instanceof AlignedAllocation aligned)) {
            throw new UnsupportedOperationException("guard: the allocator below, " + below
                    + ", cannot align a block to " + alignment + " bytes");
        }
        return aligned.alignedMalloc(alignment, size);
    }

    @Override
    public long usableSize(long p) {
        if (Long.compareUnsigned(p - regionStart, regionBytes) >= 0) {
            return below instanceof UsableSize u ? u.usableSize(p) : UNKNOWN;
        }
        return hook.liveSize(p);
    }

    @Override
    public String toString() {
        return "guard(" + domain + ", 1 in " + hook.config().sample() + ") over " + below;
    }
}
