package io.pymem4j.guard;

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

/**
 * A backend for tests: every block it hands out is filled with {@link #PATTERN}, and it
 * records each pointer it returned and each it was given back, so a test sees what the layer
 * above did to them. Blocks come from an automatic arena and are never reused, with
 * {@value #SLACK} bytes of slack after each, so a test may write just past a block's end; a
 * free of a block it does not own fails the test.
 */
final class PatternBackend implements PyMemAllocatorEx {

    /** The byte every new block holds. */
    static final byte PATTERN = 0x5A;
    /** Bytes after each block that belong to no other block. */
    static final int SLACK = 16;

    private final Arena arena = Arena.ofAuto();
    private final Map<Long, Long> live = new ConcurrentHashMap<>();
    final List<Long> returned = new CopyOnWriteArrayList<>();
    final List<Long> freed = new CopyOnWriteArrayList<>();
    final List<Long> reallocated = new CopyOnWriteArrayList<>();

    @Override
    public long malloc(long size) {
        if (size < 0 || size > (1L << 30)) {
            return 0;
        }
        long p = arena.allocate(size + SLACK, 16).address();
        NativeMemory.fill(p, Math.max(size, 1), PATTERN);
        live.put(p, size);
        returned.add(p);
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
            throw new AssertionError("pattern backend: realloc of 0x" + Long.toHexString(ptr) + ", which it does not own");
        }
        reallocated.add(ptr);
        long q = malloc(newSize);
        if (q == 0) {
            return 0;
        }
        NativeMemory.copy(ptr, q, Math.min(old, newSize));
        live.remove(ptr);
        freed.add(ptr);
        return q;
    }

    @Override
    public void free(long ptr) {
        if (ptr == 0) {
            return;
        }
        if (live.remove(ptr) == null) {
            throw new AssertionError("pattern backend: free of 0x" + Long.toHexString(ptr) + ", which it does not own");
        }
        freed.add(ptr);
    }

    /** The provider "pattern", serving every domain with one backend instance. */
    static final class Provider implements BackendProvider {
        volatile PatternBackend last;

        @Override
        public String name() {
            return "pattern";
        }

        @Override
        public String description() {
            return "pattern-filled bump allocator for tests";
        }

        @Override
        public Set<PyMemAllocatorDomain> domains() {
            return EnumSet.allOf(PyMemAllocatorDomain.class);
        }

        @Override
        public PyMemAllocatorEx create(BackendContext context) {
            last = new PatternBackend();
            return last;
        }
    }
}
