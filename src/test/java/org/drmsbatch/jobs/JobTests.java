package org.drmsbatch.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.springframework.jdbc.core.JdbcTemplate;

/** Helpers of the job tests. */
public final class JobTests {

    private JobTests() {
    }

    /**
     * Waits until an execution has ended, its steps included (the job's end is stored a moment before its last
     * step's), and returns it; fails after {@code seconds}.
     */
    public static JobRun awaitEnd(JobControl jobs, long id, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        JobRun r;
        do {
            r = jobs.view(id);
            if (r.ended() && r.steps().stream().allMatch(s -> s.endTime() != null)) {
                return r;
            }
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("execution " + id + " did not end in time: " + r);
    }

    /**
     * Storage-unit directories (D&lt;sunum&gt;) on the partitions that no committed unit (sum_main row) owns — and,
     * with {@code orOpenAllocation}, no open allocation either (a session that is still running).
     */
    public static Set<String> orphanedUnits(Drms drms, JdbcTemplate jdbc, boolean orOpenAllocation)
            throws IOException {
        Set<String> known = new HashSet<>();
        jdbc.queryForList("SELECT ds_index FROM sums.sum_main", Long.class).forEach(i -> known.add("D" + i));
        if (orOpenAllocation) {
            jdbc.queryForList("SELECT ds_index FROM sums.sum_partn_alloc", Long.class)
                    .forEach(i -> known.add("D" + i));
        }
        Set<String> orphans = new HashSet<>();
        for (Path p : drms.sums().partitions()) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> dirs = Files.list(p)) {
                    dirs.map(d -> d.getFileName().toString()).filter(n -> n.matches("D\\d+"))
                            .filter(n -> !known.contains(n)).forEach(orphans::add);
                }
            }
        }
        return orphans;
    }

    public static Path newHome(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
