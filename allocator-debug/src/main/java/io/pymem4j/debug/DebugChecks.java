package io.pymem4j.debug;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.spi.BlockTracebacks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.util.List;
import java.util.function.Consumer;

import static io.pymem4j.debug.BlockLayout.CLEANBYTE;
import static io.pymem4j.debug.BlockLayout.DEADBYTE;
import static io.pymem4j.debug.BlockLayout.HEADER;

/**
 * CPython's work on one block in the debug layout, and what follows a failed check: the
 * decoration ({@code _PyMem_DebugRawAlloc}), the check ({@code _PyMem_DebugCheckAddress}),
 * the DEADBYTE fill of a freed block, the reports ({@code _PyObject_DebugDumpAddress} and
 * the "Fatal Python error" line) and the {@link CorruptionPolicy} that acts on them.
 *
 * <p>The debug layer runs this on every block ({@link DebugHook} keeps which blocks are
 * live); a layer that gives only some blocks the debug treatment, as the {@code guard}
 * layer does with the blocks it samples, runs the same code on those, so its reports read
 * exactly as the debug layer's. The caller keeps its own record of each block (size,
 * serial, domain): a report prints what was recorded, never a header field it cannot trust.
 *
 * <p>A report under {@code throw} is a {@link MemoryCorruptionError} whose message opens with
 * a Java sentence ({@code ReportSentence}: what, which block, which domain, naming the layer
 * that found it), then CPython's report. A freed block's report shows where it was allocated
 * and where it was freed when the caller kept both traceback ids ({@link DebugHook#tracebackIds}).
 *
 * <p>Every report goes to {@value DebugHook#REPORT_LOGGER} at ERROR, with the policy's
 * {@linkplain CorruptionPolicy#marker() marker}, before the policy acts; see the package
 * documentation.
 *
 * @since 0.1
 */
public final class DebugChecks {

    /** {@code _PyMem_DebugRawFree}: the function CPython names for every failed free. */
    public static final String RAW_FREE = "_PyMem_DebugRawFree";
    /** {@code _PyMem_DebugRawRealloc}: the function CPython names for every failed realloc. */
    public static final String RAW_REALLOC = "_PyMem_DebugRawRealloc";
    /** {@code _PyMem_DebugCheckAddress}: CPython's check of one block, named by the reports of an explicit check. */
    public static final String CHECK_ADDRESS = "_PyMem_DebugCheckAddress";

    private static final Logger reportLog = LoggerFactory.getLogger(DebugHook.REPORT_LOGGER);

    private final BlockLayout layout;
    private final CorruptionPolicy policy;
    private final String hookFunctions;
    private final boolean currentThreadInLog;
    private final String layerName;
    private final boolean javaFrames;

    /**
     * @param layout             the block layout (with or without serial numbers)
     * @param policy             what follows a report
     * @param hookFunctions      the class whose methods are the hook functions: the current
     *                           thread's stack printed after a report starts at its frame, as
     *                           CPython's starts at the caller of {@code free}
     * @param currentThreadInLog true to add the current thread's stack (the stack that freed
     *                           the block) to every report's log event, as {@code abort} adds
     *                           it to stderr; the debug layer leaves it out, since it checks
     *                           every block in tests, where the error's own stack serves
     * @param layerName          the layer's name ({@code debug}, {@code guard}), which the
     *                           error's opening sentence names
     * @param javaFrames         true to print a traceback's Java frames as Java prints them
     *                           ({@code debug.frames=java}), else in CPython's form
     */
    public DebugChecks(BlockLayout layout, CorruptionPolicy policy, Class<?> hookFunctions, boolean currentThreadInLog,
                       String layerName, boolean javaFrames) {
        this.layout = layout;
        this.policy = policy;
        this.hookFunctions = hookFunctions.getName();
        this.currentThreadInLog = currentThreadInLog;
        this.layerName = layerName;
        this.javaFrames = javaFrames;
    }

    public BlockLayout layout() {
        return layout;
    }

    public CorruptionPolicy policy() {
        return policy;
    }

    /**
     * Decorates the block whose user pointer is {@code p} (its header is the
     * {@value BlockLayout#HEADER} bytes before) for a request of {@code size} bytes: the size
     * field, the id byte {@code id}, the pads, CLEANBYTE over the data unless {@code zeroed}
     * (calloc's data is left as it is), the serial number.
     */
    public void decorate(long p, long size, long serial, char id, boolean zeroed) {
        layout.writeHeader(p - HEADER, size, id);
        if (!zeroed) {
            BlockLayout.fill(p, size, CLEANBYTE);
        }
        layout.writeTrailer(p, size, serial);
    }

    /**
     * Resizes a decorated block where it stands, as a realloc that did not move it: the size
     * field and the trailer move, growth is CLEANBYTE, and on a shrink the bytes the block
     * gave up become DEADBYTE. The data up to the smaller size is kept.
     */
    public void resizeInPlace(long p, long oldSize, long newSize, long serial, char apiId) {
        layout.writeHeader(p - HEADER, newSize, apiId);
        if (newSize > oldSize) {
            BlockLayout.fill(p + oldSize, newSize - oldSize, CLEANBYTE);
        } else {
            long oldEnd = p - HEADER + layout.total(oldSize);
            long newEnd = p - HEADER + layout.total(newSize);
            BlockLayout.fill(newEnd, oldEnd - newEnd, DEADBYTE);
        }
        layout.writeTrailer(p, newSize, serial);
    }

    /** The bytes a block of {@code size} takes with its decoration: the request and the overhead, 32 at least. */
    public long blockBytes(long size) {
        return layout.total(size);
    }

    /**
     * {@code _PyMem_DebugCheckAddress} of the block at {@code p} against what was recorded of
     * it: the id byte, the leading pads, the size field, the trailing pads, the serial number.
     *
     * The debug layer's blocks made for an alignment above the header carry another id byte
     * ({@code DebugHook} accepts it by checking again with that id).
     *
     * @return the first problem found, or null when the block is intact
     */
    public Problem check(long p, long size, long serial, char apiId) {
        long idWord = BlockLayout.readIdWord(p);
        if (idWord != BlockLayout.idWord(apiId)) {
            return (byte) (idWord >>> 56) != (byte) apiId ? Problem.BAD_ID : Problem.BAD_LEADING_PAD;
        }
        if (BlockLayout.readSize(p) != size) {
            return Problem.BAD_SIZE;
        }
        if (!BlockLayout.trailingPadsIntact(p, size)) {
            return Problem.BAD_TRAILING_PAD;
        }
        if (layout.serialNumbers() && BlockLayout.readSerial(p, size) != serial) {
            return Problem.BAD_SERIAL;
        }
        return null;
    }

    /** Fills a freed block of {@code size} bytes at {@code p}, decoration included, with DEADBYTE. */
    public void fillFreed(long p, long size) {
        BlockLayout.fill(p - HEADER, layout.total(size), DEADBYTE);
    }

    /** True when a block {@link #fillFreed filled} at its free is still all DEADBYTE: nothing wrote to it since. */
    public boolean stillFreed(long p, long size) {
        return BlockLayout.isFilled(p - HEADER, layout.total(size), DEADBYTE);
    }

    // ---------------------------------------------------------------- reports

    /**
     * The block at {@code p}, made through {@code made} with {@code size} and {@code serial},
     * failed {@link #check} with {@code problem} in {@code function}, verified through the
     * domain {@code through}: CPython's dump of it, then the policy.
     */
    public void corrupt(String function, long p, Problem problem, PyMemAllocatorDomain through, long size, long serial,
                        PyMemAllocatorDomain made, BlockTracebacks tracebacks) {
        String message = switch (problem) {
            case BAD_ID -> "bad ID: Allocated using API '" + BlockReport.idChar(BlockLayout.readId(p))
                    + "', verified using API '" + through.apiId() + "'";
            case BAD_LEADING_PAD -> "bad leading pad byte";
            case BAD_SIZE -> "bad size field: the block was made for " + size + " bytes";
            case BAD_TRAILING_PAD -> "bad trailing pad byte";
            case BAD_SERIAL -> "bad serial number: the block was overrun past its trailing pad bytes";
            default -> throw new IllegalArgumentException(problem.toString());
        };
        LiveBlock block = new LiveBlock(size, serial, made);
        handle(problem, p, made, ReportSentence.of(layerName, problem, p, made, through, size, function),
                BlockReport.corruptBlock(p, block, layout, function, message, tracebacks, javaFrames));
    }

    /**
     * A freed block at {@code p} was found no longer all DEADBYTE ({@link #stillFreed}): report
     * a write after free; {@code ids} are its {@linkplain DebugHook#tracebackIds traceback ids}, or 0.
     */
    public void writtenAfterFree(long p, long size, long serial, PyMemAllocatorDomain made, BlockTracebacks tracebacks,
                                 long ids) {
        LiveBlock block = new LiveBlock(size, serial, made);
        handle(Problem.WRITE_AFTER_FREE, p, made,
                ReportSentence.of(layerName, Problem.WRITE_AFTER_FREE, p, made, null, size, RAW_FREE),
                BlockReport.writtenAfterFree(p, block, layout, RAW_FREE, tracebacks, ids, javaFrames));
    }

    /**
     * {@code p} was a block already freed through {@code freedThrough} (a double free when
     * {@code isFree}, else a realloc of a freed block), or moved by a realloc when
     * {@code movedTo} is not 0; {@code call} is the domain of the call that gave it again, and
     * {@code ids} the freed block's {@linkplain DebugHook#tracebackIds traceback ids}, or 0.
     */
    public void freedBefore(String function, long p, boolean isFree, long size, long serial, PyMemAllocatorDomain made,
                            PyMemAllocatorDomain freedThrough, long movedTo, PyMemAllocatorDomain call, long ids,
                            BlockTracebacks tracebacks) {
        String what = "The block of " + size + " bytes made through API '" + made.apiId() + "'"
                + (layout.serialNumbers() ? " by call #" + serial + " to debug malloc/realloc" : "");
        String fate = movedTo != 0
                ? "was moved to p=" + BlockReport.hex(movedTo) + " by a debug realloc through API '"
                        + freedThrough.apiId() + "', which freed it."
                : "was already freed through API '" + freedThrough.apiId() + "'.";
        Problem problem = isFree ? Problem.DOUBLE_FREE : Problem.USE_AFTER_FREE;
        notLive(function, p, problem, isFree ? "double free" : "use after free: realloc of a freed block",
                List.of(what, fate), made, call, size, ids, movedTo != 0, tracebacks);
    }

    /** {@code p} is a block that failed a check before and was leaked; {@code call} gave it again. */
    public void leakedBefore(String function, long p, long size, PyMemAllocatorDomain made, PyMemAllocatorDomain call,
                             BlockTracebacks tracebacks) {
        notLive(function, p, Problem.NOT_LIVE, NOT_LIVE_MESSAGE, List.of("The block of " + size
                + " bytes made through API '" + made.apiId() + "' failed a check earlier; it was reported and leaked."),
                made, call, -1, 0, false, tracebacks);
    }

    /** {@code p}, given to {@code call}, points into the live block at {@code start}, not at its start. */
    public void interior(String function, long p, long start, long size, PyMemAllocatorDomain made,
                         PyMemAllocatorDomain call, BlockTracebacks tracebacks) {
        notLive(function, p, Problem.INTERIOR_POINTER, "not the start of a live block of this layer",
                List.of("It points " + (p - start) + " bytes into the live block at p=" + BlockReport.hex(start)
                        + " of " + size + " bytes made through API '" + made.apiId() + "'."),
                made, call, -1, 0, false, tracebacks);
    }

    /**
     * {@code p}, given to {@code call}, is no block of the layer; {@code explanation} says what
     * is known of it. Its memory is not read.
     */
    public void notLive(String function, long p, List<String> explanation, PyMemAllocatorDomain call,
                        BlockTracebacks tracebacks) {
        notLive(function, p, Problem.NOT_LIVE, NOT_LIVE_MESSAGE, explanation, null, call, -1, 0, false, tracebacks);
    }

    private static final String NOT_LIVE_MESSAGE = "not a live block of this layer";

    private void notLive(String function, long p, Problem problem, String message, List<String> explanation,
                         PyMemAllocatorDomain made, PyMemAllocatorDomain call, long size, long ids, boolean moved,
                         BlockTracebacks tracebacks) {
        handle(problem, p, made == null ? call : made,
                ReportSentence.of(layerName, problem, p, made, call, size, function),
                BlockReport.notLive(p, explanation, function, message, tracebacks, ids, moved, javaFrames));
    }

    /**
     * Makes every report of {@code items} with {@code report}; under {@code throw} the first
     * error is thrown once all are made, the others suppressed in it, so that none goes
     * unreported (several blocks written after their free leaving a quarantine at once, an
     * explicit check finding several damaged blocks).
     */
    public static <T> void reportEach(Iterable<T> items, Consumer<T> report) {
        MemoryCorruptionError first = null;
        for (T item : items) {
            try {
                report.accept(item);
            } catch (MemoryCorruptionError e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** {@code _PyMem_DebugCheckGIL}'s report: a MEM or OBJ call in GIL mode without the interpreter lock. */
    void noGil(String function, PyMemAllocatorDomain domain) {
        String report = "Fatal Python error: " + function + ": Python memory allocator called without holding the GIL\n";
        handle(Problem.NO_GIL, 0, domain, ReportSentence.of(layerName, Problem.NO_GIL, 0, null, domain, -1, function),
                report);
    }

    /**
     * Logs a report, then applies the policy to it; {@code sentence} opens the error's
     * message, {@code domain} is the block's (for a pointer that is no block, the call's).
     */
    private void handle(Problem problem, long p, PyMemAllocatorDomain domain, String sentence, String report) {
        // Logged under every policy, so that a log keeps every report whatever became of the
        // error; under throw the report also travels in the error, under abort it then goes
        // to stderr as CPython's fatal error does.
        String logged = currentThreadInLog ? report + "\n" + currentThread() : report;
        switch (problem) {
            case NO_GIL -> reportLog.error(policy.marker(), "allocator misuse\n{}", logged);
            case DOUBLE_FREE, USE_AFTER_FREE, INTERIOR_POINTER, NOT_LIVE -> reportLog.error(policy.marker(),
                    "memory error at {}; the pointer is not passed down\n{}", BlockReport.hex(p), logged);
            default -> reportLog.error(policy.marker(),
                    "memory error at {}; the block is leaked\n{}", BlockReport.hex(p), logged);
        }
        switch (policy) {
            case THROW -> throw new MemoryCorruptionError(problem, p, domain, sentence, report);
            case LOG -> {
                // Logged above: the caller goes on.
            }
            case ABORT -> abort(report);
        }
    }

    /**
     * The current thread's stack as CPython's fatal error prints it after the report: a
     * "Current thread" line, then the frames from the hook function out, most recent first.
     */
    String currentThread() {
        StringBuilder out = new StringBuilder(1024);
        Thread t = Thread.currentThread();
        out.append("Current thread 0x").append(Long.toHexString(t.threadId())).append(" \"").append(t.getName())
                .append("\" (most recent call first):\n");
        StackTraceElement[] stack = t.getStackTrace();
        // Start at the hook function, as CPython's traceback starts at the caller; a report
        // made outside one (an explicit check) starts below this class and the stack walk.
        int start = 0;
        while (start < stack.length && !stack[start].getClassName().equals(hookFunctions)) {
            start++;
        }
        if (start == stack.length) {
            start = 0;
            while (start < stack.length && (stack[start].getClassName().equals(Thread.class.getName())
                    || stack[start].getClassName().equals(DebugChecks.class.getName()))) {
                start++;
            }
        }
        for (int i = start; i < stack.length; i++) {
            out.append("  at ").append(stack[i]).append('\n');
        }
        return out.toString();
    }

    /**
     * CPython's {@code Py_FatalError}: the report and the current thread's stack go straight to
     * stderr (a logging back end may buffer, and nothing runs after the halt: the report's log
     * event, made before, may be lost), then the JVM halts with {@value DebugHook#ABORT_STATUS}.
     */
    private void abort(String report) {
        PrintStream err = System.err;
        err.print(report);
        err.println();
        err.print(currentThread());
        err.flush();
        Runtime.getRuntime().halt(DebugHook.ABORT_STATUS);
    }
}
