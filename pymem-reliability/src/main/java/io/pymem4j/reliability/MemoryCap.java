package io.pymem4j.reliability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A memory cgroup for a child process, so that a test can run code that might fill the
 * machine: the kernel kills the child at the cap instead. cgroup v1's
 * {@code memory.limit_in_bytes} (with {@code memory.memsw.limit_in_bytes} where swap is
 * accounted), else cgroup v2's {@code memory.max} (and {@code memory.swap.max}). Making one
 * takes root (as in CI); {@link #create} says why it cannot where it cannot. {@code ulimit -v}
 * is no substitute: it makes large reservations fail, which hides the very bug a capped
 * child is run to catch. Tests use it to run a crash reproducer in a child JVM:
 * {@code new ProcessBuilder(cap.wrap(command))}, the cgroup removed by {@link #close()}
 * once the child has ended.
 *
 * @since 0.1
 */
public final class MemoryCap implements AutoCloseable {

    private static final Path V1 = Path.of("/sys/fs/cgroup/memory");
    private static final Path V2 = Path.of("/sys/fs/cgroup");

    private final Path dir;

    private MemoryCap(Path dir) {
        this.dir = dir;
    }

    /**
     * A new cgroup capping its processes at {@code bytes} of memory (and no swap).
     *
     * @throws IOException with the reason when none can be made here
     */
    public static MemoryCap create(long bytes) throws IOException {
        String name = "pymem4j-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        if (Files.isRegularFile(V1.resolve("memory.limit_in_bytes"))) {
            Path dir = Files.createDirectory(V1.resolve(name));
            MemoryCap cap = new MemoryCap(dir);
            try {
                Files.writeString(dir.resolve("memory.limit_in_bytes"), Long.toString(bytes));
                if (Files.exists(dir.resolve("memory.memsw.limit_in_bytes"))) {
                    Files.writeString(dir.resolve("memory.memsw.limit_in_bytes"), Long.toString(bytes));
                }
                return cap;
            } catch (IOException | RuntimeException e) {
                cap.close();
                throw e;
            }
        }
        Path controllers = V2.resolve("cgroup.controllers");
        if (Files.isRegularFile(controllers) && Files.readString(controllers).contains("memory")) {
            Path dir = Files.createDirectory(V2.resolve(name));
            MemoryCap cap = new MemoryCap(dir);
            try {
                if (!Files.exists(dir.resolve("memory.max"))) {
                    throw new IOException("the memory controller is not enabled for " + dir);
                }
                Files.writeString(dir.resolve("memory.max"), Long.toString(bytes));
                if (Files.exists(dir.resolve("memory.swap.max"))) {
                    Files.writeString(dir.resolve("memory.swap.max"), "0");
                }
                return cap;
            } catch (IOException | RuntimeException e) {
                cap.close();
                throw e;
            }
        }
        throw new IOException("no cgroup memory controller at " + V1 + " (v1) or " + V2 + " (v2)");
    }

    /** {@code command} run by a shell that first moves itself into this cgroup. */
    public List<String> wrap(List<String> command) {
        List<String> out = new ArrayList<>(List.of("sh", "-c",
                "echo $$ > '" + dir.resolve("cgroup.procs") + "' && exec \"$@\"", "sh"));
        out.addAll(command);
        return out;
    }

    /**
     * How many of this cgroup's processes the kernel's OOM killer ended at the cap (the
     * {@code oom_kill} line of v1's {@code memory.oom_control} or v2's {@code memory.events});
     * -1 where the kernel does not say.
     */
    public long oomKills() throws IOException {
        for (String file : new String[]{"memory.oom_control", "memory.events"}) {
            Path f = dir.resolve(file);
            if (Files.exists(f)) {
                for (String line : Files.readAllLines(f)) {
                    if (line.startsWith("oom_kill ")) {
                        return Long.parseLong(line.substring("oom_kill ".length()).strip());
                    }
                }
            }
        }
        return -1;
    }

    /** Removes the cgroup (its processes have ended), retrying while the kernel lets go of it. */
    @Override
    public void close() throws IOException {
        for (int i = 0; ; i++) {
            try {
                Files.deleteIfExists(dir);
                return;
            } catch (IOException e) {
                if (i == 50) {
                    throw e;
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }
}
