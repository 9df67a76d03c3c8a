/**
 * CPython's debug hooks as the hook layer {@code debug}, over any backend.
 *
 * <h2>Block layout</h2>
 * S is 8 ({@code sizeof(size_t)}), n the requested size, b the block the backend returned;
 * the user gets p = b + 2S, so p keeps the backend's 16-byte alignment.
 * <pre>
 *  b                 b+8  b+9            p = b+16                p+n              p+n+8            p+n+16
 *  |                  |    |              |                       |                |                |
 *  +------------------+----+--------------+-----------------------+----------------+----------------+
 *  | n, big-endian    | id | FD x 7       | data (n bytes)        | FD x 8         | serial, big-   |
 *  | (size field)     |    | leading pads | CD new, 00 calloc     | trailing pads  | endian         |
 *  +------------------+----+--------------+-----------------------+----------------+----------------+
 *   p-16 .. p-9        p-8  p-7 .. p-1      p+0 .. p+n-1            tail+0..tail+7   tail+8..tail+15
 * </pre>
 * The id is the domain's API byte: 'r' (RAW), 'm' (MEM), 'o' (OBJ). The serial number is
 * the count of debug malloc/calloc/realloc calls when the block was made; it is on by
 * default here (4S = 32 bytes of overhead) and off in CPython's default build
 * ({@code debug.serialno=false}: 3S = 24 bytes; a request under 8 bytes then still asks the
 * backend for 32, the block table's granule). It wraps at 2^52 calls. A freed block is
 * filled with DD from b to its end before it goes back to the backend (or into the quarantine).
 *
 * <h2>What mirrors what in CPython</h2>
 * <table>
 *   <caption>Classes and their CPython counterparts</caption>
 *   <tr><th>class</th><th>CPython ({@code Objects/obmalloc.c} unless noted)</th></tr>
 *   <tr><td>{@link io.pymem4j.debug.DebugHookProvider}</td><td>{@code PyMem_SetupDebugHooks}, the
 *       {@code _debug} allocator names</td></tr>
 *   <tr><td>{@link io.pymem4j.debug.DebugHook}</td><td>{@code _PyRuntime.allocators.debug},
 *       {@code serialno}, {@code _PyMem_DebugCheckAddress}</td></tr>
 *   <tr><td>{@code BlockTable}, {@code LeafTree}, {@code LeafCache}</td><td>(none: CPython trusts the
 *       block's header; the tree is shaped as CPython 3.10+'s arena map)</td></tr>
 *   <tr><td>{@link io.pymem4j.debug.DebugAllocator}</td><td>{@code debug_alloc_api_t} with
 *       {@code _PyMem_DebugRawMalloc/Calloc/Realloc/Free}</td></tr>
 *   <tr><td>{@link io.pymem4j.debug.BlockLayout}</td><td>{@code PYMEM_CLEANBYTE} ... ({@code pycore_pymem.h}),
 *       {@code write_size_t}, {@code read_size_t}, {@code PYMEM_DEBUG_EXTRA_BYTES},
 *       {@code _PyMem_IsPtrFreed}</td></tr>
 *   <tr><td>{@link io.pymem4j.debug.DebugChecks}</td><td>{@code _PyMem_DebugRawAlloc}'s decoration,
 *       {@code _PyMem_DebugCheckAddress}, {@code Py_FatalError}; shared with the {@code guard}
 *       layer, which runs it on the blocks it samples</td></tr>
 *   <tr><td>{@code BlockReport}</td><td>{@code _PyObject_DebugDumpAddress}, {@code _Py_FatalErrorFunc}</td></tr>
 *   <tr><td>{@link io.pymem4j.spi.BlockTracebacks}, found with {@code PyMemRuntime.findHook}</td>
 *       <td>{@code _PyMem_DumpTraceback} ({@code Python/tracemalloc.c})</td></tr>
 * </table>
 *
 * <h2>Beyond CPython</h2>
 * The layer keeps the live blocks off the native heap, so a pointer that is not one of them
 * (a double free, a pointer into a block, a pointer it never made) is named as such without
 * reading its memory, and a block reaches the backend's free at most once. A smashed size
 * field or serial number is caught too. An optional quarantine
 * ({@code debug.quarantine.bytes}) holds freed blocks back, filled with DD, and reports a
 * write after free when one leaves it. {@code PyMemRuntime.check()} (the layer's
 * {@link io.pymem4j.spi.LiveBlockCheck}) checks every live block, so an overflow in a block
 * that is never freed is reported as corruption too. While tracemalloc traces, the record of
 * each freed block keeps the ids of its allocation and free tracebacks
 * ({@link io.pymem4j.spi.BlockTracebacks#framesOf(int)}): the report of a double free or a write
 * after free shows where the block was allocated and where it was freed. What happens after
 * a report is the policy ({@code debug.policy}: throw, abort, log); see
 * {@link io.pymem4j.debug.DebugConfig}. A {@link io.pymem4j.debug.MemoryCorruptionError}'s
 * message opens with a Java sentence (what happened, which block, which domain) before
 * CPython's report.
 *
 * <h2>Reports in the log</h2>
 * Every report is logged at ERROR on the logger {@value io.pymem4j.debug.DebugHook#REPORT_LOGGER}
 * before the policy acts: a first line that says what happened, then the report, with the
 * policy's {@linkplain io.pymem4j.debug.CorruptionPolicy#marker() marker}. Under {@code log}
 * that event is all there is; under {@code throw} the error carries the report too, and under
 * {@code abort} it is then printed to stderr. Where stderr must be CPython's byte for byte
 * (CPython run on a stack, compared with {@code PYTHONMALLOC=debug}), the logging
 * configuration turns that logger off or sends it elsewhere.
 *
 * <h2>Management figures</h2>
 * {@link io.pymem4j.debug.DebugStatistics} puts the layer's figures in the {@code Statistics}
 * attribute of a runtime registered with {@link io.pymem4j.runtime.PyMemManagement#register}
 * whose stack has the layer:
 * <table>
 *   <caption>The debug section of the runtime MXBean</caption>
 *   <tr><th>key</th><th>{@code DebugHook}</th></tr>
 *   <tr><td>{@code debug.blocks.live}</td><td>{@code liveBlocks()}: handed out, not freed</td></tr>
 *   <tr><td>{@code debug.serialNumber}</td><td>{@code serialNumber()}: the last serial given</td></tr>
 *   <tr><td>{@code debug.quarantine.blocks}, {@code debug.quarantine.bytes}</td>
 *       <td>{@code quarantinedBlocks()}, {@code quarantinedBytes()}: held in quarantine</td></tr>
 *   <tr><td>{@code debug.table.bytes}</td><td>{@code tableBytes()}: the Java heap of the block
 *       table below</td></tr>
 * </table>
 *
 * <h2>The block table</h2>
 * {@code BlockTable} holds a record of every block the layer handed out, found from the
 * user pointer alone through a radix tree ({@code LeafTree}, with a cache of its leaves
 * that all tables share, {@code LeafCache}), as CPython 3.10+ finds a pool's arena through its
 * arena map: no hashing, no probing, no lock, no Java object per block. Blocks hold 32 bytes
 * at least (the overhead alone is 24 or 32), so two blocks never start in one 32-byte
 * granule, and the granule is the record's index.
 * <pre>
 *   p (48-bit user address)
 *   | bits 47..32        | bits 31..16          | bits 15..5       | 4..0 |
 *        root[65536] ──► mid[65536] ──► leaf: long[8 + 2 × 2048 + 8], the records of 64 KiB
 *                                             |   between a cache line of padding at each end
 *   LeafCache[(p >>> 16) mod 16384] ───────► the same leaf, if leaf[0] (its table, its region)
 *                                             |   matches: static and shared, one load not three
 *         record of p = leaf[8+2g], leaf[8+2g+1]  | g = granule of p in its region
 *         +------------------+----------------------------------------------------------+
 *         | size             | serial (52 bits) | offset in granule (5) | through (2) | domain (2) | kind (3) |
 *         +------------------+----------------------------------------------------------+
 *   kind: EMPTY, LIVE, PINNED (taken, not given back yet), FREED, MOVED, LEAKED, RETIRED (leaf swept),
 *         CHECKING (live, its pads being read by a check of every block)
 *
 *   each thread's pending frees (up to 16): | p | meta | size | movedTo | tracebacks | p' | meta' | ...
 *       ──► every 16th free, under a lock ──► the shared history of the last debug.history frees (same entries)
 * </pre>
 * <ul>
 *   <li>malloc, calloc and a moving realloc <em>adopt</em> the address: the size, then (a
 *       release store) the record LIVE with the serial and domain, whatever it was before
 *       (the address was given back, or never used), with a compare-and-set against a sweep.
 *       Leaves are made on first use; a leaf of untouched addresses is never made. A leaf is
 *       32 KiB of records for 64 KiB of addresses. When the tree has twice the leaves it kept
 *       at its last sweep (64 at least), making a leaf first sweeps it: every leaf with no
 *       LIVE, PINNED or LEAKED record is retired record by record (a compare-and-set each,
 *       undone if an adopt came first) and leaves the tree and the cache, and so does a
 *       mid node left empty. The table holds then about twice the leaves of the regions with
 *       live blocks, not the address range ever used ({@code debug.table.bytes}). When the Java
 *       heap cannot hold a new leaf (after a sweep), malloc and calloc give the backend's block
 *       back and return NULL; a moving realloc, whose old block the backend has freed,
 *       throws {@link java.lang.OutOfMemoryError}.</li>
 *   <li>free <em>takes</em> it with one compare-and-set of the record from LIVE to PINNED
 *       (FREED once the free is in the history, unless a realloc or the quarantine still
 *       holds the block), so of two threads freeing one block exactly one passes it down, and
 *       the other names a double free; then the block is checked against the
 *       record ({@code _PyMem_DebugCheckAddress}, then the size field and the serial), and a
 *       failed check turns the record LEAKED, kept for good as its block is.</li>
 *   <li>A block given back to the backend goes into its thread's pending frees, by address
 *       and final record (kind, domains, serial: one incarnation of the address), size,
 *       new address and traceback ids (0 unless tracing), written by that thread alone: no
 *       atomic instruction and no cache line shared between threads. Every 16th free of a thread moves them, under a lock, to the
 *       history shared by all threads, a ring of the last {@code debug.history} frees. A FREED
 *       or MOVED record is named a double free or a use after free only while the history or a
 *       thread's pending frees hold it, and so is an address whose leaf was swept; older ones
 *       are "not a live block", as the backend may have handed the address to someone else,
 *       and the report says the first free has aged out when the record is still there. A
 *       PINNED record (a free under way, a realloc, the quarantine) is named whatever its
 *       age.</li>
 *   <li>Reports, the count of live blocks and the search for the block around an interior
 *       pointer scan the leaves: slow, and off the hot paths.</li>
 * </ul>
 * The record of a block lies in its own leaf at an address computed from the block's, so
 * blocks made together have records together: one extra cache line per block at most. A
 * leaf's records stay out of its header's cache line, which every lookup reads for the
 * bounds check, so a thread writing its records never stalls the others' lookups. The
 * table's leaves take 16 bytes per 32 of the address ranges blocks were made in. What the
 * layer costs beyond the backend is then mostly CPython's own work: the CLEANBYTE and
 * DEADBYTE fills and the checks, word stores and compares on memory the block's user
 * touches anyway.
 *
 * <h2>The GIL check</h2>
 * CPython's MEM and OBJ hooks check that the caller holds the GIL
 * ({@code _PyMem_DebugCheckGIL}); here they do so in GIL mode, against the runtime's
 * interpreter lock, and against the lock given to
 * {@link io.pymem4j.debug.DebugHook#checkInterpreterLock} whatever the mode (an embedded
 * CPython gives its {@code PyGILState_Check()}, as CPython's hooks check it whatever the
 * allocator below), and report {@code Python memory allocator called without holding the GIL}.
 * Under {@code debug.policy=log} such a call is then refused, not run: malloc, calloc and
 * realloc return NULL and free keeps the block, because the allocator below may run GIL mode
 * without a lock of its own and two threads in it at once would corrupt it.
 */
package io.pymem4j.debug;
