package io.pymem4j.pymalloc;

import io.pymem4j.api.PyObjectArenaAllocator;
import io.pymem4j.raw.MmapArenaAllocator;

import java.util.HashMap;
import java.util.Map;

/**
 * An arena allocator for tests: mmap underneath, counting maps and unmaps, able to fail on
 * demand, and (when {@code misalignBy} is set) handing out arenas at a known offset from an
 * arena-size boundary so the "lost to arena alignment" figures are deterministic.
 */
final class CountingArenas implements PyObjectArenaAllocator {

    int allocs;
    int frees;
    boolean failing;
    private final long misalignBy;
    private final Map<Long, long[]> mappings = new HashMap<>();

    /** Plain mmap arenas (page-aligned only). */
    CountingArenas() {
        this(-1);
    }

    /**
     * Arenas that start {@code misalignBy} bytes past a boundary of twice their size (so an
     * arena and the slot after it share one arena map leaf); -1 for plain mmap.
     */
    CountingArenas(long misalignBy) {
        this.misalignBy = misalignBy;
    }

    @Override
    public synchronized long alloc(long size) {
        if (failing) {
            return 0;
        }
        allocs++;
        if (misalignBy < 0) {
            return MmapArenaAllocator.INSTANCE.alloc(size);
        }
        long span = 4 * size;
        long base = MmapArenaAllocator.INSTANCE.alloc(span);
        long arena = ((base + 2 * size - 1) & -(2 * size)) + misalignBy;
        mappings.put(arena, new long[]{base, span});
        return arena;
    }

    @Override
    public synchronized void free(long ptr, long size) {
        frees++;
        long[] m = mappings.remove(ptr);
        if (m == null) {
            MmapArenaAllocator.INSTANCE.free(ptr, size);
        } else {
            MmapArenaAllocator.INSTANCE.free(m[0], m[1]);
        }
    }

    synchronized int live() {
        return allocs - frees;
    }
}
