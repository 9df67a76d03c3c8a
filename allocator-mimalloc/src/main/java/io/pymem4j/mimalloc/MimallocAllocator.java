package io.pymem4j.mimalloc;

import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.spi.MallocFamily;

/**
 * mimalloc's {@code mi_malloc} family as an allocator: what CPython 3.13+ installs in the MEM
 * and OBJ domains of a GIL build for {@code PYTHONMALLOC=mimalloc} ({@code _PyMem_MiMalloc},
 * {@code _PyObject_MiMalloc} and friends, which call {@code mi_malloc} and friends).
 *
 * <p>The edge cases are mimalloc's own, as in CPython: {@code malloc(0)} and
 * {@code calloc} with a zero argument return a unique non-NULL block, {@code realloc(p, 0)}
 * returns a new non-NULL block and frees {@code p}. Sizes above {@code PY_SSIZE_T_MAX}
 * (negative longs) and overflowing calloc products return 0 without reaching mimalloc, as
 * CPython's {@code PyMem_*} entry points check them before the allocator.
 *
 * <p>Alignment: mimalloc aligns a block to its size class, which is a multiple of the
 * word: 16 bytes for sizes that are multiples of 16 and from 16 KiB up, but only 8 bytes
 * for a block of 8, 24, 40 ... bytes (mimalloc 2.0 keeps 1-, 3-, 5- and 7-word classes).
 * Code that needs 16 must ask for multiples of 16.
 *
 * <p>One instance serves every runtime: mimalloc's state is per process (a heap per
 * thread, freed blocks returned to their owning thread's heap). Thread-safe. A pointer
 * mimalloc did not hand out is undefined behaviour in mimalloc: put the debug layer on top
 * ({@code mimalloc_debug}) to get a report instead.
 */
public final class MimallocAllocator implements PyMemAllocatorEx {

    static final MimallocAllocator INSTANCE = new MimallocAllocator();

    private MimallocAllocator() {
    }

    @Override
    public long malloc(long size) {
        return MallocFamily.malloc(MimallocLibrary.MALLOC, size);
    }

    @Override
    public long calloc(long nelem, long elsize) {
        return MallocFamily.calloc(MimallocLibrary.CALLOC, nelem, elsize);
    }

    @Override
    public long realloc(long ptr, long newSize) {
        return MallocFamily.realloc(MimallocLibrary.REALLOC, ptr, newSize);
    }

    @Override
    public void free(long ptr) {
        MallocFamily.free(MimallocLibrary.FREE, ptr);
    }

    /**
     * {@code mi_usable_size}: the bytes the block at {@code ptr} really has (its size class),
     * at least what was asked for; 0 for NULL. Only for blocks of this allocator.
     */
    public long usableSize(long ptr) {
        return MallocFamily.usableSize(MimallocLibrary.USABLE_SIZE, ptr);
    }

    /** The loaded library's version, {@code 2.0.9} for Debian 12's libmimalloc2.0. */
    public String version() {
        return MimallocLibrary.version();
    }

    @Override
    public String toString() {
        return "mimalloc";
    }
}
