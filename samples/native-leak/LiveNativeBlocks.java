import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a JFR recording with pymem4j's io.pymem4j.NativeAllocation and io.pymem4j.NativeFree
 * events and prints the sampled blocks still live at its end by the first Java frame outside
 * pymem4j, largest first: each block counts the bytes its event's weight says it stands for.
 * Usage: java LiveNativeBlocks.java recording.jfr
 */
public final class LiveNativeBlocks {

    public static void main(String[] args) throws Exception {
        Map<Long, RecordedEvent> live = new HashMap<>();
        for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(args[0]))) {
            switch (e.getEventType().getName()) {
                case "io.pymem4j.NativeAllocation" -> live.put(e.getLong("address"), e);
                case "io.pymem4j.NativeFree" -> live.remove(e.getLong("address"));
                default -> { }
            }
        }
        Map<String, long[]> bySite = new HashMap<>();
        for (RecordedEvent e : live.values()) {
            long[] sum = bySite.computeIfAbsent(site(e), k -> new long[2]);
            sum[0] += e.getLong("weight");
            sum[1]++;
        }
        Map<String, long[]> sorted = new LinkedHashMap<>();
        bySite.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]))
                .forEach(en -> sorted.put(en.getKey(), en.getValue()));
        System.out.printf("%d sampled blocks live at the end of the recording%n", live.size());
        sorted.forEach((site, sum) -> System.out.printf("%10.1f MiB  %5d samples  %s%n", sum[0] / 1048576.0, sum[1], site));
    }

    /** The first frame of the event's stack that is not pymem4j's own. */
    private static String site(RecordedEvent e) {
        for (RecordedFrame f : e.getStackTrace().getFrames()) {
            String type = f.getMethod().getType().getName();
            if (!type.startsWith("io.pymem4j.")) {
                return type + "." + f.getMethod().getName() + " line " + f.getLineNumber();
            }
        }
        return "(pymem4j)";
    }
}
