package io.pymem4j.replay;

import io.pymem4j.api.PyMemAllocatorDomain;

/**
 * The four allocator calls a trace records, numbered as the {@code .pymt} tag's bits 2-3
 * number them.
 *
 * @since 0.1
 */
public enum TraceOp {
    MALLOC,
    CALLOC,
    REALLOC,
    FREE;

    private static final TraceOp[] VALUES = values();

    /** How many distinct (domain, op) tags exist: 3 domains, 4 ops, 4 bits of tag. */
    static final int TAGS = 16;

    /** The op's value in the tag (0 to 3). */
    public int value() {
        return ordinal();
    }

    /** The C function's name: malloc, calloc, realloc, free. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The op of a tag value 0 to 3. */
    public static TraceOp ofValue(int value) {
        if (value < 0 || value >= VALUES.length) {
            throw new IllegalArgumentException("no trace op " + value + " (malloc=0, calloc=1, realloc=2, free=3)");
        }
        return VALUES[value];
    }

    /** The tag byte of this op in {@code domain}: the domain in bits 0-1, the op in bits 2-3. */
    public int tag(PyMemAllocatorDomain domain) {
        return tag(domain.ordinal(), ordinal());
    }

    static int tag(int domain, int op) {
        return domain | op << 2;
    }
}
