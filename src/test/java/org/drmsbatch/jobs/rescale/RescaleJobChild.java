package org.drmsbatch.jobs.rescale;

import java.util.Map;

import org.drmsbatch.jobs.JobChild;
import org.drmsbatch.schedules.JobRun;

/**
 * A child process for the rescale kill test: starts {@code rescale} slowly (partitioned, into the input series),
 * prints {@code EXECUTION <id>}, then {@code COMMITTED <n>} once its partitions have committed at least
 * {@code chunks} chunks together, and runs on until it is killed.
 *
 * <p>Arguments: jdbc-url user home ds partitions chunk-size delay-millis chunks
 */
public final class RescaleJobChild {

    private RescaleJobChild() {
    }

    public static void main(String[] args) throws Exception {
        JobChild.runUntilKilled(args[0], args[1], args[2], RescaleJobConfiguration.JOB,
                Map.of("ds", args[3], "alpha", "-2", "beta", "1", "partitions", args[4], "chunkSize", args[5],
                        "delay", args[6] + ",java.lang.Long,false"),
                run -> run.steps().stream().filter(s -> s.name().startsWith("rescaleWorker:"))
                        .mapToLong(JobRun.Step::commit).sum(),
                Integer.parseInt(args[7]));
    }
}
