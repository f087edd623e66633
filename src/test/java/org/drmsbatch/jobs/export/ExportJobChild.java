package org.drmsbatch.jobs.export;

import java.util.Map;

import org.drmsbatch.jobs.JobChild;

/**
 * A child process for the export kill test: starts {@code export} slowly, prints {@code EXECUTION <id>}, then
 * {@code COMMITTED <n>} once at least two chunks are committed, and runs on until it is killed.
 *
 * <p>Arguments: jdbc-url user home requestId query chunk-size delay-millis
 */
public final class ExportJobChild {

    private ExportJobChild() {
    }

    public static void main(String[] args) throws Exception {
        JobChild.runUntilKilled(args[0], args[1], args[2], ExportJobConfiguration.JOB,
                Map.of("requestId", args[3], "ds", args[4], "chunkSize", args[5],
                        "delay", args[6] + ",java.lang.Long,false"));
    }
}
