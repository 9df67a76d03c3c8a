package io.pymem4j.debug;

import io.pymem4j.api.PyMemAllocatorDomain;

/**
 * What the layer remembers of a block it handed out, off the native heap so that a
 * corrupted header cannot mislead the checks.
 *
 * @param size   the requested size
 * @param serial the serial number of the call that made it (or last moved it)
 * @param domain the domain that made it
 */
record LiveBlock(long size, long serial, PyMemAllocatorDomain domain) {
}
