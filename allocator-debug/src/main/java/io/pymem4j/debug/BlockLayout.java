package io.pymem4j.debug;

import io.pymem4j.api.NativeMemory;

/**
 * Where the debug layer keeps its bookkeeping around a block, and the byte values it fills
 * with: CPython's {@code PYMEM_CLEANBYTE}, {@code PYMEM_DEADBYTE}, {@code PYMEM_FORBIDDENBYTE}
 * ({@code pycore_pymem.h}), {@code write_size_t}/{@code read_size_t} and
 * {@code PYMEM_DEBUG_EXTRA_BYTES} ({@code obmalloc.c}). The diagram is in the package
 * documentation.
 *
 * <p>One instance per layer: the serial number is optional ({@code debug.serialno}), which
 * changes the overhead from 4S to CPython's default 3S.
 */
public final class BlockLayout {

    /** {@code SST}, {@code sizeof(size_t)}: the width of the size field and of each pad run. */
    public static final int SST = 8;
    /** Bytes between the block the backend returned and the user pointer: size field, id, pads. */
    public static final int HEADER = 2 * SST;
    /** {@code PYMEM_CLEANBYTE}: new, not yet written bytes (not calloc's, which are zero). */
    public static final byte CLEANBYTE = (byte) 0xCD;
    /** {@code PYMEM_DEADBYTE}: freed bytes. */
    public static final byte DEADBYTE = (byte) 0xDD;
    /** {@code PYMEM_FORBIDDENBYTE}: the pads around the data. */
    public static final byte FORBIDDENBYTE = (byte) 0xFD;

    private final boolean serialNumbers;
    private final long extra;

    public BlockLayout(boolean serialNumbers) {
        this.serialNumbers = serialNumbers;
        this.extra = (serialNumbers ? 4L : 3L) * SST;
    }

    /** True when each block carries its serial number after the trailing pads. */
    public boolean serialNumbers() {
        return serialNumbers;
    }

    /** {@code PYMEM_DEBUG_EXTRA_BYTES}: 3S, or 4S with serial numbers. */
    public long extraBytes() {
        return extra;
    }

    /** The largest request the layer passes down: larger ones return NULL, as in CPython. */
    public long maxRequest() {
        return Long.MAX_VALUE - extra;
    }

    /** The bytes the backend holds for a request of {@code size}. */
    long total(long size) {
        return size + extra;
    }

    /** Writes the size (big-endian), the API id and the S-1 leading pads at the backend's block {@code base}. */
    void writeHeader(long base, long size, char apiId) {
        NativeMemory.putLongBigEndian(base, size);
        NativeMemory.putByte(base + SST, (byte) apiId);
        NativeMemory.fill(base + SST + 1, SST - 1, FORBIDDENBYTE);
    }

    /** Writes the S trailing pads after the data at {@code p} and, when enabled, the serial number. */
    void writeTrailer(long p, long size, long serial) {
        NativeMemory.fill(p + size, SST, FORBIDDENBYTE);
        if (serialNumbers) {
            NativeMemory.putLongBigEndian(p + size + SST, serial);
        }
    }

    /** The size field of the block at user pointer {@code p}. */
    static long readSize(long p) {
        return NativeMemory.getLongBigEndian(p - HEADER);
    }

    /** The API id byte of the block at user pointer {@code p}. */
    static byte readId(long p) {
        return NativeMemory.getByte(p - SST);
    }

    /** The serial number field of a block of {@code size} bytes at {@code p}. */
    static long readSerial(long p, long size) {
        return NativeMemory.getLongBigEndian(p + size + SST);
    }

    /**
     * {@code _PyMem_IsPtrFreed}: true when a pointer value read from a block looks like one
     * of the debug fills (or NULL), so the object that held it is freed or was never set up.
     */
    public static boolean isPtrFreed(long value) {
        return value == 0 || value == 0xCDCDCDCDCDCDCDCDL || value == 0xDDDDDDDDDDDDDDDDL
                || value == 0xFDFDFDFDFDFDFDFDL;
    }
}
