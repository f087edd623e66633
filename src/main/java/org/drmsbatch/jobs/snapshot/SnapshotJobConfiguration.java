package org.drmsbatch.jobs.snapshot;

import org.drmsbatch.buffer.DataBuffer;
import org.drmsbatch.buffer.Snapshot;
import org.drmsbatch.jobs.ParsedParameters;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.scope.context.ChunkContext;
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
 * step's exit description. While a collect reads the buffer ({@link DataBuffer#hold}) the step fails with a
 * {@link org.drmsbatch.buffer.BufferBusyException} naming it, having changed nothing; restart it when that has ended.
 *
 * <p>Parameters: {@link SnapshotParameters}.
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

    static Tasklet snapshotTasklet(ObjectProvider<DataBuffer> buffer, ParsedParameters<SnapshotParameters> parsed) {
        return (StepContribution contribution, ChunkContext chunk) -> {
            var step = chunk.getStepContext().getStepExecution();
            SnapshotParameters p = parsed.of(step.getJobParameters());
            // one snapshot per job instance: a restart after a kill gets the snapshot its first run started
            Snapshot s = buffer.getObject().snapshot(p.user(), p.run(),
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

    /** The job's validator, and the parsed parameters of each launch. */
    @Bean
    ParsedParameters<SnapshotParameters> snapshotParameters() {
        return SnapshotParameters.parser();
    }

    @Bean
    Step snapshotStep(JobRepository repository, PlatformTransactionManager transactionManager,
            ObjectProvider<DataBuffer> buffer, ParsedParameters<SnapshotParameters> snapshotParameters) {
        return new StepBuilder(STEP, repository).tasklet(snapshotTasklet(buffer, snapshotParameters),
                transactionManager).build();
    }

    @Bean
    Job snapshotJob(JobRepository repository, Step snapshotStep,
            ParsedParameters<SnapshotParameters> snapshotParameters) {
        return new JobBuilder(JOB, repository).validator(snapshotParameters).listener(snapshotParameters).start(snapshotStep)
                .build();
    }
}
