package io.pymem4j.api;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The one accessor through which pymem4j reads and writes native memory by address.
 *
 * <p>Allocators hand out raw addresses, and their hot paths cannot afford a segment per
 * block, so every access goes through one segment that spans the whole address space
 * ({@code MemorySegment.NULL} reinterpreted to {@code Long.MAX_VALUE} bytes), with the
 * address as the offset. That segment checks nothing but the sign of the address: callers
 * must only touch memory they own. Code that hands memory to users gives them a
 * bounds-checked {@link #segment(long, long) segment} instead.
 *
 * <p>An access compiles to one load or store and a compare, but C2 gets there by inlining a
 * chain of JDK methods, which spends a large share of the compilation's IR nodes on every
 * access (a bare {@code VarHandle} costs as much). C2 stops inlining ordinary calls once a
 * compilation has made {@code NodeCountInliningCutoff} nodes, so a method that inlines a few
 * dozen accesses leaves the next calls, these accessors included, as real calls: which calls
 * those are decides a hot path's speed more than the count of its loads, so a change to one
 * is judged by measurement, not by reasoning ({@code docs/design-notes.md} in the
 * repository has the figures).
 *
 * @since 0.1
 */
public final class NativeMemory {

    private static final MemorySegment EVERYTHING = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfLong LONG_BE = LONG.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    /** The aligned long, for the atomic accesses, which need a naturally aligned word. */
    private static final VarHandle ATOMIC_LONG = ValueLayout.JAVA_LONG.varHandle();

    private NativeMemory() {
    }

    public static long getLong(long address) {
        return EVERYTHING.get(LONG, address);
    }

    public static void putLong(long address, long value) {
        EVERYTHING.set(LONG, address, value);
    }

    /** Reads a big-endian word, as the debug hooks store a block's size so dumps read left to right. */
    public static long getLongBigEndian(long address) {
        return EVERYTHING.get(LONG_BE, address);
    }

    public static void putLongBigEndian(long address, long value) {
        EVERYTHING.set(LONG_BE, address, value);
    }

    public static int getInt(long address) {
        return EVERYTHING.get(INT, address);
    }

    public static void putInt(long address, int value) {
        EVERYTHING.set(INT, address, value);
    }

    public static short getShort(long address) {
        return EVERYTHING.get(SHORT, address);
    }

    public static void putShort(long address, short value) {
        EVERYTHING.set(SHORT, address, value);
    }

    public static byte getByte(long address) {
        return EVERYTHING.get(BYTE, address);
    }

    public static void putByte(long address, byte value) {
        EVERYTHING.set(BYTE, address, value);
    }

    /** Copies {@code bytes} bytes from {@code src} to {@code dst}; the ranges may overlap. */
    public static void copy(long src, long dst, long bytes) {
        MemorySegment.copy(EVERYTHING, src, EVERYTHING, dst, bytes);
    }

    /** Copies {@code length} bytes at {@code address} into {@code dst} from {@code offset}. */
    public static void copyToArray(long address, byte[] dst, int offset, int length) {
        MemorySegment.copy(EVERYTHING, BYTE, address, dst, offset, length);
    }

    /**
     * A volatile read of the 8-byte-aligned word at {@code address}.
     *
     * @throws IllegalArgumentException if {@code address} is not a multiple of 8
     */
    public static long getLongVolatile(long address) {
        return (long) ATOMIC_LONG.getVolatile(EVERYTHING, address);
    }

    /**
     * Atomically sets the 8-byte-aligned word at {@code address} to {@code value} if it is
     * {@code expected}, with volatile semantics; true if it did.
     *
     * @throws IllegalArgumentException if {@code address} is not a multiple of 8
     */
    public static boolean compareAndSetLong(long address, long expected, long value) {
        return ATOMIC_LONG.compareAndSet(EVERYTHING, address, expected, value);
    }

    /**
     * Atomically replaces the 8-byte-aligned word at {@code address} by {@code value}, with
     * volatile semantics, and returns what it was.
     *
     * @throws IllegalArgumentException if {@code address} is not a multiple of 8
     */
    public static long getAndSetLong(long address, long value) {
        return (long) ATOMIC_LONG.getAndSet(EVERYTHING, address, value);
    }

    /** Copies {@code length} bytes of {@code src} from {@code offset} to {@code address}. */
    public static void copyFromArray(byte[] src, int offset, long address, int length) {
        MemorySegment.copy(src, offset, EVERYTHING, BYTE, address, length);
    }

    /** Sets {@code bytes} bytes at {@code address} to {@code value}. */
    public static void fill(long address, long bytes, byte value) {
        EVERYTHING.asSlice(address, bytes).fill(value);
    }

    /** Index of the first byte in {@code [address, address + bytes)} that is not {@code value}, or -1. */
    public static long findNot(long address, long bytes, byte value) {
        for (long i = 0; i < bytes; i++) {
            if (EVERYTHING.get(BYTE, address + i) != value) {
                return i;
            }
        }
        return -1;
    }

    /**
     * A bounds-checked view of {@code size} bytes at {@code address}: reads and writes
     * outside the block throw {@link IndexOutOfBoundsException}. The view does not own the
     * memory; it stays usable until the block is freed, and must not be used after.
     */
    public static MemorySegment segment(long address, long size) {
        if (address == 0) {
            throw new IllegalArgumentException("no segment view of NULL");
        }
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size);
        }
        return MemorySegment.ofAddress(address).reinterpret(size);
    }
}
