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
 * ({@code debug.serialno=false}: 3S = 24 bytes). A freed block is filled with DD from b to
 * its end before it goes back to the backend (or into the quarantine).
 *
 * <h2>What mirrors what in CPython</h2>
 * <table>
 *   <caption>Classes and their CPython counterparts</caption>
 *   <tr><th>class</th><th>CPython ({@code Objects/obmalloc.c} unless noted)</th></tr>
 *   <tr><td>{@link io.pymem4j.debug.DebugHookProvider}</td><td>{@code PyMem_SetupDebugHooks}, the
 *       {@code _debug} allocator names</td></tr>
 *   <tr><td>{@link io.pymem4j.debug.DebugHook}</td><td>{@code _PyRuntime.allocators.debug},
 *       {@code serialno}, {@code _PyMem_DebugCheckAddress}</td></tr>
 *   <tr><td>{@code BlockTable}</td><td>(none: CPython trusts the block's header)</td></tr>
 *   <tr><td>{@link io.pymem4j.debug.DebugAllocator}</td><td>{@code debug_alloc_api_t} with
 *       {@code _PyMem_DebugRawMalloc/Calloc/Realloc/Free}</td></tr>
 *   <tr><td>{@link io.pymem4j.debug.BlockLayout}</td><td>{@code PYMEM_CLEANBYTE} ... ({@code pycore_pymem.h}),
 *       {@code write_size_t}, {@code read_size_t}, {@code PYMEM_DEBUG_EXTRA_BYTES},
 *       {@code _PyMem_IsPtrFreed}</td></tr>
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
 * write after free when one leaves it. What happens after a report is the policy
 * ({@code debug.policy}: throw, abort, log); see {@link io.pymem4j.debug.DebugConfig}.
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
 * attribute of a runtime registered with {@link io.pymem4j.api.PyMemManagement#register}
 * whose stack has the layer:
 * <table>
 *   <caption>The debug section of the runtime MXBean</caption>
 *   <tr><th>key</th><th>{@code DebugHook}</th></tr>
 *   <tr><td>{@code debug.blocks.live}</td><td>{@code liveBlocks()}: handed out, not freed</td></tr>
 *   <tr><td>{@code debug.serialNumber}</td><td>{@code serialNumber()}: the last serial given</td></tr>
 *   <tr><td>{@code debug.quarantine.blocks}, {@code debug.quarantine.bytes}</td>
 *       <td>{@code quarantinedBlocks()}, {@code quarantinedBytes()}: held in quarantine</td></tr>
 * </table>
 *
 * <h2>The block table</h2>
 * {@code BlockTable} holds a record of every block the layer handed out, and of the last
 * {@code debug.history} it took back, in primitive arrays: no Java object per block, none
 * made by a malloc or a free. It is 64 stripes, each a spin lock and an open-addressing
 * table with linear probing, at most half full.
 * <pre>
 *   p           region = p &gt;&gt;&gt; 10 (1 KiB)        h = murmur3 finalizer(region)
 *
 *   stripe = h &gt;&gt;&gt; 58 ──► stripes[0..63]: { spin lock, long[] slots, long[] movedTo, used, live }
 *   home   = (p &gt;&gt;&gt; 4) * 4 + h, modulo the stripe's slots: the 64 granules of 16 bytes of a
 *            region are every 4th slot of a run of 256, so blocks that are neighbours in memory
 *            are neighbours in the table, and the runs of regions that meet interleave
 *
 *   slots: | key p | size | serial | meta | key p' | size | serial | meta | 0 (empty) | ...
 *   meta:  bits 0-1 kind (LIVE, FREED, MOVED, LEAKED), 2 pinned, 3-4 domain, 5-6 domain that
 *          ended it, 8-63 return sequence (which block given back to the backend it was)
 * </pre>
 * <ul>
 *   <li>malloc, calloc and a moving realloc <em>adopt</em> the address: its record, whatever
 *       it was, becomes LIVE with the new size, serial and domain.</li>
 *   <li>free <em>takes</em> it: under the stripe's lock the record must be LIVE, the block is
 *       checked against the record ({@code _PyMem_DebugCheckAddress}, then the size field
 *       and the serial), and the record turns FREED, or LEAKED when a check failed. Of two
 *       threads freeing one block, the second finds FREED and names a double free.</li>
 *   <li>A FREED or MOVED record is the history that names a later double free or use after
 *       free; it is forgotten once {@code debug.history} more blocks went back to the backend
 *       (a count kept without an atomic instruction, so at least that many when threads free
 *       at once), and dropped when its stripe is next rebuilt. Records are never removed one by one (no
 *       tombstones): an address handed out again overwrites its own record.</li>
 *   <li>A record taken but not yet given back (a realloc under way, a block in quarantine) is
 *       <em>pinned</em>: it is kept whatever its age. LEAKED records are kept for good, as
 *       their blocks are.</li>
 *   <li>A stripe is rebuilt when half full, at twice the size unless dropping forgotten
 *       history freed a quarter of it; and when an insert probes more than 64 slots (runs of
 *       regions can pile up), at twice the size unless it keeps under an eighth of it.</li>
 * </ul>
 * Locality is the point of the layout: the records of blocks made and freed together lie
 * in address order in a few pages of the table, where the hardware's prefetch and TLB find
 * them, instead of one random cache line each (that was a fifth more time on the compile
 * replay). Still, the table's cache misses are most of what the layer costs beyond CPython's
 * hooks. The fills and checks of the block are word stores and compares.
 *
 * <h2>The GIL check</h2>
 * CPython's MEM and OBJ hooks check that the caller holds the GIL
 * ({@code _PyMem_DebugCheckGIL}); here they do so in GIL mode, against the runtime's
 * interpreter lock, and report {@code Python memory allocator called without holding the GIL}.
 */
package io.pymem4j.debug;
