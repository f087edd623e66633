package org.drmsbatch.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;

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

    static Path newHome(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
