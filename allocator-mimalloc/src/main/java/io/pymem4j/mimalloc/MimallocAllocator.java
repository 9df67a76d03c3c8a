package io.pymem4j.mimalloc;

import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.spi.AlignedAllocation;
import io.pymem4j.spi.BlockLimit;
import io.pymem4j.spi.LayerLifecycle;

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
 *
 * <p>A request above the instance's {@linkplain BlockLimit largest block} (a calloc's
 * product, a realloc's new size) returns 0 without reaching mimalloc; a refused realloc
 * leaves the block as it was. mimalloc reserves address space for any request it can map
 * and returns a pointer even where the memory can never be backed: without the limit the
 * first layer that writes such a block (the debug layer's CLEANBYTE fill) ends in the
 * kernel's OOM killer.
 *
 * <p>{@link #alignedMalloc} is {@code mi_malloc_aligned}, whose blocks {@code mi_free} takes.
 *
 * <p>Each runtime gets an instance of its own ({@link MimallocProvider}), which its close
 * closes. mimalloc's heaps are the process's, not the runtime's: nothing goes back but what
 * the runtime's other layers hold, and blocks still live stay allocated. Every later call on
 * the instance throws {@link IllegalStateException}, at no cost to malloc, calloc and realloc
 * (close sets the largest block to -1, so every request takes the refusal branch, which
 * checks) and one plain field read in {@code free}. {@link #INSTANCE}, shared, is never closed.
 *
 * @since 0.1
 */
public final class MimallocAllocator implements PyMemAllocatorEx, AlignedAllocation, LayerLifecycle {

    /** The instance with the machine's limit ({@link BlockLimit#machineDefault()}). */
    static final MimallocAllocator INSTANCE = new MimallocAllocator(BlockLimit.machineDefault());

    /** The largest request passed to mimalloc; larger ones return 0. -1 once closed. */
    private long maxBlock;
    /** Set by {@link #close()}; read by free and by the refusal branch of the others. */
    private boolean closed;

    private MimallocAllocator(long maxBlock) {
        this.maxBlock = maxBlock;
    }

    /** A runtime's own instance, which its close closes (every instance shares mimalloc's heaps). */
    static MimallocAllocator forRuntime(long maxBlock) {
        return new MimallocAllocator(maxBlock);
    }

    /** The largest request this instance passes to mimalloc (-1 once closed). */
    public long maxBlock() {
        return maxBlock;
    }

    @Override
    public long malloc(long size) {
        if (size < 0 || size > maxBlock) {
            return refused();
        }
        return MimallocLibrary.malloc(size);
    }

    @Override
    public long calloc(long nelem, long elsize) {
        if (PyMemAllocatorEx.callocOverflows(nelem, elsize) || nelem * elsize > maxBlock) {
            return refused();
        }
        return MimallocLibrary.calloc(nelem, elsize);
    }

    @Override
    public long realloc(long ptr, long newSize) {
        if (newSize < 0 || newSize > maxBlock) {
            return refused();
        }
        return MimallocLibrary.realloc(ptr, newSize);
    }

    @Override
    public void free(long ptr) {
        if (closed) {
            throw closedError();
        }
        if (ptr != 0) {
            MimallocLibrary.free(ptr);
        }
    }

    /** {@code mi_malloc_aligned(size, alignment)}; 0 for a negative or too large size. */
    @Override
    public long alignedMalloc(long alignment, long size) {
        if (size < 0 || size > maxBlock) {
            return refused();
        }
        return MimallocLibrary.mallocAligned(size, alignment);
    }

    /** A refused request: 0, or after close the error. */
    private long refused() {
        if (closed) {
            throw closedError();
        }
        return 0;
    }

    private static IllegalStateException closedError() {
        return new IllegalStateException("mimalloc: the runtime of this allocator is closed");
    }

    /**
     * Every later call throws {@link IllegalStateException}; mimalloc's blocks stay allocated.
     * Does nothing on the shared {@link #INSTANCE}.
     */
    @Override
    public void close() {
        if (this != INSTANCE) {
            closed = true;
            maxBlock = -1;
        }
    }

    /**
     * {@code mi_usable_size}: the bytes the block at {@code ptr} really has (its size class),
     * at least what was asked for; 0 for NULL. Only for blocks of this allocator.
     */
    public long usableSize(long ptr) {
        return ptr == 0 ? 0 : MimallocLibrary.usableSize(ptr);
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
