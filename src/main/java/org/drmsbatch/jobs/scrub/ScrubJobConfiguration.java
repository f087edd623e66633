package org.drmsbatch.jobs.scrub;

import java.nio.file.Path;

import org.drmsbatch.config.DrmsProperties;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.jobs.ParsedParameters;
import org.drmsbatch.sums.Scrub;
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
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The {@code scrub} job (SUMS' sums_steward): for each partition ({@code partition}, default all of
 * {@code drms.partitions}) whose use is above {@code drms.sums.high-water}, {@link Scrub} takes online copies of
 * storage units away, oldest effective date first, down to {@code drms.sums.low-water}: archived units go offline,
 * units never archived whose retention ended are deleted, pinned and not yet archived units stay.
 *
 * <p>One tasklet call per partition. The scrub commits each chunk of units in a transaction of its own, so the
 * step's transaction holds only the step's progress: the index of the next partition and the summary so far
 * ({@value #NEXT}, {@value #SUMMARY}) and the counts ({@value #OFFLINE}, {@value #DELETED}, {@value #BYTES_FREED})
 * in the step ExecutionContext. A restart goes on with the partition it was scrubbing (whose committed chunks are
 * gone from the candidates). The exit description has a part per partition, separated by "; ": use before →
 * after, units taken offline, units deleted, bytes freed; or "below the high water, nothing to do".
 *
 * <p>Parameters: {@link ScrubParameters}.
 */
@Configuration(proxyBeanMethods = false)
public class ScrubJobConfiguration {

    public static final String JOB = "scrub";
    public static final String STEP = "scrubStep";
    /** Step ExecutionContext keys. */
    public static final String NEXT = "scrub.next";
    public static final String SUMMARY = "scrub.summary";
    public static final String OFFLINE = "scrub.offline";
    public static final String DELETED = "scrub.deleted";
    public static final String BYTES_FREED = "scrub.bytesFreed";

    static Tasklet scrubTasklet(Scrub scrub, DrmsProperties properties, ParsedParameters<ScrubParameters> parsed) {
        return (StepContribution contribution, ChunkContext chunk) -> {
            var step = chunk.getStepContext().getStepExecution();
            ScrubParameters p = parsed.of(step.getJobParameters());
            ExecutionContext ec = step.getExecutionContext();
            int next = ec.getInt(NEXT, 0);
            String summary = ec.getString(SUMMARY, "");
            if (next < p.partitions().size()) {
                Path partition = p.partitions().get(next);
                Scrub.Result r = scrub.scrub(partition, p.force(), p.chunkSize(), p.series());
                summary = (summary.isEmpty() ? "" : summary + "; ") + r.describe(properties.shown(partition));
                ec.putString(SUMMARY, summary);
                ec.putInt(NEXT, ++next);
                ec.putLong(OFFLINE, ec.getLong(OFFLINE, 0) + r.offline());
                ec.putLong(DELETED, ec.getLong(DELETED, 0) + r.deleted());
                ec.putLong(BYTES_FREED, ec.getLong(BYTES_FREED, 0) + r.bytesFreed());
                contribution.incrementWriteCount(r.offline() + r.deleted());
            }
            if (next < p.partitions().size()) {
                return RepeatStatus.CONTINUABLE;
            }
            contribution.setExitStatus(ExitStatus.COMPLETED.addExitDescription(summary));
            return RepeatStatus.FINISHED;
        };
    }

    /** The job's validator, and the parsed parameters of each launch. */
    @Bean
    ParsedParameters<ScrubParameters> scrubParameters(DrmsProperties properties, Drms drms) {
        // looked up without an exception, as a failed lookup inside a transaction would mark it rollback-only
        return ScrubParameters.parser(properties, name -> !name.isEmpty()
                && !drms.listSeries("^" + java.util.regex.Pattern.quote(name) + "$").isEmpty());
    }

    @Bean
    Step scrubStep(JobRepository repository, PlatformTransactionManager transactionManager, Scrub scrub,
            DrmsProperties properties, ParsedParameters<ScrubParameters> scrubParameters) {
        return new StepBuilder(STEP, repository).tasklet(scrubTasklet(scrub, properties, scrubParameters),
                transactionManager).build();
    }

    @Bean
    Job scrubJob(JobRepository repository, Step scrubStep, ParsedParameters<ScrubParameters> scrubParameters) {
        return new JobBuilder(JOB, repository).validator(scrubParameters).listener(scrubParameters).start(scrubStep)
                .build();
    }
}
