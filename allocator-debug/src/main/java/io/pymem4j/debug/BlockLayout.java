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
 *
 * @since 0.1
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

    /**
     * Where a block made for an alignment above {@link #HEADER} keeps it: the word before the
     * header, in the slack the alignment leaves between the backend's block and the header.
     */
    static final int ALIGNMENT_WORD = HEADER + SST;

    /** Multiplied by a byte value, the word of eight such bytes. */
    private static final long WORD_OF_BYTES = 0x0101010101010101L;
    /** Eight FORBIDDENBYTEs: the trailing pads, read or written as one word. */
    static final long FORBIDDEN_WORD = WORD_OF_BYTES * (FORBIDDENBYTE & 0xFF);
    /** Fills up to this many bytes are word stores; longer ones one bulk fill. */
    private static final int WORD_FILL_LIMIT = 32;

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

    /**
     * The bytes the backend holds for a request of {@code size}: the request and the overhead,
     * and at least 32, so that no two blocks start in one of the {@linkplain BlockTable block
     * table}'s granules (only requests under 8 bytes without serial numbers ask for more than
     * CPython would).
     */
    long total(long size) {
        return Math.max(size + extra, 1L << LeafLayout.GRANULE_SHIFT);
    }

    /** Writes the size (big-endian), the API id and the S-1 leading pads at the backend's block {@code base}. */
    void writeHeader(long base, long size, char apiId) {
        NativeMemory.putLongBigEndian(base, size);
        NativeMemory.putLongBigEndian(base + SST, idWord(apiId));
    }

    /** Writes the S trailing pads after the data at {@code p} and, when enabled, the serial number. */
    void writeTrailer(long p, long size, long serial) {
        NativeMemory.putLong(p + size, FORBIDDEN_WORD);
        if (serialNumbers) {
            NativeMemory.putLongBigEndian(p + size + SST, serial);
        }
    }

    /**
     * The word at p-S as {@link NativeMemory#getLongBigEndian} reads it when the id byte is
     * {@code apiId} and the leading pads are intact: one compare checks both.
     */
    static long idWord(char apiId) {
        return ((long) (byte) apiId << 56) | (FORBIDDEN_WORD >>> 8);
    }

    /**
     * The id byte of a block the layer made for an alignment above {@link #HEADER}: the
     * domain's id in upper case ('R', 'M', 'O'), which tells free that the backend's block
     * starts {@link #ALIGNMENT_WORD its alignment} before the user pointer, not a header before.
     */
    static char alignedId(char apiId) {
        return Character.toUpperCase(apiId);
    }

    /** True for the id byte of a block made for an alignment above {@link #HEADER}. */
    static boolean isAlignedId(byte id) {
        return id == 'R' || id == 'M' || id == 'O';
    }

    /** The word at p-S: the id byte in the high byte, the leading pads below it. */
    static long readIdWord(long p) {
        return NativeMemory.getLongBigEndian(p - SST);
    }

    /** True when the S trailing pads of a block of {@code size} bytes at {@code p} are intact. */
    static boolean trailingPadsIntact(long p, long size) {
        return NativeMemory.getLong(p + size) == FORBIDDEN_WORD;
    }

    /**
     * Sets {@code bytes} bytes at {@code address} to {@code value}. Most of the layer's fills
     * are small (pads, small blocks): up to {@value #WORD_FILL_LIMIT} bytes they are word
     * stores, the last one overlapping the one before it, which is faster than a bulk fill's
     * set-up; longer runs are one {@link NativeMemory#fill}.
     */
    static void fill(long address, long bytes, byte value) {
        if (bytes > WORD_FILL_LIMIT) {
            NativeMemory.fill(address, bytes, value);
        } else if (bytes >= Long.BYTES) {
            long word = WORD_OF_BYTES * (value & 0xFF);
            int last = (int) bytes - Long.BYTES;
            for (int i = 0; i < last; i += Long.BYTES) {
                NativeMemory.putLong(address + i, word);
            }
            NativeMemory.putLong(address + last, word);
        } else {
            for (int i = 0; i < bytes; i++) {
                NativeMemory.putByte(address + i, value);
            }
        }
    }

    /** True when every one of {@code bytes} bytes at {@code address} is {@code value}: word reads, the last overlapping. */
    static boolean isFilled(long address, long bytes, byte value) {
        if (bytes < Long.BYTES) {
            return NativeMemory.findNot(address, bytes, value) < 0;
        }
        long word = WORD_OF_BYTES * (value & 0xFF);
        long last = address + bytes - Long.BYTES;
        for (long a = address; a < last; a += Long.BYTES) {
            if (NativeMemory.getLong(a) != word) {
                return false;
            }
        }
        return NativeMemory.getLong(last) == word;
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
