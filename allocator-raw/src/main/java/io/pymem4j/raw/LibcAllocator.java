package io.pymem4j.raw;

import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.spi.AlignedAllocation;
import io.pymem4j.spi.BlockLimit;
import io.pymem4j.spi.LayerLifecycle;

/**
 * The system allocator: libc's malloc family, as CPython's {@code _PyMem_RawMalloc} and
 * friends wrap it.
 *
 * <p>The edge cases are CPython's raw layer's: a 0-byte request becomes a 1-byte one (so
 * {@code malloc(0)} and {@code realloc(p, 0)} return a distinct non-NULL block and never
 * free), {@code calloc} with a zero argument becomes {@code calloc(1, 1)}, and sizes above
 * {@code PY_SSIZE_T_MAX} (negative longs) and overflowing calloc products return 0
 * without reaching libc. A pointer libc did not hand out is undefined behaviour in libc
 * (glibc usually aborts the process), as it is in CPython: put the debug layer on top to
 * get a report instead. Thread-safe: libc is.
 *
 * <p>A request above the instance's {@linkplain BlockLimit largest block} (a calloc's
 * product, a realloc's new size) returns 0 without reaching libc; a refused realloc leaves
 * the block as it was. glibc itself refuses most such requests (its mmap fails under the
 * kernel's overcommit heuristic), but not all of them, and not on every libc.
 *
 * <p>{@link #alignedMalloc} is C11's {@code aligned_alloc}, whose blocks glibc's {@code free}
 * and {@code realloc} take as any other.
 *
 * <p>Each runtime gets an instance of its own ({@link MallocProvider}), which its close
 * closes: libc's blocks stay allocated (libc cannot list them), and every later call on the
 * instance throws {@link IllegalStateException}. The check costs malloc, calloc and realloc
 * nothing: close sets the largest block to -1, so every request takes the refusal branch,
 * which checks; {@code free} reads one plain field. {@link #INSTANCE}, shared, is never closed.
 *
 * @since 0.1
 */
public final class LibcAllocator implements PyMemAllocatorEx, AlignedAllocation, LayerLifecycle {

    /** The instance with the machine's limit ({@link BlockLimit#machineDefault()}). */
    public static final LibcAllocator INSTANCE = new LibcAllocator(BlockLimit.machineDefault());

    /** The largest request passed to libc; larger ones return 0. -1 once closed. */
    private long maxBlock;
    /** Set by {@link #close()}; read by free and by the refusal branch of the others. */
    private boolean closed;

    private LibcAllocator(long maxBlock) {
        this.maxBlock = maxBlock;
    }

    /** A runtime's own instance, which its close closes. */
    static LibcAllocator forRuntime(long maxBlock) {
        return new LibcAllocator(maxBlock);
    }

    /**
     * libc with requests above {@code maxBlock} bytes refused: {@link #INSTANCE} for the
     * machine's limit, else a new instance (the instances share libc's heap).
     */
    public static LibcAllocator limitedTo(long maxBlock) {
        if (maxBlock <= 0) {
            throw new IllegalArgumentException("maxBlock " + maxBlock + " is not positive");
        }
        return maxBlock == INSTANCE.maxBlock ? INSTANCE : new LibcAllocator(maxBlock);
    }

    /** The largest request this instance passes to libc (-1 once closed). */
    public long maxBlock() {
        return maxBlock;
    }

    @Override
    public long malloc(long size) {
        if (size < 0 || size > maxBlock) {
            return refused();
        }
        return LibC.malloc(size == 0 ? 1 : size);
    }

    @Override
    public long calloc(long nelem, long elsize) {
        if (PyMemAllocatorEx.callocOverflows(nelem, elsize) || nelem * elsize > maxBlock) {
            return refused();
        }
        if (nelem == 0 || elsize == 0) {
            return LibC.calloc(1, 1);
        }
        return LibC.calloc(nelem, elsize);
    }

    @Override
    public long realloc(long ptr, long newSize) {
        if (newSize < 0 || newSize > maxBlock) {
            return refused();
        }
        return LibC.realloc(ptr, newSize == 0 ? 1 : newSize);
    }

    @Override
    public void free(long ptr) {
        if (closed) {
            throw closedError();
        }
        if (ptr != 0) {
            LibC.free(ptr);
        }
    }

    /** {@code aligned_alloc(alignment, size)}, 0 bytes as 1; 0 for a negative or too large size. */
    @Override
    public long alignedMalloc(long alignment, long size) {
        if (size < 0 || size > maxBlock) {
            return refused();
        }
        return LibC.alignedAlloc(alignment, size == 0 ? 1 : size);
    }

    /** A refused request: 0, or after close the error. */
    private long refused() {
        if (closed) {
            throw closedError();
        }
        return 0;
    }

    private static IllegalStateException closedError() {
        return new IllegalStateException("malloc: the runtime of this allocator is closed");
    }

    /**
     * Every later call throws {@link IllegalStateException}; libc's blocks stay allocated.
     * Does nothing on the shared {@link #INSTANCE}.
     */
    @Override
    public void close() {
        if (this != INSTANCE) {
            closed = true;
            maxBlock = -1;
        }
    }

    @Override
    public String toString() {
        return "malloc";
    }
}
