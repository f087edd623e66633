package org.drmsbatch.jobs;

import java.util.Map;

/**
 * A child process for the dead-process test: starts the {@code counting} job slowly, prints
 * {@code EXECUTION <id>}, then {@code COMMITTED <n>} once at least two chunks are committed, and runs on until it
 * is killed.
 *
 * <p>Arguments: jdbc-url user home key items delay-millis
 */
public final class CountingJobChild {

    private CountingJobChild() {
    }

    public static void main(String[] args) throws Exception {
        JobChild.runUntilKilled(args[0], args[1], args[2], CountingJobTestConfiguration.JOB,
                Map.of("key", args[3], "items", args[4], "delay", args[5] + ",java.lang.Long,false"),
                "drms.test.counting-job=true");
    }
}
