package io.pymem4j.reliability;

import io.pymem4j.api.NativeMemory;

/**
 * The content every block gets in a stress run: byte {@code o} of a block stamped with
 * {@code s} is byte {@code o % 8} (little-endian) of {@code mix(s + o / 8)}. Any two blocks,
 * and any two offsets of one block, hold different words, so a block that overlaps another,
 * moves without its content, or is written by someone else shows up as a wrong byte. The
 * pattern of a prefix is the prefix of the pattern, so a realloc is checked with the old
 * stamp over the bytes it must keep. Written and read one word at a time.
 */
final class Stamp {

    private Stamp() {
    }

    /** SplitMix64's finalizer: consecutive inputs give unrelated words. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Writes the pattern of {@code stamp} over {@code size} bytes at {@code p}. */
    static void write(long p, long size, long stamp) {
        long words = size >>> 3;
        for (long i = 0; i < words; i++) {
            NativeMemory.putLong(p + (i << 3), mix(stamp + i));
        }
        long tail = mix(stamp + words);
        for (long o = words << 3; o < size; o++) {
            NativeMemory.putByte(p + o, (byte) tail);
            tail >>>= 8;
        }
    }

    /** The offset of the first of {@code size} bytes at {@code p} that breaks the pattern of {@code stamp}, or -1. */
    static long check(long p, long size, long stamp) {
        long words = size >>> 3;
        for (long i = 0; i < words; i++) {
            long found = NativeMemory.getLong(p + (i << 3));
            long expected = mix(stamp + i);
            if (found != expected) {
                return (i << 3) + (Long.numberOfTrailingZeros(found ^ expected) >>> 3);
            }
        }
        long tail = mix(stamp + words);
        for (long o = words << 3; o < size; o++) {
            if (NativeMemory.getByte(p + o) != (byte) tail) {
                return o;
            }
            tail >>>= 8;
        }
        return -1;
    }

    /** The byte the pattern of {@code stamp} has at {@code offset}. */
    static byte expected(long stamp, long offset) {
        return (byte) (mix(stamp + (offset >>> 3)) >>> ((offset & 7) << 3));
    }
}
