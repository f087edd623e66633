package org.drmsbatch.jobs.collect;

import java.util.HashMap;
import java.util.Map;

import org.drmsbatch.jobs.JobChild;
import org.drmsbatch.schedules.JobRun;

/**
 * A child process for the collect kill test: starts {@code collect} slowly, prints {@code EXECUTION <id>}, then
 * {@code COMMITTED <n>} once at least that many chunks are committed (by its partitions together when it has any),
 * and runs on until it is killed.
 *
 * <p>Arguments: jdbc-url user home run chunk-size delay-millis commits (print COMMITTED after that many) series
 * [partitions]
 */
public final class CollectJobChild {

    private CollectJobChild() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> parameters = new HashMap<>(Map.of("run", args[3], "chunkSize", args[4],
                "delay", args[5] + ",java.lang.Long,false", "series", args[7]));
        if (args.length > 8) {
            parameters.put("partitions", args[8]);
            JobChild.runUntilKilled(args[0], args[1], args[2], "collect", parameters,
                    run -> run.steps().stream()
                            .filter(s -> s.name().startsWith(CollectJobConfiguration.WORKER_STEP + ":"))
                            .mapToLong(JobRun.Step::commit).sum(),
                    Integer.parseInt(args[6]));
            return;
        }
        JobChild.runUntilKilled(args[0], args[1], args[2], "collect", parameters, Integer.parseInt(args[6]));
    }
}
