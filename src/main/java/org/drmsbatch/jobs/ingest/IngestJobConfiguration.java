package org.drmsbatch.jobs.ingest;

import java.time.Duration;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.SeriesDefinition;
import org.drmsbatch.jobs.ChunkHooks;
import org.drmsbatch.jobs.ParsedParameters;
import org.springframework.batch.core.configuration.annotation.JobScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.core.step.skip.SkipPolicy;
import org.springframework.batch.infrastructure.item.ItemProcessor;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The {@code ingest} job: the complete FITS files of an inbox directory become records of a series (keywords from
 * their headers, the file as the series' first or {@code segment=} segment, moved into the record's storage unit).
 * One chunk-oriented step; each chunk commit is one DRMS session (rows, files and the ingest ledger together), the
 * inbox files deleted after it. A file is taken when it is settled (unmodified for {@code drms.ingest.settle},
 * default 2s), not hidden nor {@code .part}, and complete as FITS; a malformed one is moved to
 * {@code <inbox>/rejected/} with a {@code .reason} and counted as a read skip. See {@link InboxReader}.
 *
 * <p>Parameters: {@link IngestParameters} ({@code run}, {@code inbox}, {@code series} required; {@code segment},
 * {@code chunkSize}). Each item reaches the {@link ChunkHooks} before it is written (none in the product).
 */
@Configuration(proxyBeanMethods = false)
public class IngestJobConfiguration {

    public static final String JOB = "ingest";
    public static final String STEP = "ingestStep";

    /** Skips exactly the files the reader rejected. */
    static final SkipPolicy REJECTED_FILES = (t, skipCount) -> {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof RejectedFileException) {
                return true;
            }
        }
        return false;
    };

    @Bean
    ParsedParameters<IngestParameters> ingestParameters(ChunkHooks hooks, Drms drms) {
        return IngestParameters.parser(drms).accepting(hooks.parameters());
    }

    @Bean
    @JobScope
    Step ingestStep(JobRepository repository, PlatformTransactionManager transactionManager, Drms drms,
            ParsedParameters<IngestParameters> ingestParameters, ChunkHooks hooks,
            @Value("${drms.ingest.settle:2s}") Duration settle, @Value("#{jobExecution}") JobExecution execution) {
        IngestParameters p = ingestParameters.of(execution.getJobParameters());
        SeriesDefinition def = drms.describeSeries(p.series());
        ChunkHooks.Hook hook = hooks.forStep(execution.getJobParameters());
        long[] seen = {0};
        ItemProcessor<InboxFile, InboxFile> processor = item -> {
            hook.reached(++seen[0], item.name());
            return item;
        };
        return new StepBuilder(STEP, repository).<InboxFile, InboxFile>chunk(p.chunkSize())
                .transactionManager(transactionManager)
                .reader(new InboxReader(new Inbox(p.inbox(), settle), def, IngestParameters.segment(def, p.segment()),
                        new IngestLedger(drms.dataSource())))
                .processor(processor)
                .writer(new IngestWriter(drms, p.inbox(), p.series(), p.segment()))
                .faultTolerant()
                .skipPolicy(REJECTED_FILES)
                .build();
    }

    @Bean
    Job ingestJob(JobRepository repository, Step ingestStep, ParsedParameters<IngestParameters> ingestParameters) {
        return new JobBuilder(JOB, repository).validator(ingestParameters).listener(ingestParameters)
                .start(ingestStep).build();
    }
}
