package io.pymem4j.spi;

/**
 * Allocation at a stricter alignment than the allocator contract's 16 bytes: what an
 * allocator (a backend, or a hook layer's allocator) implements to serve the runtime's
 * {@code alignedMalloc}. A block it returns is freed with the allocator's own {@code free},
 * as any block, and may be resized with its {@code realloc}, which keeps the content but
 * not the alignment (as C's {@code realloc} of an {@code aligned_alloc} block).
 *
 * <p>A hook layer passes the request down, and keeps the alignment of the block it hands
 * out; a layer that cannot serve it makes the stack refuse every aligned request.
 *
 * @since 0.1
 */
public interface AlignedAllocation {

    /**
     * Allocates {@code size} bytes at an address that is a multiple of {@code alignment}.
     * The runtime checks the arguments first: {@code alignment} is a power of two from 1 to
     * the page size, {@code size} is not negative.
     *
     * @return the block's address, or 0 when it cannot be had
     */
    long alignedMalloc(long alignment, long size);
}
