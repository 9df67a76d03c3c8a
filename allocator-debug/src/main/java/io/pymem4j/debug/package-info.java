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
 * <h2>The GIL check</h2>
 * CPython's MEM and OBJ hooks check that the caller holds the GIL
 * ({@code _PyMem_DebugCheckGIL}); here they do so in GIL mode, against the runtime's
 * interpreter lock, and report {@code Python memory allocator called without holding the GIL}.
 */
package io.pymem4j.debug;
