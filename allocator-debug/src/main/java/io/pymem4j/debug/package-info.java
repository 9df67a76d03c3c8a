/** CPython's debug hooks on every domain: not yet built (issue: allocator-debug). */
package io.pymem4j.debug;
