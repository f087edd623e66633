package org.drmsbatch.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Like-for-like limits for the benchmarks, timed from Java around real tools: the same bytes copied by {@code cp}
 * into the page cache, and copied and forced to disk ({@code cp} then coreutils {@code sync FILE...}, an fsync per
 * file), and a plain sequential write of fresh bytes with an fsync ({@code dd conv=fsync}).
 */
public final class Limits {

    private Limits() {
    }

    /**
     * Seconds to copy {@code files} into {@code dir} (emptied first, not timed) with one {@code cp --parents} (stored
     * segments share names: each copy keeps its whole path under {@code dir}), and with {@code sync} then fsync each
     * copy ({@code sync FILE...}).
     */
    public static double copy(List<Path> files, Path dir, boolean sync) throws Exception {
        clear(dir);
        List<String> cp = new ArrayList<>(List.of("cp", "--parents", "--"));
        List<String> fsync = new ArrayList<>(List.of("sync", "--"));
        for (Path f : files) {
            Path abs = f.toAbsolutePath();
            cp.add(abs.toString());
            fsync.add(dir.toAbsolutePath() + abs.toString());
        }
        cp.add(dir.toString());
        return Bench.seconds(() -> {
            run(cp);
            if (sync) {
                run(fsync);
            }
        });
    }

    /** Seconds to write {@code bytes} of fresh data to one new file in {@code dir} and fsync it ({@code dd}). */
    public static double writeAndSync(Path dir, long bytes) throws Exception {
        clear(dir);
        long mib = Math.max(1, bytes >> 20);
        return Bench.seconds(() -> run(List.of("dd", "if=/dev/zero", "of=" + dir.resolve("dd"), "bs=1M",
                "count=" + mib, "conv=fsync", "status=none")));
    }

    /** Bytes of the regular files in {@code files}. */
    public static long bytes(List<Path> files) throws IOException {
        long n = 0;
        for (Path f : files) {
            n += Files.size(f);
        }
        return n;
    }

    /** Empties (or creates) {@code dir}: the limits write into a directory of their own. */
    public static void clear(Path dir) throws Exception {
        if (Files.exists(dir)) {
            run(List.of("rm", "-rf", "--", dir.toString()));
        }
        Files.createDirectories(dir);
    }

    /** Runs {@code cmd}, failing with its output when it exits non-zero. */
    public static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        if (rc != 0) {
            throw new IllegalStateException(String.join(" ", cmd.subList(0, Math.min(3, cmd.size()))) + " exited "
                    + rc + ": " + out);
        }
        return out;
    }
}
