package io.pymem4j.cli;

import io.pymem4j.api.PyMemAllocatorDomain;
import io.pymem4j.reliability.MemoryCap;
import io.pymem4j.replay.TraceWriter;
import org.junit.jupiter.api.Test;

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
 * {@code pymem replay} of a trace whose one malloc asks for 64 TiB, on {@code mimalloc_debug}
 * (where the debug layer once filled mimalloc's reservation until the OOM killer ended the
 * JVM) and {@code pymalloc_debug}: the replay fails with the engine's one-line error, exit 2.
 * Run in a child JVM capped at 2 GiB by a memory cgroup, never bare; skipped, saying why,
 * where no cgroup can be made.
 */
class ReplayOversizeTest {

    private static final long CAP = 2L << 30;

    @Test
    void aReplayOfA64TiBMallocIsAOneLineErrorNotAnOomKill() throws Exception {
        Path trace = Files.createTempFile("huge", ".pymt");
        new TraceWriter().malloc(PyMemAllocatorDomain.MEM, 1, 1L << 46).free(PyMemAllocatorDomain.MEM, 1).writeTo(trace);
        try {
            for (String stack : new String[]{"mimalloc_debug", "pymalloc_debug"}) {
                MemoryCap cap;
                try {
                    cap = MemoryCap.create(CAP);
                } catch (IOException | SecurityException e) {
                    abort("no memory cgroup can be made here, so the 64 TiB replay does not run (it must never run"
                            + " uncapped): " + e);
                    return;
                }
                try (cap) {
                    List<String> command = new ArrayList<>(List.of(
                            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                            "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-XX:TieredStopAtLevel=1",
                            "-cp", System.getProperty("java.class.path"), Pymem.class.getName(),
                            "replay", trace.toString(), "--allocator", stack, "--runs", "1", "--warmup", "0"));
                    Process p = new ProcessBuilder(cap.wrap(command)).redirectErrorStream(true).start();
                    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    assertTrue(p.waitFor(2, TimeUnit.MINUTES), "pymem replay did not end");
                    assertEquals(Pymem.EXIT_USAGE, p.exitValue(), stack + " (137: killed at the cap; OOM kills: "
                            + cap.oomKills() + "):\n" + output);
                    String name = trace.getFileName().toString().replaceFirst("\\.pymt$", "");
                    String expected = "pymem: replay of " + name + " through " + stack
                            + " failed: event 0: MEM malloc(70368744177664) returned NULL";
                    assertTrue(output.lines().anyMatch(expected::equals), "expected the line " + expected + ", got:\n"
                            + output);
                }
            }
        } finally {
            Files.deleteIfExists(trace);
        }
    }
}
