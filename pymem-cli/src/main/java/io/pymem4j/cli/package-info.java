/**
 * The {@code pymem} command ({@code bin/pymem}): {@code pymem list} shows every allocator
 * stack name and provider this class path can set up; {@code pymem replay} replays a
 * {@code .pymt} allocation trace through a stack and reports its speed and memory.
 */
package io.pymem4j.cli;
