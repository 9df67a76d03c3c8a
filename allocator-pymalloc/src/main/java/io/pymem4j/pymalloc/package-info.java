/**
 * CPython's small-object allocator, obmalloc ("pymalloc"), on native memory: the backend
 * named {@code pymalloc} ({@link io.pymem4j.pymalloc.PymallocProvider}), serving the MEM and
 * OBJ domains with one shared {@link io.pymem4j.pymalloc.Pymalloc}.
 *
 * <h2>Structures</h2>
 * Everything obmalloc keeps in C structs is in native memory here, at the same offsets as
 * a 64-bit CPython build, read and written through {@link io.pymem4j.api.NativeMemory}:
 * <pre>{@code
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
 * }</pre>
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
 *       it is the last in {@code usable_arenas} (bpo-37257). Threaded mode keeps up to
 *       {@code pymalloc.arena.retain} emptied arenas mapped for a while and reuses them before
 *       it maps a new one, so that an oscillating live set does not fault in fresh pages
 *       ({@code Arenas} has the design).</li>
 *   <li>Ownership ({@code address_in_range}) is the 3.10+ arena map: a 3-level radix tree
 *       over address bits, nodes {@code calloc}'d through the raw backend ({@code ArenaMap}).
 *       It never reads memory pymalloc does not own, in both geometries. In threaded mode
 *       its pairs are kept a second time in a two-level table on the Java heap, which
 *       {@code free} and {@code realloc} read: two array loads instead of four native
 *       reads (GIL mode reads the native tree alone, as CPython does).</li>
 * </ul>
 *
 * <h2>Where each part lives</h2>
 * <ul>
 *   <li>{@link io.pymem4j.pymalloc.Pymalloc}: the entry points, the checks a pointer passes
 *       there, other threads' frees, statistics and introspection.</li>
 *   <li>{@code Pools} ({@code Pymalloc}'s superclass, so that the fast path reads it through
 *       {@code this}): the pool algorithm on a heap's rings ({@code pymalloc_alloc},
 *       {@code pymalloc_pool_extend}, {@code allocate_from_new_pool}, {@code pymalloc_free})
 *       and the owner's collection of other threads' frees.</li>
 *   <li>{@code PoolHeader}: {@code struct pool_header}'s offsets and a pool's link into and
 *       unlink from a {@code usedpools} ring.</li>
 *   <li>{@code Arenas}: the {@code arenas} vector of {@code struct arena_object},
 *       {@code unused_arena_objects}, {@code usable_arenas}, {@code nfp2lasta} and the arena
 *       counters; a pool is taken from or returned to an arena there, under the arena lock.</li>
 *   <li>{@code Heaps} (the heaps table, {@code Pools}' superclass so that the fast path
 *       reads it through {@code this}), {@code Heap} (one heap: {@code usedpools}, warm pool,
 *       remote frees), {@code RemoteFrees} (a heap's queue of other threads' frees) and
 *       {@code BlockCache} (a heap's front cache): the threads' side, below.</li>
 *   <li>{@code ArenaMap}: {@code address_in_range}. {@link io.pymem4j.pymalloc.Geometry}: the
 *       tunables and what follows from them. {@link io.pymem4j.pymalloc.PymallocStats}: the
 *       {@code _debugmallocstats} figures and text, gathered by {@code Arenas} with what the
 *       heaps add.</li>
 * </ul>
 * Measurements behind the design choices are in {@code docs/pymalloc-design-notes.md}.
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
 * {@link io.pymem4j.pymalloc.Pymalloc#of(io.pymem4j.runtime.PyMemRuntime)} finds a runtime's
 * instance (under hooks too); its {@link io.pymem4j.pymalloc.Pymalloc#stats()} is a typed
 * {@link io.pymem4j.pymalloc.PymallocStats} and
 * {@link io.pymem4j.pymalloc.Pymalloc#debugMallocStats()} the
 * {@code sys._debugmallocstats()} text.
 *
 * <p>{@link io.pymem4j.pymalloc.PymallocStatistics} puts them in the {@code Statistics}
 * attribute of a runtime registered with {@link io.pymem4j.runtime.PyMemManagement#register}
 * whose backend is pymalloc (one snapshot per read):
 * <table>
 *   <caption>The pymalloc section of the runtime MXBean</caption>
 *   <tr><th>key</th><th>{@code PymallocStats}</th></tr>
 *   <tr><td>{@code pymalloc.arenas.allocated}</td><td>arenas held now</td></tr>
 *   <tr><td>{@code pymalloc.arenas.highwater}</td><td>{@code narenas_highwater}</td></tr>
 *   <tr><td>{@code pymalloc.arenas.total}</td><td>{@code ntimes_arena_allocated}</td></tr>
 *   <tr><td>{@code pymalloc.arenas.reclaimed}</td><td>arenas given back</td></tr>
 *   <tr><td>{@code pymalloc.arenas.bytes}, {@code .bytes.peak}</td><td>arena bytes held now, at most</td></tr>
 *   <tr><td>{@code pymalloc.pools.unused}</td><td>free pools over all arenas</td></tr>
 *   <tr><td>{@code pymalloc.blocks.allocated}</td><td>{@code sys.getallocatedblocks()}: pool and raw blocks</td></tr>
 *   <tr><td>{@code pymalloc.blocks.raw}</td><td>{@code raw_allocated_blocks} (requests above 512 bytes)</td></tr>
 *   <tr><td>{@code pymalloc.bytes.allocated}</td><td>bytes in the pool blocks in use</td></tr>
 * </table>
 *
 * <h2>Threads: a heap per thread</h2>
 * In GIL mode ({@code PyMemRuntime.builder().gil(...)}, {@code pymem4j.gil=true}) the MEM and
 * OBJ callers hold the runtime's interpreter lock, as CPython's hold the GIL, and pymalloc
 * is obmalloc exactly: one set of {@code usedpools}, no lock at all. The debug layer checks
 * the promise.
 *
 * <p>Otherwise (the default) any thread may call, and each thread allocates from a
 * {@code Heap} of its own, as mimalloc and CPython's free-threaded build do:
 * <pre>{@code
 *   thread A                         thread B
 *   heap 1: usedpools[], warmPool    heap 2: usedpools[], warmPool     owned, lock-free
 *      |  rings of pools whose          |
 *      |  header says owner = 1         |  free(p), p in a pool of heap 1:
 *      |                                +--> p's address into heap 1's RemoteFrees queue
 *      |  <-- RemoteFrees: [p|q|r| ]        (one CAS; when full, p -> remoteFrees list)  lock-free
 *      v
 *   shared, under the arena lock: arenas, usable_arenas, nfp2lasta, the arena map's
 *   writes, the heaps table, heaps with no owner
 * }</pre>
 * <ul>
 *   <li>A heap has its own {@code usedpools} rings. A pool taken from an arena belongs to
 *       one heap until it is empty again: its owner's id sits in the pool header's 4 spare
 *       bytes (the upper half of the 8-byte {@code ref} union, which {@code count} leaves
 *       unused), so the header keeps obmalloc's 48 bytes and every geometry its block counts.
 *       Only the owner touches the pool's free list, count and ring links: malloc and a
 *       free by the owner take no lock and no atomic instruction.</li>
 *   <li>A free by another thread is one CAS: the block's address goes into the owner
 *       heap's {@code RemoteFrees} queue (many producers, one consumer). The freeing thread
 *       never writes into the block, so the block's cache line stays with the owner, which
 *       takes eight addresses per cache line with independent loads, where a list linked
 *       through the blocks would move each block's line to the freeing thread and back and
 *       be walked one dependent miss at a time. A full queue (1024 blocks)
 *       sends the block onto the heap's {@code remoteFrees} list, linked through its first
 *       word. The owner collects both whenever one of its rings runs dry, before it would
 *       take a new pool, and in {@link io.pymem4j.pymalloc.Pymalloc#collect()}; it takes the
 *       list with one atomic swap (a bulk take cannot suffer ABA).
 *       Statistics count pending remote frees as free blocks: each heap's owner counts the
 *       blocks it pushes and those it collects, and the pending ones are the sum over heaps
 *       of the difference, so neither side writes a counter the other one writes.</li>
 *   <li>A pool that empties stays in its ring as the heap's one <em>warm</em> pool; the warm
 *       pool it replaces goes back to its arena. A loop that allocates and frees one block
 *       never takes the arena lock; at most one pool per thread is held back from its arena,
 *       and {@code collect()} gives it back.</li>
 *   <li>The arena lock is taken only when a pool moves between a heap and an arena, and when
 *       an arena is mapped or unmapped: once per pool lifetime, not per block.</li>
 *   <li>A thread's first request takes a heap left by an ended thread (the owner's end is
 *       seen through {@link java.lang.Thread#isAlive()}, which orders its last writes before
 *       the taker's reads), or a new one. A free into the heap of an ended thread is done at
 *       once under the arena lock, so the arenas of a pool of worker threads go back when
 *       their blocks are freed after the workers end. A heap is never freed before
 *       {@code close()}: virtual threads get one each, reused after they end.</li>
 *   <li>What runs without any lock: raw requests (libc is thread-safe), with
 *       {@code raw_allocated_blocks} counted in the calling thread's heap (atomically only
 *       for a thread that has none); the ownership test in
 *       {@code free} and {@code realloc} (the arena of a live block was marked before the
 *       block was handed out, and for a foreign pointer every view of the map answers "not
 *       ours"; map nodes are freed only by {@code close()}); reading a live block's
 *       {@code szidx} and owner, which do not change while it is live.</li>
 * </ul>
 * The hot paths allocate no Java objects.
 *
 * <h2>The front cache (threaded mode)</h2>
 * With the runtime option {@code pymalloc.cache} set to {@code true} (off by default, and in
 * the constructors without the flag), each threaded heap also keeps, on the Java
 * heap, a stack of free blocks per size class ({@code BlockCache}), and its owner's malloc
 * and free work on that stack first, as the thread caches of tcmalloc, jemalloc and
 * mimalloc's free lists do:
 * <pre>{@code
 *   thread A's heap
 *   cache (long[])          class 0: [p9|p4|p7]        class 3: [q2|q5|..|q8]   ...
 *     malloc(64): pop q8 -------------------------------------^   no native access at all
 *     free(q8) by A: arena map, then the pool header's owner and szidx (one line), push q8
 *          |  full (bound reached): the older half goes back      ^  empty: refill half the bound
 *          v  to the pools' free lists (pymalloc_free)            |  from the class's ring (pool_pop)
 *   usedpools rings of pools, arenas: obmalloc as above, the pool counts include the cached blocks
 *     free(q) by B: the owner's RemoteFrees queue as above, never B's cache; the owner
 *     collects it into its pools
 * }</pre>
 * <ul>
 *   <li>A cached block stays handed out as far as its pool knows; statistics count it as
 *       free, like a pending remote free. A class holds at most 8 KiB of blocks, between 16
 *       and 63 of them, so a thread holds back at most a few hundred KiB.</li>
 *   <li>The cache goes back to the pools: in {@code collect()} (the caller's heap); when the
 *       heap is disowned, its thread having ended (under the arena lock, as the rest of the
 *       heap); half a class at a time when the class is full; and whole when the heap's last
 *       live block is freed after at least eight refills since the cache was last emptied,
 *       together with the warm pool, so that a program that frees everything gives its
 *       arenas back (but the last, bpo-37257) without calling {@code collect()}, while a loop
 *       that takes and frees one block keeps its blocks cached.</li>
 *   <li>The checks stay where they were: a free reads the arena map and the pool header
 *       before it pushes, so a bad pointer is refused with the same
 *       {@link java.lang.IllegalArgumentException} before it could reach a cache.</li>
 *   <li>GIL mode never has a cache: it stays obmalloc exactly.</li>
 * </ul>
 *
 * <h2>Misuse it refuses, and what is the debug layer's</h2>
 * {@code free} (and {@code realloc}) of a pointer in one of its arenas checks what the fast
 * path can check without a division and without a load from another cache line than the
 * pool header's: the pool must have an owner (a pointer into a pool never handed out is
 * refused), and the pointer must be the start of one of the pool's blocks, not inside a
 * block, the header or the tail the blocks leave (a multiply by the size class's
 * precomputed reciprocal and one compare). Either refusal is an
 * {@link java.lang.IllegalArgumentException} naming the address and why; nothing is freed.
 * A double free, or a free of a block that is no longer live, is not detected: pymalloc
 * does not know which blocks are live, and would hand the block out twice. That is the
 * debug layer's to find ({@code pymalloc_debug}), as in CPython.
 *
 * <p>After {@link io.pymem4j.pymalloc.Pymalloc#close()} every call (malloc, calloc, realloc,
 * free, collect, stats) throws {@link java.lang.IllegalStateException}, from any thread,
 * whether or not it had a heap, at no cost on the fast paths: close empties what they read
 * (GIL mode's heap, the heap cache, each heap's owner, the arena map's root, which becomes
 * an empty one that is never freed), so every later call falls into a slow path, which checks.
 * A call racing with {@code close()} itself is not covered.
 */
package io.pymem4j.pymalloc;
