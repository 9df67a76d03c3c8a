package io.pymem4j.tracemalloc;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Filters traces by file name, line and domain: Python's {@code tracemalloc.Filter}.
 *
 * <h2>Matching</h2>
 * <ul>
 *   <li>The file name ({@link Frame#filename()}, e.g. {@code io/pymem4j/app/Cache.java}) must
 *       match {@link #filenamePattern()} with {@code fnmatch} semantics: {@code *} any run of
 *       characters ({@code /} included), {@code ?} one character, {@code [seq]} and
 *       {@code [!seq]} a character in or not in the set; the whole name must match.</li>
 *   <li>No other normalization: Python's {@code os.path.normcase} is the identity on POSIX,
 *       and its {@code .pyc -> .py} rule has no Java counterpart (frames always name the
 *       source file, never a {@code .class}), so neither is applied; matching is
 *       case-sensitive and {@code \} is not a separator.</li>
 *   <li>{@link #lineno()} null matches any line; otherwise the line must be equal.</li>
 *   <li>{@link #allFrames()} false looks at the most recent frame only; true accepts a trace
 *       when any frame matches.</li>
 *   <li>With {@link #domain()} set, an inclusive filter needs the frames and the domain to
 *       match; an exclusive filter drops a trace only when both match.</li>
 * </ul>
 * Build with {@link #include(String)} or {@link #exclude(String)} and the {@code with}
 * methods, or with the canonical constructor.
 *
 * @since 0.1
 */
public final class Filter implements BaseFilter {

    private final boolean inclusive;
    private final String filenamePattern;
    private final Integer lineno;
    private final boolean allFrames;
    private final Integer domain;
    private final Pattern regex;

    /** Python's {@code Filter(inclusive, filename_pattern, lineno=None, all_frames=False, domain=None)}. */
    public Filter(boolean inclusive, String filenamePattern, Integer lineno, boolean allFrames, Integer domain) {
        this.inclusive = inclusive;
        this.filenamePattern = Objects.requireNonNull(filenamePattern, "filenamePattern");
        this.lineno = lineno;
        this.allFrames = allFrames;
        this.domain = domain;
        this.regex = Fnmatch.compile(filenamePattern);
    }

    /** {@code Filter(inclusive, filename_pattern)}. */
    public Filter(boolean inclusive, String filenamePattern) {
        this(inclusive, filenamePattern, null, false, null);
    }

    /** {@code Filter(inclusive, filename_pattern, lineno)}. */
    public Filter(boolean inclusive, String filenamePattern, Integer lineno) {
        this(inclusive, filenamePattern, lineno, false, null);
    }

    /** An inclusive filter of the most recent frame's file. */
    public static Filter include(String filenamePattern) {
        return new Filter(true, filenamePattern);
    }

    /** An exclusive filter of the most recent frame's file. */
    public static Filter exclude(String filenamePattern) {
        return new Filter(false, filenamePattern);
    }

    public Filter withLineno(Integer lineno) {
        return new Filter(inclusive, filenamePattern, lineno, allFrames, domain);
    }

    public Filter withAllFrames(boolean allFrames) {
        return new Filter(inclusive, filenamePattern, lineno, allFrames, domain);
    }

    public Filter withDomain(Integer domain) {
        return new Filter(inclusive, filenamePattern, lineno, allFrames, domain);
    }

    @Override
    public boolean inclusive() {
        return inclusive;
    }

    public String filenamePattern() {
        return filenamePattern;
    }

    /** The line to match, or null for any. */
    public Integer lineno() {
        return lineno;
    }

    public boolean allFrames() {
        return allFrames;
    }

    /** The domain to match, or null for any. */
    public Integer domain() {
        return domain;
    }

    private boolean frameMatches(String filename, int line) {
        return regex.matcher(filename).matches() && (lineno == null || lineno == line);
    }

    /** Python's {@code _match_frame}: the frame test, inverted for an exclusive filter. */
    public boolean matchesFrame(String filename, int line) {
        return frameMatches(filename, line) == inclusive;
    }

    /** Python's {@code _match_traceback}. */
    public boolean matchesTraceback(Traceback traceback) {
        if (allFrames) {
            for (Frame f : traceback) {
                if (frameMatches(f.filename(), f.lineno())) {
                    return inclusive;
                }
            }
            return !inclusive;
        }
        Frame f = traceback.mostRecent();
        return matchesFrame(f.filename(), f.lineno());
    }

    @Override
    public boolean matches(Trace trace) {
        boolean res = matchesTraceback(trace.traceback());
        if (domain == null) {
            return res;
        }
        return inclusive ? res && trace.domain() == domain : res || trace.domain() != domain;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Filter f && inclusive == f.inclusive && allFrames == f.allFrames
                && filenamePattern.equals(f.filenamePattern) && Objects.equals(lineno, f.lineno)
                && Objects.equals(domain, f.domain);
    }

    @Override
    public int hashCode() {
        return Objects.hash(inclusive, filenamePattern, lineno, allFrames, domain);
    }

    @Override
    public String toString() {
        return "Filter[inclusive=" + inclusive + ", filenamePattern=" + filenamePattern + ", lineno=" + lineno
                + ", allFrames=" + allFrames + ", domain=" + domain + "]";
    }

    /** Python's {@code fnmatch.translate}, to a Java regex matched against the whole name. */
    static final class Fnmatch {
        private Fnmatch() {
        }

        static Pattern compile(String pattern) {
            StringBuilder re = new StringBuilder();
            int n = pattern.length();
            int i = 0;
            while (i < n) {
                char c = pattern.charAt(i++);
                if (c == '*') {
                    while (i < n && pattern.charAt(i) == '*') {
                        i++;
                    }
                    re.append(".*");
                } else if (c == '?') {
                    re.append('.');
                } else if (c == '[') {
                    int j = i;
                    if (j < n && pattern.charAt(j) == '!') {
                        j++;
                    }
                    if (j < n && pattern.charAt(j) == ']') {
                        j++;
                    }
                    while (j < n && pattern.charAt(j) != ']') {
                        j++;
                    }
                    if (j >= n) {
                        re.append("\\[");
                    } else {
                        re.append(charClass(pattern.substring(i, j)));
                        i = j + 1;
                    }
                } else {
                    re.append(Pattern.quote(String.valueOf(c)));
                }
            }
            return Pattern.compile(re.toString(), Pattern.DOTALL);
        }

        private static String charClass(String set) {
            StringBuilder b = new StringBuilder("[");
            int k = 0;
            if (set.startsWith("!")) {
                b.append('^');
                k = 1;
            }
            for (; k < set.length(); k++) {
                char c = set.charAt(k);
                if (c == '\\' || c == '[' || c == ']' || c == '&' || c == '^') {
                    b.append('\\');
                }
                b.append(c);
            }
            return b.append(']').toString();
        }
    }
}
