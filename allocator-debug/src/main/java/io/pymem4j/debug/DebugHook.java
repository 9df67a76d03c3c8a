package io.pymem4j.debug;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.spi.BlockLimit;
import io.pymem4j.spi.BlockTracebacks;
import io.pymem4j.spi.Hook;
import io.pymem4j.spi.RuntimeView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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

    private static final Logger log = LoggerFactory.getLogger(DebugHook.class);

    /** {@code _PyMem_DebugRawFree}: the function CPython names for every failed free. */
    static final String RAW_FREE = DebugChecks.RAW_FREE;
    /** {@code _PyMem_DebugRawRealloc}: the function CPython names for every failed realloc. */
    static final String RAW_REALLOC = DebugChecks.RAW_REALLOC;
    /** The exit status of {@link CorruptionPolicy#ABORT}, a process killed by SIGABRT. */
    public static final int ABORT_STATUS = 134;

    private static final Problem[] PROBLEMS = Problem.values();

    private final DebugConfig config;
    private final BlockLayout layout;
    private final DebugChecks checks;
    private final RuntimeView runtime;
    private final SerialNumbers serialno = new SerialNumbers();
    private final BlockTable table;
    private final Quarantine quarantine;
    private final long maxBlock;

    /**
     * @param config  the options
     * @param runtime the runtime the layer serves, whose tracer (a {@link BlockTracebacks}
     *                layer) reports use; may be null (no tracebacks)
     */
    public DebugHook(DebugConfig config, RuntimeView runtime) {
        this.config = config;
        this.layout = new BlockLayout(config.serialNumbers());
        this.checks = new DebugChecks(layout, config.policy(), DebugAllocator.class, false);
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
        return new DebugAllocator(this, domain, below, runtime == null ? null : runtime.interpreterLock());
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

    /** The checks, reports and policy this layer runs on its blocks. */
    DebugChecks checks() {
        return checks;
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
        return checks.check(p, size, serial, apiId);
    }

    /** A freed block of {@code size} bytes that passed its checks: fill it with DEADBYTE, then quarantine it or give it back. */
    void release(long p, long size, PyMemAllocatorEx below) {
        checks.fillFreed(p, size);
        if (quarantine == null) {
            below.free(p - HEADER);
        } else {
            reportWritten(quarantine.add(p, layout.total(size), below));
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
            LiveBlock block = recorded(p);
            checks.writtenAfterFree(p, block.size(), block.serial(), block.domain(), tracebacks());
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
        checks.corrupt(function, p, problem, apiId, block.size(), block.serial(), block.domain(), tracebacks());
    }

    /** {@code p} is not a live block: say what is known of it, without touching its memory. */
    private void notLive(String function, long p, boolean isFree) {
        BlockTable.Entry fate = table.lookup(p);
        boolean ended = fate != null && (fate.kind() == BlockTable.Kind.FREED || fate.kind() == BlockTable.Kind.MOVED)
                && fate.remembered();
        BlockTable.Entry around = ended || fate != null && fate.kind() == BlockTable.Kind.LEAKED ? null : table.containing(p);
        if (ended) {
            checks.freedBefore(function, p, isFree, fate.size(), fate.serial(), fate.domain(), fate.through(),
                    fate.kind() == BlockTable.Kind.MOVED ? fate.movedTo() : 0, tracebacks());
        } else if (fate != null && fate.kind() == BlockTable.Kind.LEAKED) {
            checks.leakedBefore(function, p, fate.size(), fate.domain(), tracebacks());
        } else if (around != null) {
            checks.interior(function, p, around.address(), around.size(), around.domain(), tracebacks());
        } else {
            List<String> why = new ArrayList<>(2);
            why.add("This layer did not make it, or freed it too long ago to remember (it remembers the last "
                    + table.history() + " frees).");
            if (fate != null && (fate.kind() == BlockTable.Kind.FREED || fate.kind() == BlockTable.Kind.MOVED)) {
                why.add("This layer did free a block at this address, but that first free is older than the frees"
                        + " it remembers: where it was freed is no longer known.");
            }
            checks.notLive(function, p, why, tracebacks());
        }
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
        checks.noGil(function);
    }
}
