package io.pymem4j.replay;

/**
 * The header of a {@code .pymt} trace, after the magic and the version.
 *
 * @param eventCount     how many events follow
 * @param maxId          the largest block id the events use
 * @param peakLiveBlocks the most blocks live at once
 * @param peakLiveBytes  the most requested bytes live at once
 * @since 0.1
 */
public record TraceHeader(long eventCount, long maxId, long peakLiveBlocks, long peakLiveBytes) {
}
