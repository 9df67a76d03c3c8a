/**
 * The hook layer {@code guard}: CPython's debug checks on a random sample of blocks, cheap
 * enough to leave on in a service, as GWP-ASan, mimalloc's guarded mode and Linux's KFENCE
 * do for C heaps.
 *
 * <h2>Sampling</h2>
 * Each thread counts down to its next sampled block ({@code SampleCountdown}):
 * the gaps are geometric with mean {@code guard.sample}, so every new block is sampled with
 * probability 1/N, independently of the others. A sampled block gets the {@code debug}
 * layer's full treatment, by the debug layer's own code
 * ({@link io.pymem4j.debug.DebugChecks}): the size field, the API id, FORBIDDENBYTE pads on
 * both sides, CLEANBYTE data, a serial number, and the Java frames that allocated it. Every
 * other block is the layer below's, untouched: same pointer, no byte written.
 *
 * <h2>The region</h2>
 * Sampled blocks do not come from the layer below: the layer reserves one region of
 * {@code guard.slots} slots of {@code guard.slot.bytes} each when it is made (as GWP-ASan
 * reserves its pool), and a sampled block takes one slot. So free and realloc tell a sampled
 * block by a range compare, with no lookup for the others:
 * <pre>
 *   region (page-aligned, guard.slots x guard.slot.bytes)
 *   +----------------------------+----------------------------+-----
 *   | slot 0                     | slot 1                     | ...
 *   | size|id FD..|data CD..|FD..|serial|   (rest unused)      |
 *   +----------------------------+----------------------------+-----
 *     ^ base       ^ p = base + 16: the user pointer, 16-byte aligned
 *
 *   free(p):  p - start &lt; region bytes (unsigned) ? the guard's check : below.free(p)
 * </pre>
 * A request larger than a slot holds (its size plus 32 bytes of decoration) is not sampled
 * ({@code guard.blocks.tooLarge}); when every slot is live a block due to be sampled is not
 * either ({@code guard.blocks.unslotted}). A realloc keeps a sampled block in its slot when
 * the new size fits one, and otherwise moves it to a block of the layer below (copying its
 * data and freeing the slot as a free would); the realloc of a block that was not sampled
 * stays below.
 *
 * <h2>Checks</h2>
 * At free and realloc, a sampled block's API id, pads, size field and serial number are
 * checked, and a problem is reported with the debug layer's report: the same text, the
 * block's allocation traceback, then the freeing thread's stack in the log event. A freed
 * sampled block is filled with DEADBYTE and held in a quarantine of {@code guard.quarantine}
 * blocks; when it leaves (oldest first), or on {@link io.pymem4j.guard.GuardHook#check()},
 * a byte no longer DEADBYTE is reported as a write after free. A second free of a sampled
 * block, in quarantine or after, is a double free, until its slot is reused (free slots are
 * reused oldest first). A bad block's slot is leaked, so it is never handed out again, and a
 * sampled block never reaches the layer below. What follows a report is
 * {@code guard.policy}: throw, abort or log, as {@code debug.policy}.
 *
 * <h2>No page protection</h2>
 * GWP-ASan and KFENCE put each sampled block next to an inaccessible page, so that an
 * overflow faults at the faulting instruction. A JVM cannot do that: HotSpot turns a SIGBUS in
 * an unsafe access into an {@link java.lang.InternalError}, but a SIGSEGV on a protected page
 * in a native access crashes the JVM. The guard layer therefore checks at free, when a block
 * leaves the quarantine and on demand, and catches a write that lands in the pads or in a
 * freed block; a write that skips past the pads into another slot is found only if it lands
 * in a sampled block's decoration there.
 *
 * <h2>Management figures</h2>
 * {@link io.pymem4j.guard.GuardStatistics} puts the layer's figures in the {@code Statistics}
 * attribute of a runtime registered with {@link io.pymem4j.runtime.PyMemManagement#register}:
 * <table>
 *   <caption>The guard section of the runtime MXBean</caption>
 *   <tr><th>key</th><th>{@code GuardHook}</th></tr>
 *   <tr><td>{@code guard.blocks.sampled}</td><td>{@code sampledBlocks()}: made in a slot</td></tr>
 *   <tr><td>{@code guard.blocks.checked}</td><td>{@code checkedBlocks()}: checks run</td></tr>
 *   <tr><td>{@code guard.problems}</td><td>{@code problemsFound()}: reports written</td></tr>
 *   <tr><td>{@code guard.blocks.unslotted}, {@code guard.blocks.tooLarge}</td>
 *       <td>{@code unslottedBlocks()}, {@code tooLargeBlocks()}: due to be sampled, passed down</td></tr>
 *   <tr><td>{@code guard.blocks.live}, {@code guard.quarantine.blocks}</td>
 *       <td>{@code liveBlocks()}, {@code quarantinedBlocks()}: slots in use now</td></tr>
 * </table>
 */
package io.pymem4j.guard;
