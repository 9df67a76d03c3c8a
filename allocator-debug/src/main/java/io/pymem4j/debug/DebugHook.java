package io.pymem4j.debug;

import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.api.PyMemRuntime;
import io.pymem4j.spi.BlockTracebacks;
import io.pymem4j.spi.Hook;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import static io.pymem4j.debug.BlockLayout.DEADBYTE;
import static io.pymem4j.debug.BlockLayout.FORBIDDENBYTE;
import static io.pymem4j.debug.BlockLayout.HEADER;
import static io.pymem4j.debug.BlockLayout.SST;

/**
 * The debug layer's state in one runtime, shared by its three domains: CPython's
 * {@code _PyRuntime.allocators.debug} plus what CPython does not keep.
 *
 * <ul>
 *   <li>The serial counter ({@code serialno}, an {@link AtomicLong} here).</li>
 *   <li>The live blocks: every user pointer the layer handed out and not yet took back,
 *       with its size, serial and domain, in a concurrent map. A pointer that is not in it
 *       is reported without reading its memory; taking a pointer out is atomic, so a block
 *       reaches the backend's {@code free} at most once even when two threads free it.</li>
 *   <li>The {@linkplain FreedHistory history} of recent frees, to name a double free.</li>
 *   <li>The optional {@linkplain Quarantine quarantine}.</li>
 * </ul>
 * Checks run in CPython's order ({@code _PyMem_DebugCheckAddress}): the id byte, the
 * leading pads, then (beyond CPython) the size field, the trailing pads, and (beyond
 * CPython) the serial number. A failed check is reported and handled by the configured
 * {@link CorruptionPolicy}; the block is leaked in every case.
 */
public final class DebugHook implements Hook {

    private static final Logger log = LoggerFactory.getLogger(DebugHook.class);

    /** {@code _PyMem_DebugRawFree}: the function CPython names for every failed free. */
    static final String RAW_FREE = "_PyMem_DebugRawFree";
    /** {@code _PyMem_DebugRawRealloc}: the function CPython names for every failed realloc. */
    static final String RAW_REALLOC = "_PyMem_DebugRawRealloc";
    /** The exit status of {@link CorruptionPolicy#ABORT}, a process killed by SIGABRT. */
    public static final int ABORT_STATUS = 134;

    private final DebugConfig config;
    private final BlockLayout layout;
    private final PyMemRuntime runtime;
    private final AtomicLong serialno = new AtomicLong();
    private final Map<Long, LiveBlock> live = new ConcurrentHashMap<>();
    private final FreedHistory history;
    private final Quarantine quarantine;

    /**
     * @param config  the options
     * @param runtime the runtime the layer serves, whose tracer (a {@link BlockTracebacks}
     *                layer) reports use; may be null (no tracebacks)
     */
    public DebugHook(DebugConfig config, PyMemRuntime runtime) {
        this.config = config;
        this.layout = new BlockLayout(config.serialNumbers());
        this.runtime = runtime;
        this.history = new FreedHistory(config.historySize());
        this.quarantine = config.quarantineBytes() > 0 ? new Quarantine(config.quarantineBytes()) : null;
    }

    /** The debug layer of {@code runtime}'s stack, wherever it sits in it. */
    public static Optional<DebugHook> of(PyMemRuntime runtime) {
        return runtime.findHook(DebugHook.class);
    }

    @Override
    public DebugAllocator wrap(PyMemAllocatorDomain domain, PyMemAllocatorEx below) {
        return new DebugAllocator(this, domain, below, runtime == null ? null : runtime.interpreterLock());
    }

    public DebugConfig config() {
        return config;
    }

    public BlockLayout layout() {
        return layout;
    }

    /** How many blocks are live (handed out and not freed) in all domains. */
    public int liveBlocks() {
        return live.size();
    }

    /** The serial number of the last successful debug malloc/calloc/realloc. */
    public long serialNumber() {
        return serialno.get();
    }

    /** Bytes held in quarantine (0 when it is off). */
    public long quarantinedBytes() {
        return quarantine == null ? 0 : quarantine.bytes();
    }

    /** Blocks held in quarantine. */
    public int quarantinedBlocks() {
        return quarantine == null ? 0 : quarantine.blocks();
    }

    /**
     * Checks and releases every block in quarantine to the backend, oldest first; a block
     * written after its free is reported as when it leaves the quarantine normally.
     */
    public void flushQuarantine() {
        if (quarantine != null) {
            release(quarantine.drain());
        }
    }

    // ---------------------------------------------------------------- for DebugAllocator

    long nextSerial() {
        return serialno.incrementAndGet();
    }

    /** A block was made (or moved) at {@code p}. */
    void adopt(long p, LiveBlock block) {
        history.forget(p);
        live.put(p, block);
    }

    /** Takes {@code p} out of the live blocks; null when it was not live. */
    LiveBlock take(long p) {
        LiveBlock block = live.get(p);
        if (block == null) {
            return null;
        }
        // Remembered before the block leaves the live set: a thread that loses a race to
        // free it too then finds it here and names a double free (the winner records the
        // block's real fate afterwards).
        history.remember(new FreedHistory.Fate(p, block, FreedHistory.Kind.FREED, block.domain(), 0));
        return live.remove(p, block) ? block : null;
    }

    /** Puts back a block taken for a realloc that failed. */
    void putBack(long p, LiveBlock block) {
        history.forget(p);
        live.put(p, block);
    }

    /** {@code _PyMem_DebugCheckAddress}, with the recorded block: the first problem found, or null. */
    Problem check(long p, LiveBlock block, char apiId) {
        if (BlockLayout.readId(p) != (byte) apiId) {
            return Problem.BAD_ID;
        }
        if (NativeMemory.findNot(p - (SST - 1), SST - 1, FORBIDDENBYTE) >= 0) {
            return Problem.BAD_LEADING_PAD;
        }
        if (BlockLayout.readSize(p) != block.size()) {
            return Problem.BAD_SIZE;
        }
        if (NativeMemory.findNot(p + block.size(), SST, FORBIDDENBYTE) >= 0) {
            return Problem.BAD_TRAILING_PAD;
        }
        if (layout.serialNumbers() && BlockLayout.readSerial(p, block.size()) != block.serial()) {
            return Problem.BAD_SERIAL;
        }
        return null;
    }

    /** A freed block: fill it with DEADBYTE, then quarantine it or give it back. */
    void release(long p, LiveBlock block, PyMemAllocatorDomain through, PyMemAllocatorEx below) {
        long total = layout.total(block.size());
        NativeMemory.fill(p - HEADER, total, DEADBYTE);
        history.remember(new FreedHistory.Fate(p, block, FreedHistory.Kind.FREED, through, 0));
        if (quarantine == null) {
            below.free(p - HEADER);
        } else {
            release(quarantine.add(new Quarantine.Entry(p, block, total, below)));
        }
    }

    /** A realloc moved the block from {@code from}: remember it, as the backend freed the old address. */
    void moved(long from, long to, LiveBlock block, PyMemAllocatorDomain through) {
        history.remember(new FreedHistory.Fate(from, block, FreedHistory.Kind.MOVED, through, to));
    }

    /** Blocks leaving the quarantine: the intact ones go to the backend, the others are reported and leaked. */
    private void release(List<Quarantine.Entry> leaving) {
        List<Quarantine.Entry> written = null;
        for (Quarantine.Entry e : leaving) {
            if (NativeMemory.findNot(e.p() - HEADER, e.total(), DEADBYTE) < 0) {
                e.below().free(e.p() - HEADER);
            } else {
                if (written == null) {
                    written = new ArrayList<>(1);
                }
                written.add(e);
            }
        }
        if (written != null) {
            for (Quarantine.Entry e : written) {
                history.remember(new FreedHistory.Fate(e.p(), e.block(), FreedHistory.Kind.LEAKED,
                        e.block().domain(), 0));
                handle(Problem.WRITE_AFTER_FREE, e.p(),
                        BlockReport.writtenAfterFree(e.p(), e.block(), layout, RAW_FREE, tracebacks()));
            }
        }
    }

    /** A live block failed a check in {@code function}, verified with {@code apiId}: leak it and report. */
    void corrupt(String function, long p, LiveBlock block, Problem problem, char apiId) {
        history.remember(new FreedHistory.Fate(p, block, FreedHistory.Kind.LEAKED, block.domain(), 0));
        String message = switch (problem) {
            case BAD_ID -> "bad ID: Allocated using API '" + BlockReport.idChar(BlockLayout.readId(p))
                    + "', verified using API '" + apiId + "'";
            case BAD_LEADING_PAD -> "bad leading pad byte";
            case BAD_SIZE -> "bad size field: the block was made for " + block.size() + " bytes";
            case BAD_TRAILING_PAD -> "bad trailing pad byte";
            case BAD_SERIAL -> "bad serial number: the block was overrun past its trailing pad bytes";
            default -> throw new IllegalArgumentException(problem.toString());
        };
        handle(problem, p, BlockReport.corruptBlock(p, block, layout, function, message, tracebacks()));
    }

    /** {@code p} is not a live block: say what is known of it, without touching its memory. */
    void notLive(String function, long p, boolean isFree) {
        List<String> why = new ArrayList<>(2);
        Problem problem;
        String message;
        FreedHistory.Fate fate = history.lookup(p);
        Map.Entry<Long, LiveBlock> around = fate == null ? containing(p) : null;
        if (fate != null && fate.kind() != FreedHistory.Kind.LEAKED) {
            LiveBlock b = fate.block();
            String what = "The block of " + b.size() + " bytes made through API '" + b.domain().apiId() + "'"
                    + (layout.serialNumbers() ? " by call #" + b.serial() + " to debug malloc/realloc" : "");
            why.add(what);
            why.add(fate.kind() == FreedHistory.Kind.MOVED
                    ? "was moved to p=" + BlockReport.hex(fate.movedTo()) + " by a debug realloc through API '"
                            + fate.through().apiId() + "', which freed it."
                    : "was already freed through API '" + fate.through().apiId() + "'.");
            problem = isFree ? Problem.DOUBLE_FREE : Problem.USE_AFTER_FREE;
            message = isFree ? "double free" : "use after free: realloc of a freed block";
        } else if (fate != null) {
            why.add("The block of " + fate.block().size() + " bytes made through API '"
                    + fate.block().domain().apiId() + "' failed a check earlier; it was reported and leaked.");
            problem = Problem.NOT_LIVE;
            message = "not a live block of this layer";
        } else if (around != null) {
            LiveBlock b = around.getValue();
            why.add("It points " + (p - around.getKey()) + " bytes into the live block at p="
                    + BlockReport.hex(around.getKey()) + " of " + b.size() + " bytes made through API '"
                    + b.domain().apiId() + "'.");
            problem = Problem.INTERIOR_POINTER;
            message = "not the start of a live block of this layer";
        } else {
            why.add("This layer did not make it, or freed it too long ago to remember (it remembers the last "
                    + history.capacity() + " frees).");
            problem = Problem.NOT_LIVE;
            message = "not a live block of this layer";
        }
        handle(problem, p, BlockReport.notLive(p, why, function, message, tracebacks()));
    }

    /** The live block whose data or pads hold {@code p}; a scan, done only when writing a report. */
    private Map.Entry<Long, LiveBlock> containing(long p) {
        for (Map.Entry<Long, LiveBlock> e : live.entrySet()) {
            long start = e.getKey();
            if (p > start - HEADER && p < start + e.getValue().size() + SST) {
                return e;
            }
        }
        return null;
    }

    /** The tracer of the runtime's stack (tracemalloc), found when a report is written. */
    private BlockTracebacks tracebacks() {
        return runtime == null ? null : runtime.findHook(BlockTracebacks.class).orElse(null);
    }

    /**
     * {@code _PyMem_DebugCheckGIL}: in GIL mode, a MEM or OBJ call from a thread that does not
     * hold the interpreter lock. CPython's message names the hook function; the policy then
     * applies (under {@code log} the call goes on, as nothing is corrupt yet).
     */
    void noGil(String function) {
        String report = "Fatal Python error: " + function + ": Python memory allocator called without holding the GIL\n";
        handle(Problem.NO_GIL, 0, report);
    }

    /** Applies the policy to a report. */
    private void handle(Problem problem, long p, String report) {
        switch (config.policy()) {
            case THROW -> throw new MemoryCorruptionError(problem, p, report);
            case LOG -> log.error(problem == Problem.NO_GIL ? "allocator misuse\n{}" : "memory error at {}; the block is leaked\n{}",
                    problem == Problem.NO_GIL ? report : BlockReport.hex(p), report);
            case ABORT -> abort(report);
        }
    }

    /**
     * CPython's {@code Py_FatalError}: the report and the current thread's stack go straight to
     * stderr (a logging back end may buffer, and nothing runs after the halt), then the JVM
     * halts with {@value #ABORT_STATUS}.
     */
    private static void abort(String report) {
        PrintStream err = System.err;
        err.print(report);
        err.println();
        Thread t = Thread.currentThread();
        err.println("Current thread 0x" + Long.toHexString(t.threadId()) + " \"" + t.getName()
                + "\" (most recent call first):");
        boolean inLayer = true;
        for (StackTraceElement e : t.getStackTrace()) {
            // Start at the hook function (DebugAllocator), as CPython's traceback starts at the caller.
            inLayer = inLayer && !e.getClassName().equals(DebugAllocator.class.getName());
            if (!inLayer) {
                err.println("  at " + e);
            }
        }
        err.flush();
        Runtime.getRuntime().halt(ABORT_STATUS);
    }
}
