package org.drmsbatch.jobs.stage;

import java.nio.file.Path;
import java.util.Map;

import org.drmsbatch.jobs.JobChild;
import org.drmsbatch.schedules.JobRun;

/**
 * A child process for the stage kill test: starts {@code stage} on a slow tape library (modelled time waited for
 * real, mounts and seeks free, streaming at {@code rate}), prints {@code EXECUTION <id>}, then {@code COMMITTED <n>}
 * once its partitions have committed at least {@code chunks} chunks together, and runs on until it is killed.
 *
 * <p>Arguments: jdbc-url user home sunums chunk-size rate chunks
 */
public final class StageJobChild {

    private StageJobChild() {
    }

    public static void main(String[] args) throws Exception {
        JobChild.runUntilKilled(args[0], args[1], args[2], StageJobConfiguration.JOB,
                Map.of("sunum", args[3], "chunkSize", args[4], "run", "killed"),
                run -> run.steps().stream().filter(s -> s.name().startsWith(StageJobConfiguration.WORKER_STEP + ":"))
                        .mapToLong(JobRun.Step::commit).sum(),
                Integer.parseInt(args[6]),
                StageKillTest.tapeProperties(Path.of(args[2])).toArray(String[]::new));
    }
}
