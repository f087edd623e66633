package org.drmsbatch.jobs.archive;

import javax.sql.DataSource;

import org.drmsbatch.config.DrmsProperties;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.jobs.ChunkHooks;
import org.drmsbatch.jobs.ParsedParameters;
import org.drmsbatch.sums.tape.TapeArchive;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.configuration.annotation.JobScope;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The {@code archive} job (JSOC's tapearc): writes the storage units waiting for archive (DAAP) to tape, each to the
 * open volume of its tape group (and, with two copies, a second to group + {@code drms.tape.copy-group-offset}).
 * {@link PendingUnitReader} reads the units by tape group and sunum, a page per chunk; {@link TapeArchiveWriter}
 * hands each chunk to {@link TapeArchive#archive} in the chunk's transaction. A chunk's tape files are forced before
 * its rows are written, and the rows commit with the chunk, so a unit counts as archived only when its tape files
 * are complete and durable; a run killed mid-chunk leaves tape files past the volumes' committed ends, cut off by
 * the next write, and a restart resumes after the last committed chunk. Whenever a run dies, each unit ends with
 * exactly one tape file per copy.
 *
 * <p>Parameters: {@link ArchiveParameters}. Without a tape library ({@code drms.tape.directory} unset) every launch
 * is refused: "{@value ArchiveParameters#NO_LIBRARY}".
 *
 * <p>The job's ExecutionContext ends with {@value TapeArchiveWriter#UNITS}, {@value TapeArchiveWriter#BYTES} and
 * {@value TapeArchiveWriter#VOLUMES}, what this execution archived; its exit description says them too.
 */
@Configuration(proxyBeanMethods = false)
public class ArchiveJobConfiguration {

    public static final String JOB = "archive";
    public static final String STEP = "archiveStep";
    public static final String READER = "archiveReader";

    /** The job's validator, and the parsed parameters of each launch. */
    @Bean
    ParsedParameters<ArchiveParameters> archiveParameters(Drms drms, ObjectProvider<TapeArchive> tapeArchive,
            DrmsProperties properties, ChunkHooks hooks) {
        return ArchiveParameters.parser(drms, tapeArchive, properties.tape().copies())
                .accepting(hooks.parameters());
    }

    @Bean
    @StepScope
    PendingUnitReader archiveReader(DataSource dataSource, ParsedParameters<ArchiveParameters> archiveParameters,
            @Value("#{stepExecution}") StepExecution step) {
        ArchiveParameters p = archiveParameters.of(step.getJobParameters());
        PendingUnitReader reader = new PendingUnitReader(new JdbcTemplate(dataSource), p.series(), p.chunkSize());
        reader.setName(READER);
        return reader;
    }

    @Bean
    @StepScope
    TapeArchiveWriter archiveWriter(DataSource dataSource, ObjectProvider<TapeArchive> tapeArchive,
            DrmsProperties properties, ParsedParameters<ArchiveParameters> archiveParameters, ChunkHooks hooks,
            @Value("#{stepExecution}") StepExecution step) {
        ArchiveParameters p = archiveParameters.of(step.getJobParameters());
        return new TapeArchiveWriter(dataSource, tapeArchive.getObject(), p.copies(),
                properties.tape().copyGroupOffset(), hooks.forStep(step.getJobParameters()));
    }

    @Bean
    @JobScope
    Step archiveStep(JobRepository repository, PlatformTransactionManager transactionManager,
            PendingUnitReader archiveReader, TapeArchiveWriter archiveWriter,
            ParsedParameters<ArchiveParameters> archiveParameters, @Value("#{jobExecution}") JobExecution execution) {
        ArchiveParameters p = archiveParameters.of(execution.getJobParameters());
        return new StepBuilder(STEP, repository)
                .<TapeArchive.Unit, TapeArchive.Unit>chunk(p.chunkSize())
                .transactionManager(transactionManager)
                .reader(archiveReader)
                .writer(archiveWriter)
                .build();
    }

    /** Copies the step's counts into the job's ExecutionContext and exit description. */
    static JobExecutionListener totals(JobRepository repository) {
        return new JobExecutionListener() {
            @Override
            public void afterJob(JobExecution job) {
                long units = 0;
                long bytes = 0;
                String volumes = "";
                for (StepExecution s : job.getStepExecutions()) {
                    if (s.getStepName().equals(STEP)) {
                        units = s.getExecutionContext().getLong(TapeArchiveWriter.UNITS, 0L);
                        bytes = s.getExecutionContext().getLong(TapeArchiveWriter.BYTES, 0L);
                        volumes = s.getExecutionContext().getString(TapeArchiveWriter.VOLUMES, "");
                    }
                }
                job.getExecutionContext().putLong(TapeArchiveWriter.UNITS, units);
                job.getExecutionContext().putLong(TapeArchiveWriter.BYTES, bytes);
                job.getExecutionContext().putString(TapeArchiveWriter.VOLUMES, volumes);
                repository.updateExecutionContext(job);
                String text = units + " units (" + bytes + " bytes) archived in this execution"
                        + (volumes.isEmpty() ? "" : ", volumes written: " + volumes);
                // first, so that the repository's cut of long descriptions keeps it
                ExitStatus exit = job.getExitStatus();
                job.setExitStatus(new ExitStatus(exit.getExitCode(), text).addExitDescription(exit.getExitDescription()));
            }
        };
    }

    @Bean
    Job archiveJob(JobRepository repository, Step archiveStep, ParsedParameters<ArchiveParameters> archiveParameters) {
        return new JobBuilder(JOB, repository).validator(archiveParameters).listener(archiveParameters)
                .start(archiveStep).listener(totals(repository)).build();
    }
}
