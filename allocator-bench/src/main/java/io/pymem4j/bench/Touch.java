package io.pymem4j.bench;

import io.netty.buffer.ByteBuf;
import io.pymem4j.api.NativeMemory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The first write every benchmark makes to a new block, as the replay's touch (see the
 * package doc): an 8-byte store at its start, one byte for blocks under 8 bytes. A NULL
 * block stops the benchmark with an {@link OutOfMemoryError} instead of a store to address 0.
 */
final class Touch {

    private Touch() {
    }

    static long block(long p, long size) {
        if (p == 0) {
            throw new OutOfMemoryError("allocation of " + size + " bytes returned NULL");
        }
        if (size >= Long.BYTES) {
            NativeMemory.putLong(p, p);
        } else if (size != 0) {
            NativeMemory.putByte(p, (byte) 1);
        }
        return p;
    }

    static ByteBuf buffer(ByteBuf b, int size) {
        if (size >= Long.BYTES) {
            b.setLong(0, size);
        } else if (size != 0) {
            b.setByte(0, 1);
        }
        return b;
    }

    static MemorySegment segment(MemorySegment m) {
        if (m.byteSize() >= Long.BYTES) {
            m.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, m.address());
        } else if (m.byteSize() != 0) {
            m.set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
        }
        return m;
    }
}
