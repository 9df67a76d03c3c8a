/** CPython's small-object allocator (obmalloc) on native memory: not yet built (issue: allocator-pymalloc). */
package io.pymem4j.pymalloc;
