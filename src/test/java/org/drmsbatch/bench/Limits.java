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
     * Seconds to copy {@code files} into {@code dir} (emptied first, not timed) with {@code cp}, one process for
     * all, each under its own name ({@code 0}, {@code 1}, … since stored segments share names), and with
     * {@code sync} also fsync each copy.
     */
    public static double copy(List<Path> files, Path dir, boolean sync) throws Exception {
        clear(dir);
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", """
                d=$1; s=$2; shift 2; i=0
                for f; do cp -- "$f" "$d/$i" || exit 1; i=$((i+1)); done
                if [ "$s" = sync ]; then sync -- "$d"/*; fi
                """, "sh", dir.toString(), sync ? "sync" : "nosync"));
        files.forEach(f -> cmd.add(f.toString()));
        return Bench.seconds(() -> run(cmd));
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
