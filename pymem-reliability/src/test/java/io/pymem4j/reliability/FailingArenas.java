package io.pymem4j.reliability;

import io.pymem4j.api.PyObjectArenaAllocator;

import java.util.concurrent.atomic.AtomicLong;

/**
 * An arena allocator whose calls from number {@code failFrom} on (numbered from 0) return
 * NULL, over another: how pymalloc's own failure path is reached, since the {@code failing}
 * layer sits above backends.
 */
final class FailingArenas implements PyObjectArenaAllocator {

    private final PyObjectArenaAllocator below;
    private final long failFrom;
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();

    FailingArenas(PyObjectArenaAllocator below, long failFrom) {
        this.below = below;
        this.failFrom = failFrom;
    }

    @Override
    public long alloc(long size) {
        if (calls.getAndIncrement() >= failFrom) {
            failures.incrementAndGet();
            return 0;
        }
        return below.alloc(size);
    }

    @Override
    public void free(long ptr, long size) {
        below.free(ptr, size);
    }

    long failures() {
        return failures.get();
    }
}
