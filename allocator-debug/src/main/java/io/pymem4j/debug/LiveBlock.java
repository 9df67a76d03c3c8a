package io.pymem4j.debug;

import io.pymem4j.api.PyMemAllocatorDomain;

/**
 * A block as the reports show it: what the {@linkplain BlockTable block table} recorded when
 * the block was made, off the native heap so that a corrupted header cannot mislead them.
 *
 * @param size   the requested size
 * @param serial the serial number of the call that made it (or last moved it)
 * @param domain the domain that made it
 */
record LiveBlock(long size, long serial, PyMemAllocatorDomain domain) {
}
