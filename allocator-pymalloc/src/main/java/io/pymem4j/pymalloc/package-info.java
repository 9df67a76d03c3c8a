/**
 * CPython's small-object allocator, obmalloc ("pymalloc"), on native memory: the backend
 * named {@code pymalloc} ({@link io.pymem4j.pymalloc.PymallocProvider}), serving the MEM and
 * OBJ domains with one shared {@link io.pymem4j.pymalloc.Pymalloc}.
 *
 * <h2>Structures</h2>
 * Everything obmalloc keeps in C structs is in native memory here, at the same offsets as
 * a 64-bit CPython build, read and written through {@link io.pymem4j.api.NativeMemory}:
 * <pre>
 *  arenas vector (raw realloc, 48 B per arena_object)        usedpools[2*i], [2*i+1] (native)
 *  +---------------------------------------------+           = nextpool/prevpool of a fake
 *  | address | pool_address | nfreepools |       |             pool header 16 B before them
 *  | ntotalpools | freepools | nextarena |       |                  |
 *  | prevarena                                   |                  v   ring of used pools
 *  +---------------------------------------------+          +--> [fake hdr] <-> [pool] <-> [pool] --+
 *         | address                                        +-------------------------------------+
 *         v
 *  arena (1 MiB, from the arena allocator: mmap)
 *  +------+--------+--------+--------+-- ... --+--------------------+
 *  | lost | pool 0 | pool 1 | pool 2 |         | not yet carved      |  <- pool_address
 *  +------+--------+--------+--------+-- ... --+--------------------+
 *            |
 *            v  pool (16 KiB, POOL_SIZE-aligned)
 *  +-----------------+-------+-------+-------+------------------------+-------+
 *  | pool_header 48B | block | block | block | virgin blocks ...      | waste |
 *  | ref.count, freeblock, nextpool, prevpool, arenaindex, szidx,     |       |
 *  | nextoffset, maxnextoffset                                       |       |
 *  +-----------------+-------+-------+-------+------------------------+-------+
 *                      freeblock -> free block -> free block -> NULL  (next pointer in the block)
 * </pre>
 * <ul>
 *   <li>A pool is <em>used</em> (on its class's ring in {@code usedpools}), <em>full</em> (on
 *       no list) or <em>empty</em> (on its arena's {@code freepools}). Blocks are carved
 *       lazily: {@code nextoffset} marks the first never-used block.</li>
 *   <li>{@code usedpools} uses CPython's trick: entry {@code 2i} initially holds the address
 *       of {@code usedpools[2i]} minus 16, a fake pool header whose {@code nextpool} and
 *       {@code prevpool} fields (offsets 16 and 24) are {@code usedpools[2i]} and
 *       {@code usedpools[2i+1]}. A ring is empty when the header points to itself, and a
 *       pool is unlinked or linked with the same four stores whether its neighbour is a real
 *       pool or the header.</li>
 *   <li>{@code usable_arenas} is a doubly linked list of arenas with free pools, sorted by
 *       ascending {@code nfreepools}; allocation takes the head, so nearly empty arenas
 *       drain and can be released. {@code nfp2lasta[k]} (a Java array) points at the
 *       rightmost arena with k free pools, so re-sorting after a free is O(1).
 *       {@code unused_arena_objects} links the slots with no arena.</li>
 *   <li>An arena whose pools are all free goes back to the arena allocator (munmap), unless
 *       it is the last in {@code usable_arenas} (bpo-37257).</li>
 *   <li>Ownership ({@code address_in_range}) is the 3.10+ arena map: a 3-level radix tree
 *       over address bits, nodes {@code calloc}'d through the raw backend ({@code ArenaMap}).
 *       It never reads memory pymalloc does not own, in both geometries.</li>
 * </ul>
 *
 * <h2>Requests</h2>
 * 1..512 bytes come from size classes of {@code ALIGNMENT} bytes; 0 bytes, more than 512,
 * and small requests when no arena can be had go to the raw backend (counted in
 * {@code raw_allocated_blocks}); foreign pointers in {@code free} and {@code realloc} go
 * to the raw backend. {@code realloc} stays in place when the block still fits and would
 * not shrink by a quarter or more ({@code 4*nbytes > 3*size}).
 *
 * <h2>Configuration and statistics</h2>
 * The runtime option {@code pymalloc.geometry} ({@code cpython310} by default, or
 * {@code classic}) picks a {@link io.pymem4j.pymalloc.Geometry}; like every runtime option
 * it can also come from the system property {@code pymem4j.pymalloc.geometry}.
 * {@link io.pymem4j.pymalloc.Pymalloc#of(io.pymem4j.api.PyMemRuntime)} finds a runtime's
 * instance (under hooks too); its {@link io.pymem4j.pymalloc.Pymalloc#stats()} is a typed
 * {@link io.pymem4j.pymalloc.PymallocStats} and
 * {@link io.pymem4j.pymalloc.Pymalloc#debugMallocStats()} the
 * {@code sys._debugmallocstats()} text.
 *
 * <h2>Threads</h2>
 * One {@link java.util.concurrent.locks.ReentrantLock} guards all allocator state (pool
 * headers, {@code usedpools}, the arena objects and lists, the arena map's writes), as the
 * GIL does in CPython. Measured uncontended on the 2-core VM, a 64-byte malloc+free pair
 * cost 30 ns with it and 35 ns with {@code synchronized} (5 ns with no lock at all), so the
 * lock is the dominant cost of the hot path. What runs outside it:
 * <ul>
 *   <li>Raw requests (libc is thread-safe), with {@code raw_allocated_blocks} updated by an
 *       atomic add.</li>
 *   <li>The ownership test in {@code free} and {@code realloc}. For a block of ours, the
 *       arena was marked under the lock before the block was handed out, and the caller's
 *       hand-off of the pointer orders that before the test; the arena cannot be released
 *       while the block is live. For a foreign pointer every possible view of the map
 *       (marked, unmarked, half-written) answers "not ours", because arena ranges never
 *       overlap live foreign blocks. Map nodes are only freed by {@code close()}.</li>
 *   <li>Reading {@code szidx} in {@code realloc}: a pool's class does not change while it
 *       holds a live block.</li>
 * </ul>
 * A block may be freed by any thread. The hot paths allocate no Java objects.
 *
 * <p>In GIL mode ({@code PyMemRuntime.builder().gil(...)}) the MEM and OBJ callers hold the
 * runtime's interpreter lock, as CPython's hold the GIL, and pymalloc takes no lock at all:
 * the 5 ns figure. The debug layer checks that promise.
 */
package io.pymem4j.pymalloc;
