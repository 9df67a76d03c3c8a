package io.pymem4j.api;

/**
 * CPython's three allocator domains ({@code PyMemAllocatorDomain}).
 *
 * <table>
 *   <caption>Domains</caption>
 *   <tr><th>domain</th><th>CPython entry points</th><th>default backend</th><th>caller holds the GIL</th></tr>
 *   <tr><td>RAW</td><td>PyMem_RawMalloc …</td><td>libc malloc</td><td>no: must be thread-safe</td></tr>
 *   <tr><td>MEM</td><td>PyMem_Malloc …</td><td>pymalloc</td><td>yes (GIL mode)</td></tr>
 *   <tr><td>OBJ</td><td>PyObject_Malloc …</td><td>pymalloc</td><td>yes (GIL mode)</td></tr>
 * </table>
 *
 * @since 0.1
 */
public enum PyMemAllocatorDomain {
    RAW('r'),
    MEM('m'),
    OBJ('o');

    private static final PyMemAllocatorDomain[] VALUES = values();

    private final char apiId;

    PyMemAllocatorDomain(char apiId) {
        this.apiId = apiId;
    }

    /** The id byte the debug hooks store in a block of this domain: 'r', 'm' or 'o'. */
    public char apiId() {
        return apiId;
    }

    /** The domain of a C enum value (0, 1, 2), as traces and the C API number them. */
    public static PyMemAllocatorDomain ofValue(int value) {
        if (value < 0 || value >= VALUES.length) {
            throw new IllegalArgumentException("no allocator domain " + value + " (RAW=0, MEM=1, OBJ=2)");
        }
        return VALUES[value];
    }
}
