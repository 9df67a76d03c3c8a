package io.pymem4j.debug;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.spi.BackendContext;
import io.pymem4j.spi.BackendProvider;

import java.lang.foreign.Arena;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend for tests: bump allocation from an automatic arena, so an address is never
 * handed out twice and freed memory stays readable. It records every request and fails the
 * test on a free of a block it does not own (a block passed down twice).
 */
final class TestBackend implements PyMemAllocatorEx {

    /** Requests above this fail, as a real allocator's would. */
    static final long LIMIT = 1L << 30;

    private final Arena arena = Arena.ofAuto();
    private final Map<Long, Long> live = new ConcurrentHashMap<>();
    final List<Long> requests = new CopyOnWriteArrayList<>();
    final AtomicInteger frees = new AtomicInteger();

    @Override
    public long malloc(long size) {
        requests.add(size);
        if (size < 0 || size > LIMIT) {
            return 0;
        }
        long p = arena.allocate(Math.max(size, 1), 16).address();
        live.put(p, size);
        return p;
    }

    @Override
    public long calloc(long nelem, long elsize) {
        if (PyMemAllocatorEx.callocOverflows(nelem, elsize)) {
            return 0;
        }
        long p = malloc(nelem * elsize);
        if (p != 0) {
            NativeMemory.fill(p, nelem * elsize, (byte) 0);
        }
        return p;
    }

    @Override
    public long realloc(long ptr, long newSize) {
        if (ptr == 0) {
            return malloc(newSize);
        }
        Long old = live.get(ptr);
        if (old == null) {
            throw new AssertionError("test backend: realloc of 0x" + Long.toHexString(ptr) + ", which it does not own");
        }
        long q = malloc(newSize);
        if (q == 0) {
            return 0;
        }
        NativeMemory.copy(ptr, q, Math.min(old, newSize));
        free(ptr);
        return q;
    }

    @Override
    public void free(long ptr) {
        if (ptr == 0) {
            return;
        }
        if (live.remove(ptr) == null) {
            throw new AssertionError("test backend: free of 0x" + Long.toHexString(ptr) + ", which it does not own");
        }
        frees.incrementAndGet();
    }

    int liveBlocks() {
        return live.size();
    }

    long lastRequest() {
        return requests.get(requests.size() - 1);
    }

    /** The provider "test", serving every domain with one backend instance. */
    static final class Provider implements BackendProvider {
        volatile TestBackend last;

        @Override
        public String name() {
            return "test";
        }

        @Override
        public String description() {
            return "bump allocator for tests";
        }

        @Override
        public Set<PyMemAllocatorDomain> domains() {
            return EnumSet.allOf(PyMemAllocatorDomain.class);
        }

        @Override
        public PyMemAllocatorEx create(BackendContext context) {
            last = new TestBackend();
            return last;
        }
    }
}
