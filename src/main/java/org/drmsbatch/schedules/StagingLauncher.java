package org.drmsbatch.schedules;

import java.util.Map;

import org.drmsbatch.staging.StagingService;

/**
 * How the staging service starts its stage batches: the {@code stage} job with {@code staging=<batch>}, through
 * {@link JobControl} like every other launch; a batch is running while such an execution runs (in any process).
 */
public class StagingLauncher implements StagingService.StageLauncher {

    static final String JOB = "stage";
    static final String PARAMETER = "staging";

    private final JobControl control;

    public StagingLauncher(JobControl control) {
        this.control = control;
    }

    @Override
    public boolean busy() {
        return control.runningWith(JOB, PARAMETER);
    }

    @Override
    public void launch(long batch) {
        control.start(JOB, Map.of(PARAMETER, Long.toString(batch), JobControl.RUN, "staging-" + batch));
    }
}
