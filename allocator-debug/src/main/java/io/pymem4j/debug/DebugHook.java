package io.pymem4j.debug;

import io.pymem4j.api.InterpreterLock;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.spi.BlockLimit;
import io.pymem4j.spi.BlockTracebacks;
import io.pymem4j.spi.Hook;
import io.pymem4j.spi.RuntimeView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.pymem4j.debug.BlockLayout.DEADBYTE;
import static io.pymem4j.debug.BlockLayout.HEADER;

/**
 * The debug layer's state in one runtime, shared by its three domains: CPython's
 * {@code _PyRuntime.allocators.debug} plus what CPython does not keep.
 *
 * <ul>
 *   <li>The serial counter ({@code serialno}, taken by each thread a chunk at a time: see
 *       {@link SerialNumbers}).</li>
 *   <li>The {@linkplain BlockTable block table}: every user pointer the layer handed out and
 *       did not take back, with its size, serial and domain, and what became of the last
 *       {@code debug.history} it took back. A pointer that is not live is reported from it
 *       without reading its memory; a free takes a block out atomically, so a block reaches
 *       the backend's {@code free} at most once even when two threads free it.</li>
 *   <li>The optional {@linkplain Quarantine quarantine}.</li>
 * </ul>
 * Checks run in CPython's order ({@code _PyMem_DebugCheckAddress}): the id byte, the
 * leading pads, then (beyond CPython) the size field, the trailing pads, and (beyond
 * CPython) the serial number. A failed check is reported and handled by the configured
 * {@link CorruptionPolicy}; the block is leaked in every case.
 */
public final class DebugHook implements Hook {

    /**
     * The logger every report goes to, at ERROR, under every policy and before the policy
     * acts; each event carries its policy's {@linkplain CorruptionPolicy#marker() marker}.
     * Where stderr must be CPython's byte for byte, the logging configuration turns it off.
     */
    public static final String REPORT_LOGGER = "io.pymem4j.debug.report";

    private static final Logger reportLog = LoggerFactory.getLogger(REPORT_LOGGER);
    private static final Logger log = LoggerFactory.getLogger(DebugHook.class);

    /** {@code _PyMem_DebugRawFree}: the function CPython names for every failed free. */
    static final String RAW_FREE = "_PyMem_DebugRawFree";
    /** {@code _PyMem_DebugRawRealloc}: the function CPython names for every failed realloc. */
    static final String RAW_REALLOC = "_PyMem_DebugRawRealloc";
    /** The exit status of {@link CorruptionPolicy#ABORT}, a process killed by SIGABRT. */
    public static final int ABORT_STATUS = 134;

    private static final Problem[] PROBLEMS = Problem.values();

    private final DebugConfig config;
    private final BlockLayout layout;
    private final RuntimeView runtime;
    private final SerialNumbers serialno = new SerialNumbers();
    private final BlockTable table;
    private final Quarantine quarantine;
    private final long maxBlock;
    /** The allocators {@link #wrap} made, one per domain, for {@link #checkInterpreterLock}. */
    private final List<DebugAllocator> wrapped = new CopyOnWriteArrayList<>();

    /**
     * @param config  the options
     * @param runtime the runtime the layer serves, whose tracer (a {@link BlockTracebacks}
     *                layer) reports use; may be null (no tracebacks)
     */
    public DebugHook(DebugConfig config, RuntimeView runtime) {
        this.config = config;
        this.layout = new BlockLayout(config.serialNumbers());
        this.runtime = runtime;
        this.table = new BlockTable(config.historySize());
        this.quarantine = config.quarantineBytes() > 0 ? new Quarantine(config.quarantineBytes(), this::leave) : null;
        this.maxBlock = BlockLimit.of(runtime);
    }

    /** The debug layer of {@code runtime}'s stack, wherever it sits in it. */
    public static Optional<DebugHook> of(RuntimeView runtime) {
        return runtime.findHook(DebugHook.class);
    }

    @Override
    public DebugAllocator wrap(PyMemAllocatorDomain domain, PyMemAllocatorEx below) {
        DebugAllocator a = new DebugAllocator(this, domain, below, runtime == null ? null : runtime.interpreterLock());
        wrapped.add(a);
        return a;
    }

    /**
     * Makes the MEM and OBJ hooks of this layer check {@code lock} from now on
     * ({@code _PyMem_DebugCheckGIL}), whether or not the runtime is in GIL mode: CPython's
     * debug hooks check {@code PyGILState_Check()} whatever the allocator below them, and an
     * embedded interpreter's hooks do the same ({@code EmbeddedPython} gives its GIL here).
     * Call it before the allocators are shared with the threads that must hold the lock (the
     * field it sets is read without a barrier on every call); RAW is never checked.
     */
    public void checkInterpreterLock(InterpreterLock lock) {
        Objects.requireNonNull(lock, "lock");
        for (DebugAllocator a : wrapped) {
            a.checkInterpreterLock(lock);
        }
    }

    /**
     * The largest request the layer passes down: the runtime's {@link BlockLimit} (read once,
     * when the layer is made). A larger one returns NULL before any byte is filled.
     */
    public long maxBlock() {
        return maxBlock;
    }

    public DebugConfig config() {
        return config;
    }

    public BlockLayout layout() {
        return layout;
    }

    /** How many blocks are live (handed out and not freed) in all domains. */
    public int liveBlocks() {
        return table.liveBlocks();
    }

    /**
     * The Java heap the block table holds: about 16 bytes per 32 bytes of every 64 KiB region
     * that holds a live block, or did lately: leaves that empty are given back as the table
     * grows (see the package documentation).
     */
    public long tableBytes() {
        return table.javaHeapBytes();
    }

    /** The block table (for tests). */
    BlockTable table() {
        return table;
    }

    /** The Java heap the history of frees holds: its shared ring and each thread's few pending frees. */
    long historyBytes() {
        return table.historyBytes();
    }

    /** The serial number of the last successful debug malloc/calloc/realloc. */
    public long serialNumber() {
        return serialno.last();
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
            reportWritten(quarantine.drain());
        }
    }

    // ---------------------------------------------------------------- for DebugAllocator

    /** The next serial number, modulo 2^52 as the block table keeps it (4.5e15 calls before it wraps). */
    long nextSerial() {
        return serialno.next();
    }

    /**
     * A block of {@code size} bytes with {@code serial} was made (or moved) at {@code p}
     * through {@code domain}.
     *
     * @return false when the table could not record it (the Java heap is full): the caller
     *         gives the block back and fails the call
     */
    boolean adopt(long p, long size, long serial, PyMemAllocatorDomain domain) {
        if (table.adopt(p, size, serial, domain)) {
            return true;
        }
        log.warn("the debug layer's block table cannot grow (Java heap full): the block at {} is given back and the call fails",
                BlockReport.hex(p));
        return false;
    }

    /**
     * Takes the live block {@code p} for a free or realloc through {@code through}, checked
     * with {@code check}: see {@link BlockTable#take}. A block taken by a realloc, or freed
     * into the quarantine, is not given back to the backend yet, so its record is pinned.
     */
    long take(long p, PyMemAllocatorDomain through, boolean forRealloc, BlockTable.Check check) {
        return table.take(p, through, forRealloc || quarantine != null, check);
    }

    /** Makes a block taken for a realloc that failed live again. */
    void putBack(long p) {
        table.revive(p);
    }

    /** A realloc moved the taken block from {@code from} to {@code to}: the backend freed the old address. */
    void moved(long from, long to) {
        table.moved(from, to);
    }

    /** {@code _PyMem_DebugCheckAddress} of the block at {@code p} as recorded: the first problem found, or null. */
    Problem check(long p, long size, long serial, char apiId) {
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

    /** A freed block of {@code size} bytes that passed its checks: fill it with DEADBYTE, then quarantine it or give it back. */
    void release(long p, long size, PyMemAllocatorEx below) {
        long total = layout.total(size);
        BlockLayout.fill(p - HEADER, total, DEADBYTE);
        if (quarantine == null) {
            below.free(p - HEADER);
        } else {
            reportWritten(quarantine.add(p, total, below));
        }
    }

    /**
     * {@link #take} refused {@code p} with {@code code} in {@code function}, the free or realloc
     * of API {@code apiId}: report it.
     */
    void refused(String function, long p, long code, char apiId, boolean isFree) {
        if (code == BlockTable.NOT_LIVE) {
            notLive(function, p, isFree);
        } else {
            corrupt(function, p, PROBLEMS[(int) (-2 - code)], apiId);
        }
    }

    /** The quarantine's exit: a block still all DEADBYTE goes to the backend, a written one is leaked. */
    private boolean leave(long p, long total, PyMemAllocatorEx below) {
        if (BlockLayout.isFilled(p - HEADER, total, DEADBYTE)) {
            table.returned(p);
            below.free(p - HEADER);
            return true;
        }
        table.leaked(p);
        return false;
    }

    /** Reports blocks that left the quarantine written after their free (none when {@code written} is null). */
    private void reportWritten(long[] written) {
        if (written == null) {
            return;
        }
        for (long p : written) {
            handle(Problem.WRITE_AFTER_FREE, p,
                    BlockReport.writtenAfterFree(p, recorded(p), layout, RAW_FREE, tracebacks()));
        }
    }

    /** What the table holds for a block it took and leaked (such records are kept for good). */
    private LiveBlock recorded(long p) {
        BlockTable.Entry e = table.lookup(p);
        return e.block();
    }

    /** A live block failed a check in {@code function}, verified with {@code apiId}: it is leaked; report it. */
    private void corrupt(String function, long p, Problem problem, char apiId) {
        LiveBlock block = recorded(p);
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
    private void notLive(String function, long p, boolean isFree) {
        List<String> why = new ArrayList<>(2);
        Problem problem;
        String message;
        BlockTable.Entry fate = table.lookup(p);
        boolean ended = fate != null && (fate.kind() == BlockTable.Kind.FREED || fate.kind() == BlockTable.Kind.MOVED)
                && fate.remembered();
        BlockTable.Entry around = ended || fate != null && fate.kind() == BlockTable.Kind.LEAKED ? null : table.containing(p);
        if (ended) {
            String what = "The block of " + fate.size() + " bytes made through API '" + fate.domain().apiId() + "'"
                    + (layout.serialNumbers() ? " by call #" + fate.serial() + " to debug malloc/realloc" : "");
            why.add(what);
            why.add(fate.kind() == BlockTable.Kind.MOVED
                    ? "was moved to p=" + BlockReport.hex(fate.movedTo()) + " by a debug realloc through API '"
                            + fate.through().apiId() + "', which freed it."
                    : "was already freed through API '" + fate.through().apiId() + "'.");
            problem = isFree ? Problem.DOUBLE_FREE : Problem.USE_AFTER_FREE;
            message = isFree ? "double free" : "use after free: realloc of a freed block";
        } else if (fate != null && fate.kind() == BlockTable.Kind.LEAKED) {
            why.add("The block of " + fate.size() + " bytes made through API '"
                    + fate.domain().apiId() + "' failed a check earlier; it was reported and leaked.");
            problem = Problem.NOT_LIVE;
            message = "not a live block of this layer";
        } else if (around != null) {
            why.add("It points " + (p - around.address()) + " bytes into the live block at p="
                    + BlockReport.hex(around.address()) + " of " + around.size() + " bytes made through API '"
                    + around.domain().apiId() + "'.");
            problem = Problem.INTERIOR_POINTER;
            message = "not the start of a live block of this layer";
        } else {
            why.add("This layer did not make it, or freed it too long ago to remember (it remembers the last "
                    + table.history() + " frees).");
            if (fate != null && (fate.kind() == BlockTable.Kind.FREED || fate.kind() == BlockTable.Kind.MOVED)) {
                why.add("This layer did free a block at this address, but that first free is older than the frees"
                        + " it remembers: where it was freed is no longer known.");
            }
            problem = Problem.NOT_LIVE;
            message = "not a live block of this layer";
        }
        handle(problem, p, BlockReport.notLive(p, why, function, message, tracebacks()));
    }

    /** The tracer of the runtime's stack (tracemalloc), found when a report is written. */
    private BlockTracebacks tracebacks() {
        return runtime == null ? null : runtime.findHook(BlockTracebacks.class).orElse(null);
    }

    /**
     * {@code _PyMem_DebugCheckGIL}: in GIL mode, a MEM or OBJ call from a thread that does not
     * hold the interpreter lock. CPython's message names the hook function; the policy then
     * applies. Under {@code log} the call returns here and is refused (NULL, or the block
     * kept): going on would run the lock-free allocator below from two threads at once.
     */
    void noGil(String function) {
        String report = "Fatal Python error: " + function + ": Python memory allocator called without holding the GIL\n";
        handle(Problem.NO_GIL, 0, report);
    }

    /** Logs a report, then applies the policy to it. */
    private void handle(Problem problem, long p, String report) {
        CorruptionPolicy policy = config.policy();
        // Logged under every policy, so that a log keeps every report whatever became of the
        // error; under throw the report also travels in the error, under abort it then goes
        // to stderr as CPython's fatal error does.
        switch (problem) {
            case NO_GIL -> reportLog.error(policy.marker(), "allocator misuse\n{}", report);
            case DOUBLE_FREE, USE_AFTER_FREE, INTERIOR_POINTER, NOT_LIVE -> reportLog.error(policy.marker(),
                    "memory error at {}; the pointer is not passed down\n{}", BlockReport.hex(p), report);
            default -> reportLog.error(policy.marker(),
                    "memory error at {}; the block is leaked\n{}", BlockReport.hex(p), report);
        }
        switch (policy) {
            case THROW -> throw new MemoryCorruptionError(problem, p, report);
            case LOG -> {
                // Logged above: the caller goes on.
            }
            case ABORT -> abort(report);
        }
    }

    /**
     * CPython's {@code Py_FatalError}: the report and the current thread's stack go straight to
     * stderr (a logging back end may buffer, and nothing runs after the halt: the report's log
     * event, made before, may be lost), then the JVM halts with {@value #ABORT_STATUS}.
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
