package io.pymem4j.debug;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.spi.BlockTracebacks;

import java.util.List;

import static io.pymem4j.debug.BlockLayout.DEADBYTE;
import static io.pymem4j.debug.BlockLayout.FORBIDDENBYTE;
import static io.pymem4j.debug.BlockLayout.HEADER;
import static io.pymem4j.debug.BlockLayout.SST;

/**
 * Writes the reports: CPython's {@code _PyObject_DebugDumpAddress} line for line, the
 * tracemalloc part ({@code _PyMem_DumpTraceback}) and the {@code Fatal Python error} line,
 * plus the reports of what CPython does not catch. Every report ends with a newline.
 *
 * <p>Differences from CPython's dump, all on purpose:
 * <ul>
 *   <li>The size and the serial number printed are the ones the layer recorded when it made
 *       the block; a header field that no longer matches gets its own {@code *** OUCH} line,
 *       and the trailing pads are read where the recorded size puts them, so a smashed size
 *       field cannot send the dump into unmapped memory.</li>
 *   <li>An id byte that is not printable ASCII is shown as {@code \xNN} (C prints the raw byte).</li>
 *   <li>A freed block (a double free, a write after free) still shows where it was allocated,
 *       and where it was freed, when tracemalloc traced it: the layer keeps the ids of both
 *       tracebacks with the freed block ({@link BlockTracebacks#framesOf(int)}).</li>
 *   <li>With {@code debug.frames=java}, a Java frame is printed as Java prints it,
 *       {@code   at com.example.Foo.bar(Foo.java:25)}, in place of CPython's
 *       {@code   File "com/example/Foo.java", line 25}.</li>
 * </ul>
 */
final class BlockReport {

    /** Bad bytes listed in a write-after-free report before "and N more". */
    static final int MAX_LISTED = 16;
    static final String ALLOCATED_AT = "Memory block allocated at (most recent call first):";
    static final String FREED_AT = "Memory block freed at (most recent call first):";
    static final String MOVED_AT = "Memory block moved by realloc at (most recent call first):";

    private final StringBuilder out = new StringBuilder(512);
    private final boolean javaFrames;

    private BlockReport(boolean javaFrames) {
        this.javaFrames = javaFrames;
    }

    /** The dump of a live block that failed a check, then the fatal line. */
    static String corruptBlock(long p, LiveBlock block, BlockLayout layout, String function, String message,
                               BlockTracebacks tracebacks, boolean javaFrames) {
        BlockReport r = new BlockReport(javaFrames);
        r.dump(p, block, layout);
        r.traceback(tracebacks, block.domain(), p);
        r.fatal(function, message);
        return r.out.toString();
    }

    /**
     * The report of a quarantined block whose DEADBYTE fill was written over; {@code ids} are
     * its allocation and free traceback ids ({@link FreeHistory#tracebacks(int, int)}).
     */
    static String writtenAfterFree(long p, LiveBlock block, BlockLayout layout, String function,
                                   BlockTracebacks tracebacks, long ids, boolean javaFrames) {
        BlockReport r = new BlockReport(javaFrames);
        long size = block.size();
        long total = layout.total(size);
        long base = p - HEADER;
        r.out.append("Debug memory block at address p=").append(hex(p)).append(": API '")
                .append(block.domain().apiId()).append("'\n");
        r.line("    " + size + " bytes originally requested");
        r.line("    The block was freed and kept in quarantine; its " + total + " bytes from p-" + HEADER
                + " are not all DEADBYTE (0x" + hex2(DEADBYTE) + "):");
        int listed = 0;
        long more = 0;
        for (long i = NativeMemory.findNot(base, total, DEADBYTE); i >= 0 && i < total; i++) {
            byte b = NativeMemory.getByte(base + i);
            if (b == DEADBYTE) {
                continue;
            }
            if (listed < MAX_LISTED) {
                r.line("        at " + where(i - HEADER, size) + ": 0x" + hex2(b) + " *** OUCH");
                listed++;
            } else {
                more++;
            }
        }
        if (more > 0) {
            r.line("        and " + more + " more bytes that are not DEADBYTE");
        }
        r.serialAndData(p, block, layout);
        r.freedTracebacks(tracebacks, block.domain(), p, ids, false);
        r.fatal(function, "write after free");
        return r.out.toString();
    }

    /**
     * The report of a pointer that is not a live block; {@code explanation} says what the
     * layer knows of it. The pointer's memory is not read. For a block freed before (a double
     * free, a use after free), {@code ids} are its allocation and free traceback ids, and
     * {@code moved} says the free was a realloc that moved it.
     */
    static String notLive(long p, List<String> explanation, String function, String message,
                          BlockTracebacks tracebacks, long ids, boolean moved, boolean javaFrames) {
        BlockReport r = new BlockReport(javaFrames);
        r.line("Debug memory block at address p=" + hex(p) + ": not a live block of this layer");
        for (String e : explanation) {
            r.line("    " + e);
        }
        r.line("    Its memory was not read: it may no longer belong to the process.");
        r.line("");
        r.freedTracebacks(tracebacks, null, p, ids, moved);
        r.fatal(function, message);
        return r.out.toString();
    }

    /** {@code _PyObject_DebugDumpAddress}, then the empty line before the traceback part. */
    private void dump(long p, LiveBlock block, BlockLayout layout) {
        long size = block.size();
        out.append("Debug memory block at address p=").append(hex(p)).append(": API '")
                .append(idChar(BlockLayout.readId(p))).append("'\n");
        line("    " + size + " bytes originally requested");
        long field = BlockLayout.readSize(p);
        if (field != size) {
            line("    The size field at p-" + HEADER + " reads " + Long.toUnsignedString(field) + " (0x"
                    + String.format("%016x", field) + ") *** OUCH");
        }

        out.append("    The ").append(SST - 1).append(" pad bytes at p-").append(SST - 1).append(" are ");
        if (NativeMemory.findNot(p - (SST - 1), SST - 1, FORBIDDENBYTE) < 0) {
            line("FORBIDDENBYTE, as expected.");
        } else {
            line("not all FORBIDDENBYTE (0x" + hex2(FORBIDDENBYTE) + "):");
            for (int i = SST - 1; i >= 1; i--) {
                padLine("p-" + i, NativeMemory.getByte(p - i));
            }
            line("    Because memory is corrupted at the start, the count of bytes requested");
            line("       may be bogus, and checking the trailing pad bytes may segfault.");
        }

        long tail = p + size;
        out.append("    The ").append(SST).append(" pad bytes at tail=").append(hex(tail)).append(" are ");
        if (NativeMemory.findNot(tail, SST, FORBIDDENBYTE) < 0) {
            line("FORBIDDENBYTE, as expected.");
        } else {
            line("not all FORBIDDENBYTE (0x" + hex2(FORBIDDENBYTE) + "):");
            for (int i = 0; i < SST; i++) {
                padLine("tail+" + i, NativeMemory.getByte(tail + i));
            }
        }
        if (layout.serialNumbers()) {
            long serial = BlockLayout.readSerial(p, size);
            if (serial != block.serial()) {
                line("    The serial number at tail+" + SST + " reads " + Long.toUnsignedString(serial)
                        + " *** OUCH");
            }
        }
        serialAndData(p, block, layout);
    }

    /** The serial line (when enabled), the data line (when there is data) and the empty line. */
    private void serialAndData(long p, LiveBlock block, BlockLayout layout) {
        if (layout.serialNumbers()) {
            line("    The block was made by call #" + block.serial() + " to debug malloc/realloc.");
        }
        long size = block.size();
        if (size > 0) {
            out.append("    Data at p:");
            long shown = Math.min(size, 8);
            for (long i = 0; i < shown; i++) {
                out.append(' ').append(hex2(NativeMemory.getByte(p + i)));
            }
            long from = shown;
            if (size - shown > 8) {
                out.append(" ...");
                from = size - 8;
            }
            for (long i = from; i < size; i++) {
                out.append(' ').append(hex2(NativeMemory.getByte(p + i)));
            }
            out.append('\n');
        }
        line("");
    }

    /**
     * {@code _PyMem_DumpTraceback}: the "Enable tracemalloc" lines, or the frames, or nothing
     * (tracing, but the block is not traced; a pointer that is not a live block never is).
     * The tracer may sit above this layer (it saw {@code p}) or below it (it saw the base).
     */
    private void traceback(BlockTracebacks source, PyMemAllocatorDomain domain, long p) {
        if (source == null || !source.tracing()) {
            line("Enable tracemalloc to get the memory block allocation traceback");
            line("");
            return;
        }
        List<BlockTracebacks.SourceLine> frames = null;
        if (domain != null) {
            try {
                frames = source.frames(domain, p);
                if (frames == null) {
                    frames = source.frames(domain, p - HEADER);
                }
            } catch (RuntimeException e) {
                frames = null;
            }
        }
        if (frames == null) {
            return;
        }
        frames(ALLOCATED_AT, frames);
    }

    /**
     * The tracebacks of a freed block from the ids the layer kept ({@code FreeHistory.tracebacks}):
     * the "Enable tracemalloc" lines when not tracing, else where it was allocated and where
     * it was freed (or moved), each when the tracer still knows it. Without an allocation id,
     * the tracer is asked for the block's live trace ({@code domain} non-null: a tracer below
     * this layer traces a quarantined block until it leaves).
     */
    private void freedTracebacks(BlockTracebacks source, PyMemAllocatorDomain domain, long p, long ids, boolean moved) {
        if (source == null || !source.tracing()) {
            traceback(source, domain, p);
            return;
        }
        List<BlockTracebacks.SourceLine> allocated = framesOf(source, FreeHistory.allocatedAt(ids));
        if (allocated != null) {
            frames(ALLOCATED_AT, allocated);
        } else {
            traceback(source, domain, p);
        }
        List<BlockTracebacks.SourceLine> freed = framesOf(source, FreeHistory.freedAt(ids));
        if (freed != null) {
            frames(moved ? MOVED_AT : FREED_AT, freed);
        }
    }

    private static List<BlockTracebacks.SourceLine> framesOf(BlockTracebacks source, int id) {
        if (id == BlockTracebacks.NO_TRACEBACK) {
            return null;
        }
        try {
            return source.framesOf(id);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** A traceback part: its title, a line per frame (CPython's form, or Java's), an empty line. */
    private void frames(String title, List<BlockTracebacks.SourceLine> frames) {
        line(title);
        for (BlockTracebacks.SourceLine f : frames) {
            String java = javaFrames ? f.javaForm() : null;
            line(java != null ? "  at " + java
                    : "  File \"" + ascii(f.filename()) + "\", line " + Integer.toUnsignedString(f.lineno()));
        }
        line("");
    }

    private void fatal(String function, String message) {
        line("Fatal Python error: " + function + ": " + message);
    }

    private void padLine(String at, byte b) {
        out.append("        at ").append(at).append(": 0x").append(hex2(b));
        if (b != FORBIDDENBYTE) {
            out.append(" *** OUCH");
        }
        out.append('\n');
    }

    private void line(String s) {
        out.append(s).append('\n');
    }

    /** Names an offset from p as the dump does: p-i before the data, p+i in it, tail+i after it. */
    static String where(long fromP, long size) {
        if (fromP < 0) {
            return "p-" + (-fromP);
        }
        if (fromP < size) {
            return "p+" + fromP;
        }
        return "tail+" + (fromP - size);
    }

    /** A pointer as glibc's {@code %p} prints it. */
    static String hex(long p) {
        return "0x" + Long.toHexString(p);
    }

    static String hex2(byte b) {
        return String.format("%02x", b & 0xFF);
    }

    /** An API id byte as {@code %c} would show it, with non-printable bytes escaped. */
    static String idChar(byte id) {
        return id >= 0x20 && id < 0x7F ? String.valueOf((char) id) : "\\x" + hex2(id);
    }

    /** CPython's {@code _Py_DumpASCII}: ASCII as is, anything else as a backslash escape. */
    static String ascii(String s) {
        if (s == null) {
            return "???";
        }
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            if (c >= 0x20 && c < 0x7F) {
                b.append((char) c);
            } else if (c < 0x100) {
                b.append(String.format("\\x%02x", c));
            } else if (c < 0x10000) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.append(String.format("\\U%08x", c));
            }
        });
        return b.toString();
    }
}
