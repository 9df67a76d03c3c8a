package io.pymem4j.api;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PyMemAllocatorEx#callocOverflows} is CPython's check,
 * {@code elsize != 0 && nelem > PY_SSIZE_T_MAX / elsize} on {@code size_t}: negative longs
 * stand for sizes at or above 2^63.
 */
class CallocOverflowsTest {

    @Test
    void aProductAboveSsizeMaxOverflows() {
        assertTrue(PyMemAllocatorEx.callocOverflows(Long.MAX_VALUE / 2 + 1, 2));
        assertTrue(PyMemAllocatorEx.callocOverflows(1L << 32, 1L << 32));
        assertFalse(PyMemAllocatorEx.callocOverflows(Long.MAX_VALUE / 2, 2));
        assertFalse(PyMemAllocatorEx.callocOverflows(Long.MAX_VALUE, 1));
    }

    @Test
    void aSizeAboveSsizeMaxTimesANonZeroSizeOverflows() {
        assertTrue(PyMemAllocatorEx.callocOverflows(-1, 1));
        assertTrue(PyMemAllocatorEx.callocOverflows(1, -1));
        assertTrue(PyMemAllocatorEx.callocOverflows(Long.MIN_VALUE, 1));
        assertTrue(PyMemAllocatorEx.callocOverflows(1, Long.MIN_VALUE));
        assertTrue(PyMemAllocatorEx.callocOverflows(-1, -1));
    }

    @Test
    void zeroTimesAnySizeIsZeroAndDoesNotOverflow() {
        for (long n : new long[]{0, 1, Long.MAX_VALUE, Long.MIN_VALUE, -1}) {
            assertFalse(PyMemAllocatorEx.callocOverflows(0, n), "calloc(0, " + Long.toUnsignedString(n) + ")");
            assertFalse(PyMemAllocatorEx.callocOverflows(n, 0), "calloc(" + Long.toUnsignedString(n) + ", 0)");
        }
    }
}
