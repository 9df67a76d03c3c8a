package io.pymem4j.api;

/**
 * One domain's allocator: CPython's {@code PyMemAllocatorEx} as a Java interface.
 *
 * <h2>Mapping from the C struct</h2>
 * <pre>
 *   typedef struct {                                  // Java
 *       void *ctx;                                    // the implementing object itself
 *       void* (*malloc) (void *ctx, size_t size);     // long malloc(long size)
 *       void* (*calloc) (void *ctx, size_t nelem,     // long calloc(long nelem, long elsize)
 *                        size_t elsize);
 *       void* (*realloc)(void *ctx, void *ptr,        // long realloc(long ptr, long newSize)
 *                        size_t new_size);
 *       void  (*free)   (void *ctx, void *ptr);       // void free(long ptr)
 *   } PyMemAllocatorEx;
 * </pre>
 * Pointers are native addresses held in a {@code long}; {@code 0} is NULL. Sizes are
 * {@code size_t} values held in a signed {@code long}: a negative value is a size above
 * {@code PY_SSIZE_T_MAX}, which CPython refuses.
 *
 * <h2>Contract (every implementation, tested by the contract tests of allocator-api)</h2>
 * <ul>
 *   <li>{@code malloc(0)} returns a unique, non-NULL pointer that can be freed.</li>
 *   <li>A negative size (above {@code PY_SSIZE_T_MAX}) makes {@code malloc} and
 *       {@code realloc} return 0 and leaves everything as it was.</li>
 *   <li>{@code calloc} returns zeroed memory; it returns 0 when the {@code size_t} product
 *       {@code nelem * elsize} is above {@code PY_SSIZE_T_MAX} (a negative argument times
 *       anything but 0 is); a product of 0 gives a unique non-NULL pointer, whatever the
 *       other argument ({@code calloc(0, n)} with {@code n} at or above 2^63 too, as in
 *       CPython).</li>
 *   <li>{@code realloc(0, n)} is {@code malloc(n)}; {@code realloc(p, 0)} returns a non-NULL
 *       block (it is not a free); the content up to the smaller size is kept.</li>
 *   <li>A failed {@code realloc} returns 0 and leaves the old block valid and unchanged.</li>
 *   <li>{@code free(0)} does nothing.</li>
 *   <li>Blocks are aligned to at least 16 bytes where the backend says so (libc and
 *       pymalloc on 64-bit do); a layer keeps the alignment of the layer below it.</li>
 * </ul>
 * Calls may come from any thread unless an implementation documents otherwise (the MEM and
 * OBJ domains of a runtime in GIL mode, whose callers promise to hold the interpreter lock).
 * What a pointer that this allocator did not hand out does to {@code free} or
 * {@code realloc} is the implementation's documented business: the debug layer reports it,
 * libc's behaviour is libc's.
 *
 * @since 0.1
 */
public interface PyMemAllocatorEx {

    /** Allocates {@code size} bytes; returns the block's address, or 0. */
    long malloc(long size);

    /** Allocates {@code nelem * elsize} zeroed bytes; returns the block's address, or 0. */
    long calloc(long nelem, long elsize);

    /** Resizes the block at {@code ptr} (0 means allocate); returns the new address, or 0. */
    long realloc(long ptr, long newSize);

    /** Frees the block at {@code ptr}; 0 is ignored. */
    void free(long ptr);

    /**
     * True when {@code nelem * elsize} is not a valid size: a product above
     * {@code PY_SSIZE_T_MAX}, the rule of CPython's calloc entry points
     * ({@code elsize != 0 && nelem > PY_SSIZE_T_MAX / elsize} on {@code size_t}). A negative
     * argument is a {@code size_t} at or above 2^63: its product with anything but 0
     * overflows, and with 0 it is 0, a valid size.
     */
    static boolean callocOverflows(long nelem, long elsize) {
        return nelem != 0 && elsize != 0 && (nelem < 0 || elsize < 0 || nelem > Long.MAX_VALUE / elsize);
    }
}
