/**
 * The {@code mimalloc} backend, built as a third party builds one: it depends on
 * allocator-api only and joins through {@code META-INF/services}.
 *
 * <pre>
 *   MEM / OBJ -> [debug] -> MimallocAllocator ("mimalloc") -> MimallocLibrary -> libmimalloc.so.2: mi_malloc ...
 *   RAW -------> [debug] -> malloc (allocator-raw)
 * </pre>
 *
 * <ul>
 *   <li>{@link io.pymem4j.mimalloc.MimallocProvider}: the provider; {@code mimalloc_debug}
 *       comes for free, as the stack grammar reads {@code X_debug} as {@code X+debug}.</li>
 *   <li>{@link io.pymem4j.mimalloc.MimallocAllocator}: the four calls, CPython's size checks.</li>
 *   <li>{@code MimallocLibrary}: opens the library once, or says why it cannot
 *       ({@code pymem4j.mimalloc.library} names another file).</li>
 *   <li>{@link io.pymem4j.mimalloc.MimallocStatistics}: {@code mi_process_info} for the
 *       runtime's MXBean.</li>
 * </ul>
 */
package io.pymem4j.mimalloc;
