/** The tracemalloc hook layer and API: not yet built (issue: allocator-tracemalloc). */
package io.pymem4j.tracemalloc;
