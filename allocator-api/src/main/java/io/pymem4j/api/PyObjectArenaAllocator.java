package io.pymem4j.api;

/**
 * Where pymalloc gets its arenas: CPython's {@code PyObjectArenaAllocator}
 * ({@code alloc(ctx, size)} and {@code free(ctx, ptr, size)}, the object being its ctx).
 * The default, from allocator-raw, maps anonymous memory as {@code _PyObject_ArenaMmap} does.
 *
 * @since 0.1
 */
public interface PyObjectArenaAllocator {

    /** Returns {@code size} fresh bytes (page-aligned for mmap), or 0 when none can be had. */
    long alloc(long size);

    /** Gives back an arena that {@link #alloc} returned with the same {@code size}. */
    void free(long ptr, long size);
}
