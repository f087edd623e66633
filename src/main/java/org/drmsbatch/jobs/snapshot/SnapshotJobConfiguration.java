package org.drmsbatch.jobs.snapshot;

import org.drmsbatch.jobs.ParameterNames;
import java.util.List;

import org.drmsbatch.buffer.DataBuffer;
import org.drmsbatch.buffer.Snapshot;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The {@code snapshot} job: one tasklet step calling {@link DataBuffer#snapshot} (freeze if not frozen, move the
 * buffered files into {@code snapshots/<UTC time>} with a manifest, reset, reopen). The library is crash-safe and
 * finishes an interrupted snapshot, so a restart simply calls it again. The snapshot's name, file count and bytes
 * go to the step ExecutionContext ({@code snapshot.name}, {@code snapshot.files}, {@code snapshot.bytes}) and the
 * step's exit description.
 *
 * <p>Parameters: {@code run} (required, identifying; also the token recorded with the freeze), {@code user}
 * (default {@value #USER}).
 */
@Configuration(proxyBeanMethods = false)
public class SnapshotJobConfiguration {

    public static final String JOB = "snapshot";
    public static final String STEP = "snapshotStep";
    public static final String USER = "snapshot";
    /** Step ExecutionContext keys: the snapshot's name, file count and bytes. */
    public static final String SNAPSHOT_NAME = "snapshot.name";
    public static final String SNAPSHOT_FILES = "snapshot.files";
    public static final String SNAPSHOT_BYTES = "snapshot.bytes";

    static Tasklet snapshotTasklet(ObjectProvider<DataBuffer> buffer) {
        return (StepContribution contribution, org.springframework.batch.core.scope.context.ChunkContext chunk) -> {
            var step = chunk.getStepContext().getStepExecution();
            var params = step.getJobParameters();
            String run = params.getString("run");
            String user = params.getString("user");
            // one snapshot per job instance: a restart after a kill gets the snapshot its first run started
            Snapshot s = buffer.getObject().snapshot(user == null || user.isBlank() ? USER : user, run,
                    JOB + ":" + step.getJobExecution().getJobInstance().getInstanceId());
            ExecutionContext ec = step.getExecutionContext();
            ec.putString(SNAPSHOT_NAME, s.name());
            ec.putInt(SNAPSHOT_FILES, s.files().size());
            ec.putLong(SNAPSHOT_BYTES, s.bytes());
            contribution.setExitStatus(ExitStatus.COMPLETED.addExitDescription(
                    "snapshot " + s.name() + ": " + s.files().size() + " files, " + s.bytes() + " bytes"));
            return RepeatStatus.FINISHED;
        };
    }

    @Bean
    Step snapshotStep(JobRepository repository, PlatformTransactionManager transactionManager,
            ObjectProvider<DataBuffer> buffer) {
        return new StepBuilder(STEP, repository).tasklet(snapshotTasklet(buffer), transactionManager).build();
    }

    @Bean
    Job snapshotJob(JobRepository repository, Step snapshotStep) {
        return new JobBuilder(JOB, repository).validator(ParameterNames.of(List.of("run"), List.of("user"))).start(snapshotStep).build();
    }
}
