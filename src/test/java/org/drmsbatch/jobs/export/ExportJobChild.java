package org.drmsbatch.jobs.export;

import java.util.Map;

import org.drmsbatch.jobs.JobChild;
import org.drmsbatch.schedules.JobRun;

/**
 * A child process for the export kill test: starts {@code export} slowly, prints {@code EXECUTION <id>}, then
 * {@code COMMITTED <n>} once its partitions have committed at least {@code chunks} chunks together, and runs on
 * until it is killed.
 *
 * <p>Arguments: jdbc-url user home requestId query chunk-size delay-millis partitions chunks
 */
public final class ExportJobChild {

    private ExportJobChild() {
    }

    public static void main(String[] args) throws Exception {
        JobChild.runUntilKilled(args[0], args[1], args[2], ExportJobConfiguration.JOB,
                Map.of("requestId", args[3], "ds", args[4], "chunkSize", args[5],
                        "delay", args[6] + ",java.lang.Long,false", "partitions", args[7]),
                run -> run.steps().stream().filter(s -> s.name().startsWith(ExportJobConfiguration.WORKER_STEP + ":"))
                        .mapToLong(JobRun.Step::commit).sum(),
                Integer.parseInt(args[8]));
    }
}
