package io.pymem4j.tracemalloc;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.RandomAccess;
import java.util.StringJoiner;
import java.util.function.BiFunction;

/**
 * Where a block was allocated: Python's {@code tracemalloc.Traceback}, an immutable list of
 * {@link Frame}s stored <b>oldest first</b>, most recent last (Python 3.7+, bpo-32121).
 *
 * <p>{@link #of(List)} takes the frames most recent first, as the tracer captures them and
 * as Python's constructor takes them, and reverses them. Equality, hash and ordering look at
 * the frames only (not at {@link #totalNframe()}), as in Python; the ordering compares the
 * stored frames lexicographically, oldest first.
 *
 * <p>Tracebacks the tracer captures are interned: every trace allocated from one call path
 * shares one instance, so a snapshot of a million blocks from a few call sites holds a few
 * tracebacks.
 *
 * @since 0.1
 */
public final class Traceback extends AbstractList<Frame> implements RandomAccess, Comparable<Traceback> {

    /** The traceback of an allocation with no Java frame outside the allocator machinery. */
    static final Traceback UNKNOWN = new Traceback(new Frame[]{Frame.of(Frame.UNKNOWN_FILE, 0)}, 1);

    private static final int NO_TOTAL = -1;

    private final Frame[] frames; // oldest first
    private final int totalNframe;
    private final int hash;

    private Traceback(Frame[] oldestFirst, int totalNframe) {
        this.frames = oldestFirst;
        this.totalNframe = totalNframe;
        this.hash = Arrays.hashCode(oldestFirst);
    }

    /** A traceback of {@code mostRecentFirst} (reversed for storage), without a total frame count. */
    public static Traceback of(List<Frame> mostRecentFirst) {
        return new Traceback(reversed(mostRecentFirst.toArray(Frame[]::new)), NO_TOTAL);
    }

    /** A traceback of {@code mostRecentFirst} (reversed for storage) cut from a stack of {@code totalNframe} frames. */
    public static Traceback of(List<Frame> mostRecentFirst, int totalNframe) {
        if (totalNframe < 0) {
            throw new IllegalArgumentException("total_nframe must be >= 0, not " + totalNframe);
        }
        return new Traceback(reversed(mostRecentFirst.toArray(Frame[]::new)), totalNframe);
    }

    /** A traceback of these frames, most recent first. */
    public static Traceback of(Frame... mostRecentFirst) {
        return of(List.of(mostRecentFirst));
    }

    /** The tracer's constructor: the first {@code n} of {@code mostRecentFirst}; {@code total} -1 when not known. */
    static Traceback captured(Frame[] mostRecentFirst, int n, int total) {
        return new Traceback(reversed(Arrays.copyOf(mostRecentFirst, n)), total);
    }

    private static Frame[] reversed(Frame[] a) {
        for (int i = 0, j = a.length - 1; i < j; i++, j--) {
            Frame t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        for (Frame f : a) {
            Objects.requireNonNull(f, "frame");
        }
        return a;
    }

    /** Frame {@code index}, oldest first. */
    @Override
    public Frame get(int index) {
        return frames[index];
    }

    @Override
    public int size() {
        return frames.length;
    }

    /** The most recent frame (the allocation site); the {@code lineno} statistics key on it. */
    public Frame mostRecent() {
        return frames[frames.length - 1];
    }

    /** True when frame {@code i} (most recent first) is {@code f}; used by the interner. */
    boolean recentIs(int i, Frame f) {
        Frame mine = frames[frames.length - 1 - i];
        return mine == f || mine.equals(f);
    }

    /**
     * These frames without a total frame count: the key of {@code traceback} statistics, which
     * Python builds as {@code Traceback(frames)}, so that their {@code repr} has no
     * {@code total_nframe}.
     */
    Traceback withoutTotal() {
        return totalNframe == NO_TOTAL ? this : new Traceback(frames, NO_TOTAL);
    }

    /** The raw total count; -1 when not set. */
    int rawTotal() {
        return totalNframe;
    }

    /**
     * How many frames the stack had when the traceback was cut ({@code total_nframe}, 3.9+),
     * saturating at 65535. Empty when not known: a hand-made traceback without it, or a
     * capture cut at the traceback limit while not counting all frames (see
     * {@link Tracemalloc#countAllFrames(boolean)}).
     */
    public OptionalInt totalNframe() {
        return totalNframe == NO_TOTAL ? OptionalInt.empty() : OptionalInt.of(totalNframe);
    }

    @Override
    public boolean equals(Object o) {
        if (o == this) {
            return true;
        }
        if (o instanceof Traceback t) {
            return hash == t.hash && Arrays.equals(frames, t.frames);
        }
        return super.equals(o);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public int compareTo(Traceback o) {
        return Arrays.compare(frames, o.frames);
    }

    /**
     * {@code Traceback.format(limit, most_recent_first)} without source lines: a
     * {@code   File "<filename>", line <n>} line per frame. {@code limit} null formats every
     * frame; a positive limit keeps the {@code limit} most recent frames; zero or a negative
     * limit keeps what Python's slice {@code self[:limit]} keeps: nothing for zero, else the
     * frames but the {@code |limit|} most recent ones (for a two-frame traceback and -1, the
     * oldest; for -2 or less, nothing). {@code mostRecentFirst} reverses the order after
     * slicing.
     */
    public List<String> format(Integer limit, boolean mostRecentFirst) {
        return format(limit, mostRecentFirst, (file, line) -> null);
    }

    /** All frames, oldest first, as {@code format(null, false)}. */
    public List<String> format() {
        return format(null, false);
    }

    /**
     * As {@link #format(Integer, boolean)}, with the source line {@code sourceLines} gives
     * for a frame (Python's {@code linecache.getline}) stripped and indented by four spaces
     * below its frame line when it is neither null nor blank.
     */
    public List<String> format(Integer limit, boolean mostRecentFirst, BiFunction<String, Integer, String> sourceLines) {
        int from = 0;
        int to = frames.length;
        if (limit != null) {
            if (limit > 0) {
                from = Math.max(0, frames.length - limit);
            } else if (limit == 0) {
                to = 0; // self[:0] is empty, not self[:len]
            } else {
                to = Math.max(0, frames.length + limit);
            }
        }
        List<Frame> slice = new ArrayList<>(Arrays.asList(frames).subList(from, to));
        if (mostRecentFirst) {
            Collections.reverse(slice);
        }
        List<String> lines = new ArrayList<>();
        for (Frame f : slice) {
            lines.add("  File \"" + f.filename() + "\", line " + f.lineno());
            String source = sourceLines.apply(f.filename(), f.lineno());
            if (source != null && !source.isBlank()) {
                lines.add("    " + source.strip());
            }
        }
        return lines;
    }

    /** Python's str: the oldest stored frame, {@code file:line}. */
    @Override
    public String toString() {
        return frames.length == 0 ? "" : frames[0].toString();
    }

    /** Python's repr: {@code <Traceback (<Frame ...>, ...)>} plus {@code  total_nframe=N} when set. */
    public String repr() {
        StringJoiner tuple = new StringJoiner(", ", "(", frames.length == 1 ? ",)" : ")");
        for (Frame f : frames) {
            tuple.add(f.repr());
        }
        return "<Traceback " + tuple + (totalNframe == NO_TOTAL ? ">" : " total_nframe=" + totalNframe + ">");
    }
}
