package io.pymem4j.spi;

/**
 * How many bytes a pointer may be used for, as far as a layer knows: what a layer implements
 * (on the allocator it wraps a domain with, or on a backend) when it knows the sizes of its
 * blocks, so that a bounds-checked view of a block can refuse a length past its end. The
 * debug layer knows each live block's requested size; pymalloc the size class of its pool
 * blocks.
 *
 * <p>The answer must come from the layer's own records, never from reading memory at the
 * pointer (which may be anything): a pointer the layer cannot vouch for is {@link #UNKNOWN}.
 *
 * @since 0.1
 */
public interface UsableSize {

    /** The answer for a pointer the layer knows nothing of. */
    long UNKNOWN = -1;

    /**
     * The bytes usable from {@code p} to the end of its block (at least what was asked for),
     * or {@link #UNKNOWN}.
     */
    long usableSize(long p);
}
