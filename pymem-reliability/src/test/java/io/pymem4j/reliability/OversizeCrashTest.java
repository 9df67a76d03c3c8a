package io.pymem4j.reliability;

import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.abort;

/**
 * The crash of issue 20: {@code memMalloc(1L << 46)} on {@code mimalloc_debug} got a 64 TiB
 * reservation from mimalloc, the debug layer filled it, and the kernel's OOM killer ended the
 * JVM. Run in a child JVM capped at 2 GiB by a memory cgroup ({@link MemoryCap}), never bare:
 * on every stack and domain, with the default {@code max.block}, a 64 TiB malloc, calloc and
 * realloc must be NULL, a replay of a one-malloc trace of that size must fail with the replay
 * engine's "returned NULL" error, and the child must exit 0. Skipped, saying why, where no
 * cgroup can be made (not root, no memory controller).
 */
class OversizeCrashTest {

    private static final Logger log = LoggerFactory.getLogger(OversizeCrashTest.class);
    private static final long CAP = 2L << 30;

    private static List<String> stacks() {
        List<String> backends = new ArrayList<>(List.of("malloc", "pymalloc"));
        if (OversizeStacks.mimallocAvailable()) {
            backends.add("mimalloc");
        }
        List<String> out = new ArrayList<>();
        for (String b : backends) {
            for (String hooks : new String[]{"", "+debug", "+tracemalloc", "+debug+tracemalloc"}) {
                out.add(b + hooks);
                out.add(b + hooks + ":gil");
            }
        }
        return out;
    }

    @Test
    void a64TiBRequestIsNullOnEveryStackInAJvmCappedAt2GiB() throws Exception {
        MemoryCap cap;
        try {
            cap = MemoryCap.create(CAP);
        } catch (IOException | SecurityException e) {
            abort("no memory cgroup can be made here, so the 64 TiB reproducer does not run (it must never run"
                    + " uncapped): " + e);
            return;
        }
        List<String> stacks = stacks();
        List<String> java = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), OversizeProbe.class.getName()));
        java.addAll(stacks);
        Path out = Files.createTempFile("oversize-probe", ".txt");
        try (cap) {
            Process p = new ProcessBuilder(cap.wrap(java)).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            boolean ended = p.waitFor(2, TimeUnit.MINUTES);
            if (!ended) {
                p.destroyForcibly().waitFor();
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            assertTrue(ended, "the probe did not end in 2 minutes:\n" + text);
            assertEquals(0, p.exitValue(), "the probe's exit status (137: killed, by the OOM killer at the cap when"
                    + " a layer filled a block no memory backs; OOM kills in the cgroup: " + cap.oomKills() + "):\n" + text);
            List<String> lines = text.lines().filter(l -> l.contains(" RAW=")).toList();
            assertEquals(stacks.size(), lines.size(), text);
            for (int i = 0; i < stacks.size(); i++) {
                String expected = stacks.get(i) + " RAW=0,0,0 MEM=0,0,0 OBJ=0,0,0 replay=failed(";
                assertTrue(lines.get(i).startsWith(expected), "expected " + expected + "..., got " + lines.get(i));
                assertTrue(lines.get(i).contains("returned NULL"), lines.get(i));
            }
            log.info("64 TiB on {} stacks under a {} GiB cap: all NULL; e.g. {}", stacks.size(), CAP >> 30,
                    lines.get(lines.size() - 1));
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
