package io.pymem4j.debug;

import io.pymem4j.api.InterpreterLock;
import io.pymem4j.api.NativeMemory;
import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.api.PyMemAllocatorEx;
import io.pymem4j.spi.BlockLimit;
import io.pymem4j.spi.BlockTracebacks;
import io.pymem4j.spi.Hook;
import io.pymem4j.spi.LayerLifecycle;
import io.pymem4j.spi.LiveBlockCheck;
import io.pymem4j.spi.LiveBlocks;
import io.pymem4j.spi.RuntimeView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * {@link CorruptionPolicy}; the block is leaked in every case. The checks, the decoration
 * and the reports themselves are {@link DebugChecks}, which the {@code guard} layer shares. {@link #checkLiveBlocks()}
 * runs the same checks on every live block ({@code PyMemRuntime.check()}).
 *
 * <p>While the runtime's tracer ({@link BlockTracebacks}, tracemalloc) traces, every free and
 * moving realloc keeps the ids of the block's allocation traceback and of its own traceback
 * with the freed block (in the history, or in the quarantine), so that the report of a double
 * free or of a write after free shows where the block was allocated and where it was freed.
 * The tracer is looked up again only when the runtime's stack changes
 * ({@link RuntimeView#stackVersion()}); while it does not trace, a free costs a few reads more.
 *
 * <h2>When the runtime closes</h2>
 * As a {@link LayerLifecycle}: {@link #beforeClose()} empties the quarantine into the backend
 * (a block written after its free is reported as ever), then counts the live blocks from the
 * table, with their tracebacks when the runtime traces; {@link #close()} drops the table.
 * After it, every call through the layer throws {@link IllegalStateException}, at no cost on
 * the hot paths: a free or realloc finds no record and lands in the report path, which
 * checks first; a malloc's block cannot be recorded (no leaf is made any more), so it goes
 * back to the backend and the call throws, if the backend, closed too, did not throw first.
 *
 * @since 0.1
 */
public final class DebugHook implements Hook, LiveBlockCheck, LayerLifecycle {

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
    /** {@code _PyMem_DebugCheckAddress}: CPython's check of one block, named by {@link #checkLiveBlocks()}'s reports. */
    static final String CHECK_ADDRESS = DebugChecks.CHECK_ADDRESS;
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
    /** Whether frees keep traceback ids: something keeps freed blocks (the history or the quarantine). */
    private final boolean keepsFrees;
    /** The runtime's tracer as last found, and the stack version it was found at. */
    private TracerRef tracerRef;
    /** Set by {@link #close()}; read on the slow paths only. */
    private volatile boolean closed;
    /** The allocators {@link #wrap} made, one per domain, for {@link #checkInterpreterLock}. */
    private final List<DebugAllocator> wrapped = new CopyOnWriteArrayList<>();

    /** What {@link #tracer()} found at a stack version (immutable: a racy read sees it whole). */
    private record TracerRef(int version, BlockTracebacks tracer) {
    }

    /**
     * @param config  the options
     * @param runtime the runtime the layer serves, whose tracer (a {@link BlockTracebacks}
     *                layer) reports use; may be null (no tracebacks)
     */
    public DebugHook(DebugConfig config, RuntimeView runtime) {
        this.config = config;
        this.layout = new BlockLayout(config.serialNumbers());
        this.checks = new DebugChecks(layout, config.policy(), DebugAllocator.class, false, DebugHookProvider.NAME,
                config.javaFrames());
        this.runtime = runtime;
        this.table = new BlockTable(config.historySize());
        this.quarantine = config.quarantineBytes() > 0 ? new Quarantine(config.quarantineBytes(), this::leave) : null;
        this.maxBlock = BlockLimit.of(runtime);
        this.keepsFrees = config.historySize() > 0 || quarantine != null;
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
        if (closed) {
            return false; // the caller gives the block back, then checkOpen() throws
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
    long take(long p, PyMemAllocatorDomain through, boolean forRealloc, BlockTable.Check check, long tracebacks) {
        return table.take(p, through, forRealloc || quarantine != null, check, tracebacks);
    }

    /**
     * The ids of the allocation traceback of the block {@code p} of {@code domain} and of the
     * calling thread's traceback (a free's or a realloc's), packed as the history keeps them;
     * 0 unless the runtime's tracer traces and the layer keeps freed blocks. The tracer walks
     * the stack for the second, unless its realloc did already.
     */
    long freeTracebacks(long p, PyMemAllocatorDomain domain) {
        if (!keepsFrees) {
            return 0;
        }
        return tracebackIds(tracer(), domain, p);
    }

    /**
     * The ids of the allocation traceback of the block {@code p} of {@code domain} and of the
     * calling thread's traceback (the free's or the realloc's), packed as the reports of a
     * freed block take them; 0 unless {@code tracer} traces. Costs the tracer's stack walk,
     * unless its realloc walked already; a tracer's failure gives 0, never fails the free. A
     * method of a {@link Hook}, so that the tracer leaves its frame out of the free's traceback
     * as allocator machinery; the {@code guard} layer calls it too.
     */
    public static long tracebackIds(BlockTracebacks tracer, PyMemAllocatorDomain domain, long p) {
        if (tracer == null || !tracer.tracing()) {
            return 0;
        }
        try {
            int allocated = tracer.tracebackId(domain, p);
            if (allocated == BlockTracebacks.NO_TRACEBACK) {
                allocated = tracer.tracebackId(domain, p - HEADER); // a tracer below the layer saw the base
            }
            return FreeHistory.tracebacks(allocated, tracer.captureTraceback());
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** The runtime's tracer, looked up again only when the stack changed; null when there is none. */
    private BlockTracebacks tracer() {
        if (runtime == null) {
            return null;
        }
        int version = runtime.stackVersion();
        TracerRef ref = tracerRef;
        if (ref == null || ref.version() != version) {
            ref = new TracerRef(version, runtime.findHook(BlockTracebacks.class).orElse(null));
            tracerRef = ref;
        }
        return ref.tracer();
    }

    /** Makes a block taken for a realloc that failed live again. */
    void putBack(long p) {
        table.revive(p);
    }

    /** A realloc moved the taken block from {@code from} to {@code to}: the backend freed the old address. */
    void moved(long from, long to, long tracebacks) {
        table.moved(from, to, tracebacks);
    }

    /**
     * {@code _PyMem_DebugCheckAddress} of the block at {@code p} as recorded: the first problem
     * found, or null. A block made for an alignment above the header carries its domain's
     * aligned id ({@link BlockLayout#alignedId}); an id byte that is not the domain's is checked
     * again as that one, so an ordinary block pays nothing for it.
     */
    Problem check(long p, long size, long serial, char apiId) {
        Problem problem = checks.check(p, size, serial, apiId);
        return problem == Problem.BAD_ID ? checks.check(p, size, serial, BlockLayout.alignedId(apiId)) : problem;
    }

    /** A freed block of {@code size} bytes that passed its checks: fill it with DEADBYTE, then quarantine it or give it back. */
    void release(long p, long size, PyMemAllocatorEx below, long tracebacks) {
        if (BlockLayout.isAlignedId(BlockLayout.readId(p))) {
            releaseAligned(p, size, below);
            return;
        }
        checks.fillFreed(p, size);
        if (quarantine == null) {
            below.free(p - HEADER);
        } else {
            reportWritten(quarantine.add(p, layout.total(size), below, tracebacks));
        }
    }

    /**
     * Releases a block made for an alignment above the header (see
     * {@link DebugAllocator#alignedMalloc}): the backend's block starts the alignment before
     * {@code p}. It skips the quarantine, whose exit gives back blocks that start a header
     * before their user pointer.
     */
    void releaseAligned(long p, long size, PyMemAllocatorEx below) {
        long alignment = NativeMemory.getLong(p - BlockLayout.ALIGNMENT_WORD);
        long base = p - alignment;
        BlockLayout.fill(base, alignment - HEADER + layout.total(size), DEADBYTE);
        if (quarantine != null) {
            table.returned(p); // taken pinned, as the quarantine's blocks are
        }
        below.free(base);
    }

    /** The requested size of the live block at {@code p}, or -1 (for {@code UsableSize}). */
    long liveSize(long p) {
        checkOpen();
        return table.liveSize(p);
    }

    // ---------------------------------------------------------------- close

    /**
     * The first round of the runtime's close: the quarantine goes back to the backend (a
     * block written after its free is reported under the policy), then the live blocks are
     * counted, with their requested sizes and, for the first {@value LiveBlocks#SAMPLE}, their
     * tracebacks when a tracer of the runtime traces them.
     */
    @Override
    public LiveBlocks beforeClose() {
        if (closed) {
            return null;
        }
        flushQuarantine();
        // Every live block's pads are checked as a free would check them, while the stack still
        // works: an overflow of a block never freed is reported as corruption, not only as a
        // leak. A damaged block is leaked (not in the census); under the throw policy the
        // report is thrown once the runtime has closed every layer.
        MemoryCorruptionError damaged = null;
        try {
            checkLiveBlocks();
        } catch (MemoryCorruptionError e) {
            damaged = e;
        }
        BlockTable.Census census = table.census(LiveBlocks.SAMPLE);
        BlockTracebacks tracer = tracebacks();
        List<LiveBlocks.Block> sample = new ArrayList<>();
        for (int i = 0; i < census.blocks && i < census.sample.length; i++) {
            long[] b = census.sample[i];
            PyMemAllocatorDomain domain = PyMemAllocatorDomain.ofValue((int) b[2]);
            List<BlockTracebacks.SourceLine> frames = tracer == null || !tracer.tracing() ? null : tracer.frames(domain, b[0]);
            sample.add(new LiveBlocks.Block(domain, b[0], b[1], frames));
        }
        if (damaged != null) {
            throw damaged;
        }
        return new LiveBlocks(DebugHookProvider.NAME, census.blocks, census.bytes, sample);
    }

    /**
     * Drops the block table (its leaves leave the cache all tables share) and the quarantine's
     * bookkeeping; every later call through the layer throws {@link IllegalStateException}.
     */
    @Override
    public void close() {
        closed = true;
        table.close();
        log.debug("debug layer closed");
    }

    /** True once {@link #close()} ran. */
    public boolean isClosed() {
        return closed;
    }

    /** Throws {@link IllegalStateException} once the layer is closed. */
    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("debug: the runtime of this layer is closed");
        }
    }

    /**
     * {@link #take} refused {@code p} with {@code code} in {@code function}, the free or realloc
     * of domain {@code through}: report it.
     */
    void refused(String function, long p, long code, PyMemAllocatorDomain through, boolean isFree) {
        checkOpen(); // after close no block is live: the call is refused as a closed layer's
        if (code == BlockTable.NOT_LIVE) {
            notLive(function, p, through, isFree);
        } else {
            corrupt(function, p, PROBLEMS[(int) (-2 - code)], through);
        }
    }

    /**
     * Checks the pads, size field and serial number of every live block, as a free would, and
     * reports each damaged block as corruption ({@code _PyMem_DebugCheckAddress}), with its allocation
     * traceback when traced; a damaged block is then leaked, as a failed free leaks it. Blocks
     * in quarantine are not live: {@link #flushQuarantine()} checks them. Under {@code throw}
     * the first report is thrown once every block is checked, the others suppressed in it.
     */
    @Override
    public int checkLiveBlocks() {
        List<long[]> damaged = table.checkLive((p, size, serial, domain) -> check(p, size, serial, domain.apiId()));
        DebugChecks.reportEach(damaged,
                d -> corrupt(CHECK_ADDRESS, d[0], PROBLEMS[(int) d[1]], recorded(d[0]).domain()));
        return damaged.size();
    }

    /** The quarantine's exit: a block still all DEADBYTE goes to the backend, a written one is leaked. */
    private boolean leave(long p, long total, PyMemAllocatorEx below, long tracebacks) {
        if (BlockLayout.isFilled(p - HEADER, total, DEADBYTE)) {
            table.returned(p, tracebacks);
            below.free(p - HEADER);
            return true;
        }
        table.leaked(p);
        return false;
    }

    /**
     * Reports blocks that left the quarantine written after their free: pairs of user pointer
     * and traceback ids (none when {@code written} is null). Under {@code throw} the first
     * report is thrown once all are made, the others suppressed in it.
     */
    private void reportWritten(long[] written) {
        if (written == null) {
            return;
        }
        List<Integer> pairs = new ArrayList<>(written.length / 2);
        for (int i = 0; i < written.length; i += 2) {
            pairs.add(i);
        }
        DebugChecks.reportEach(pairs, i -> {
            LiveBlock block = recorded(written[i]);
            checks.writtenAfterFree(written[i], block.size(), block.serial(), block.domain(), tracebacks(),
                    written[i + 1]);
        });
    }

    /** What the table holds for a block it took and leaked (such records are kept for good). */
    private LiveBlock recorded(long p) {
        BlockTable.Entry e = table.lookup(p);
        return e.block();
    }

    /** A live block failed a check in {@code function}, verified through {@code through}: it is leaked; report it. */
    private void corrupt(String function, long p, Problem problem, PyMemAllocatorDomain through) {
        LiveBlock block = recorded(p);
        checks.corrupt(function, p, problem, through, block.size(), block.serial(), block.domain(), tracebacks());
    }

    /**
     * {@code p}, given to the free or realloc of {@code through}, is not a live block: say what
     * is known of it, without touching its memory.
     */
    private void notLive(String function, long p, PyMemAllocatorDomain through, boolean isFree) {
        BlockTable.Entry fate = table.lookup(p);
        boolean ended = fate != null && (fate.kind() == BlockTable.Kind.FREED || fate.kind() == BlockTable.Kind.MOVED)
                && fate.remembered();
        BlockTable.Entry around = ended || fate != null && fate.kind() == BlockTable.Kind.LEAKED ? null : table.containing(p);
        if (ended) {
            long ids = fate.tracebacks();
            if (ids == 0 && quarantine != null) {
                ids = quarantine.tracebacksOf(p); // freed into the quarantine, not in the history yet
            }
            checks.freedBefore(function, p, isFree, fate.size(), fate.serial(), fate.domain(), fate.through(),
                    fate.kind() == BlockTable.Kind.MOVED ? fate.movedTo() : 0, through, ids, tracebacks());
        } else if (fate != null && fate.kind() == BlockTable.Kind.LEAKED) {
            checks.leakedBefore(function, p, fate.size(), fate.domain(), through, tracebacks());
        } else if (around != null) {
            checks.interior(function, p, around.address(), around.size(), around.domain(), through, tracebacks());
        } else {
            List<String> why = new ArrayList<>(2);
            why.add("This layer did not make it, or freed it too long ago to remember (it remembers the last "
                    + table.history() + " frees).");
            if (fate != null && (fate.kind() == BlockTable.Kind.FREED || fate.kind() == BlockTable.Kind.MOVED)) {
                why.add("This layer did free a block at this address, but that first free is older than the frees"
                        + " it remembers: where it was freed is no longer known.");
            }
            checks.notLive(function, p, why, through, tracebacks());
        }
    }

    /** The tracer of the runtime's stack (tracemalloc), found when a report is written. */
    private BlockTracebacks tracebacks() {
        return tracer();
    }

    /**
     * {@code _PyMem_DebugCheckGIL}: in GIL mode, a MEM or OBJ call from a thread that does not
     * hold the interpreter lock. CPython's message names the hook function; the policy then
     * applies. Under {@code log} the call returns here and is refused (NULL, or the block
     * kept): going on would run the lock-free allocator below from two threads at once.
     */
    void noGil(String function, PyMemAllocatorDomain domain) {
        checks.noGil(function, domain);
    }
}
