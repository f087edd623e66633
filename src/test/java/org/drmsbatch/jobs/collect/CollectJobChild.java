package org.drmsbatch.jobs.collect;

import java.util.Map;

import org.drmsbatch.jobs.JobChild;

/**
 * A child process for the collect kill test: starts {@code collect} slowly, prints {@code EXECUTION <id>}, then
 * {@code COMMITTED <n>} once at least two chunks are committed, and runs on until it is killed.
 *
 * <p>Arguments: jdbc-url user home run chunk-size delay-millis commits (print COMMITTED after that many) series
 */
public final class CollectJobChild {

    private CollectJobChild() {
    }

    public static void main(String[] args) throws Exception {
        JobChild.runUntilKilled(args[0], args[1], args[2], "collect",
                Map.of("run", args[3], "chunkSize", args[4], "delay", args[5] + ",java.lang.Long,false",
                        "series", args[7]),
                Integer.parseInt(args[6]));
    }
}
