package io.pymem4j.tracemalloc;

import java.util.Comparator;
import java.util.Objects;

/**
 * One frame of a {@link Traceback}: Python's {@code tracemalloc.Frame}, with the Java
 * method it names.
 *
 * <p>{@link #filename()} is the source file as a path below the source root, made from the
 * declaring class's package and the file name its class file records:
 * {@code io/pymem4j/tracemalloc/TracemallocTest.java}. That keeps two {@code Util.java} of
 * different packages apart and lets {@link Filter} patterns such as {@code "java/*"} select
 * whole packages. A class file without a {@code SourceFile} attribute gives
 * {@code <unknown>}; a negative line (none recorded, native method) gives 0, as CPython
 * does. {@link #className()} and {@link #methodName()} are null in frames built by hand
 * (Python-style {@code Frame.of("a.py", 2)}) and in the keys of {@code filename} statistics.
 *
 * <p>Frames are ordered by filename, then line, then class and method (null first): the
 * total ordering of Python's {@code (filename, lineno)} tuple, extended so that it agrees
 * with {@link #equals}.
 *
 * @param filename   the source path, or {@code <unknown>}
 * @param lineno     the line, 0 when unknown
 * @param className  the declaring class's binary name, or null
 * @param methodName the method's name, or null
 * @since 0.1
 */
public record Frame(String filename, int lineno, String className, String methodName) implements Comparable<Frame> {

    /** The file name of a frame whose source is unknown, as CPython spells it. */
    public static final String UNKNOWN_FILE = "<unknown>";

    private static final Comparator<String> NULL_FIRST = Comparator.nullsFirst(Comparator.naturalOrder());
    private static final Comparator<Frame> ORDER = Comparator.comparing(Frame::filename)
            .thenComparingInt(Frame::lineno)
            .thenComparing(Frame::className, NULL_FIRST)
            .thenComparing(Frame::methodName, NULL_FIRST);

    public Frame {
        Objects.requireNonNull(filename, "filename");
        lineno = Math.max(lineno, 0);
    }

    /** A frame of a file and line only, as Python code builds them. */
    public static Frame of(String filename, int lineno) {
        return new Frame(filename, lineno, null, null);
    }

    /** The frame of a Java stack element, named as the class doc says. */
    public static Frame of(StackTraceElement e) {
        return new Frame(sourcePath(e.getClassName(), e.getFileName()), e.getLineNumber(), e.getClassName(),
                e.getMethodName());
    }

    static String sourcePath(String className, String fileName) {
        if (fileName == null) {
            return UNKNOWN_FILE;
        }
        int dot = className.lastIndexOf('.');
        return dot < 0 ? fileName : className.substring(0, dot).replace('.', '/') + '/' + fileName;
    }

    @Override
    public int compareTo(Frame o) {
        return ORDER.compare(this, o);
    }

    /** Python's str: {@code filename:lineno}. */
    @Override
    public String toString() {
        return filename + ":" + lineno;
    }

    /** Python's repr: {@code <Frame filename='a.py' lineno=2>}. */
    public String repr() {
        return "<Frame filename=" + Formats.pyRepr(filename) + " lineno=" + lineno + ">";
    }
}
