package org.drmsbatch.jobs.ingest;

import java.util.Map;

import org.drmsbatch.jobs.JobChild;

/**
 * A child process for the ingest kill test: starts {@code ingest} slowly, prints {@code EXECUTION <id>}, then
 * {@code COMMITTED <n>} once that many chunks are committed, and runs on until it is killed.
 *
 * <p>Arguments: jdbc-url user home run inbox series chunk-size delay-millis commits
 */
public final class IngestJobChild {

    private IngestJobChild() {
    }

    public static void main(String[] args) throws Exception {
        JobChild.runUntilKilled(args[0], args[1], args[2], "ingest",
                Map.of("run", args[3], "inbox", args[4], "series", args[5], "chunkSize", args[6],
                        "delay", args[7] + ",java.lang.Long,false"),
                Integer.parseInt(args[8]), "drms.ingest.settle=0s");
    }
}
