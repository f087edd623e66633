package org.drmsbatch.jobs.collect;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;

import org.drmsbatch.buffer.DataBuffer;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsException;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.SeriesDefinition;
import org.drmsbatch.jobs.ChunkHooks;
import org.drmsbatch.jobs.ParsedParameters;
import org.springframework.batch.core.configuration.annotation.JobScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.core.step.skip.SkipPolicy;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The {@code collect} job: makes each chunk file of the data buffer, in time order, a record of a strain series
 * (default {@code gw.strain}, defined by the bundled {@code gw.strain.jsd} and created when missing) with its
 * samples as the {@code strain} FITS segment. One chunk-oriented step; each chunk commit is one DRMS session (the
 * records' rows and segment files together). A file that cannot be read is moved to {@code <buffer>/rejected/}
 * with a {@code .reason} file and counted as a read skip. The reader's position (the last file read) is saved at
 * each commit, so a restart after a failure or a kill resumes after the last committed file: no duplicate, no lost
 * record. While the step runs it holds the buffer ({@link DataBuffer#hold}): a snapshot asked for meanwhile is
 * refused naming this execution, and a chunk file that disappears all the same fails the step naming the file
 * ({@link MissingChunkException}) instead of being skipped.
 *
 * <p>Parameters: {@link CollectParameters}, parsed once per launch ({@code run} required and identifying; for
 * glitchflow's relative t0 give the event's time as {@code epoch}). Each item reaches the {@link ChunkHooks} before
 * it is processed (none in the product).
 */
@Configuration(proxyBeanMethods = false)
public class CollectJobConfiguration {

    public static final String JOB = "collect";
    /** The records the job made, as a record-set query (a pipeline's next step takes it as its ds). */
    public static final String OUTPUT = "output.ds";
    public static final String STEP = "collectStep";
    public static final String DEFAULT_SERIES = "gw.strain";
    public static final String JSD = "gw.strain.jsd";
    /** The default epoch: chunks' t0 is GPS seconds. */
    public static final String GPS_EPOCH = "1980.01.06_00:00:00_GPS";

    /** The bundled series definition, named {@code series}. */
    public static SeriesDefinition definition(String series) {
        try (InputStream in = CollectJobConfiguration.class.getResourceAsStream(JSD)) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (!series.equals(DEFAULT_SERIES)) {
                text = text.replaceFirst("(?m)^Seriesname:.*$", Matcher.quoteReplacement("Seriesname: " + series));
            }
            return new JsdParser().parse(series + ".jsd", text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the bundled " + JSD, e);
        }
    }

    /** Creates the series from the bundled JSD when it does not exist. */
    static void ensureSeries(Drms drms, String series) {
        try {
            drms.describeSeries(series);
            return;
        } catch (DrmsException e) {
            // missing: create it
        }
        try {
            drms.createSeries(definition(series), false);
        } catch (DrmsException e) {
            drms.describeSeries(series); // created at the same moment by another run: fine; else rethrows
        }
    }

    /** Skips exactly the files the reader rejected. */
    static final SkipPolicy REJECTED_FILES = (t, skipCount) -> {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof RejectedChunkException) {
                return true;
            }
        }
        return false;
    };

    /** The job's validator, and the parsed parameters of each launch. */
    @Bean
    ParsedParameters<CollectParameters> collectParameters(ChunkHooks hooks) {
        return CollectParameters.parser().accepting(hooks.parameters());
    }

    /**
     * Files the reader parses ahead of the step (at most a commit's worth, and at most this many: a 4 MB chunk is
     * about 1.4 MB of doubles), and the threads that do it (up to 4, one per core).
     */
    static final int READ_AHEAD = 64;
    static final int READ_THREADS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));

    @Bean
    @JobScope
    Step collectStep(JobRepository repository, PlatformTransactionManager transactionManager, Drms drms,
            ObjectProvider<DataBuffer> buffer, ParsedParameters<CollectParameters> collectParameters, ChunkHooks hooks,
            @Value("#{jobExecution}") JobExecution execution) {
        CollectParameters p = collectParameters.of(execution.getJobParameters());
        return new StepBuilder(STEP, repository).<BufferedChunk, StrainRecord>chunk(p.chunkSize())
                .transactionManager(transactionManager)
                .reader(new BufferChunkReader(buffer.getObject(), JOB + " execution " + execution.getId(),
                        Math.min(p.chunkSize(), READ_AHEAD), READ_THREADS))
                .processor(new StrainProcessor(p.detector(), p.epoch(), hooks.forStep(execution.getJobParameters())))
                .writer(new StrainRecordWriter(drms, p.series()))
                .faultTolerant()
                .skipPolicy(REJECTED_FILES)
                .listener(new StepExecutionListener() {
                    @Override
                    public void beforeStep(StepExecution stepExecution) {
                        ensureSeries(drms, p.series());
                    }
                })
                .build();
    }

    @Bean
    Job collectJob(JobRepository repository, Step collectStep,
            ParsedParameters<CollectParameters> collectParameters) {
        return new JobBuilder(JOB, repository).validator(collectParameters).listener(collectParameters)
                .listener(new org.springframework.batch.core.listener.JobExecutionListener() {
                    /**
                     * {@value #OUTPUT}: the records the instance wrote, {@code series[? recnum BETWEEN first AND last
                     * ?]} (records other writers put into the series meanwhile are in that span too).
                     */
                    @Override
                    public void afterJob(JobExecution job) {
                        for (StepExecution s : job.getStepExecutions()) {
                            if (s.getStepName().equals(STEP)) {
                                String output = StrainRecordWriter.output(
                                        collectParameters.of(job.getJobParameters()).series(), s.getExecutionContext());
                                if (output != null) {
                                    job.getExecutionContext().putString(OUTPUT, output);
                                    repository.updateExecutionContext(job);
                                }
                            }
                        }
                    }
                })
                .start(collectStep).build();
    }
}
