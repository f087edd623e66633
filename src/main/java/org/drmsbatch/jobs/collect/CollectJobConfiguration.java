package org.drmsbatch.jobs.collect;

import org.drmsbatch.jobs.ParameterNames;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;

import org.drmsbatch.buffer.DataBuffer;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsException;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.SeriesDefinition;
import org.drmsbatch.drms.time.DrmsTime;
import org.springframework.batch.core.configuration.annotation.JobScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.parameters.CompositeJobParametersValidator;
import org.springframework.batch.core.job.parameters.InvalidJobParametersException;
import org.springframework.batch.core.job.parameters.JobParameters;
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
 * record.
 *
 * <p>Parameters: {@code run} (required, identifying), {@code detector} (default H1), {@code series} (default
 * gw.strain), {@code epoch} (the DRMS time chunks' t0 counts from, default the GPS epoch
 * {@value #GPS_EPOCH}: t0 in GPS seconds; for glitchflow's relative t0 give the event's time),
 * {@code chunkSize} (records per commit, default 100), {@code failAt} (for tests: the item of this
 * execution whose processing fails; pass it non-identifying, {@code failAt=5,java.lang.Long,false}), {@code delay}
 * (for tests: milliseconds per item, non-identifying).
 */
@Configuration(proxyBeanMethods = false)
public class CollectJobConfiguration {

    public static final String JOB = "collect";
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

    @Bean
    @JobScope
    Step collectStep(JobRepository repository, PlatformTransactionManager transactionManager, Drms drms,
            ObjectProvider<DataBuffer> buffer,
            @Value("#{jobParameters['detector'] ?: 'H1'}") String detector,
            @Value("#{jobParameters['series'] ?: 'gw.strain'}") String series,
            @Value("#{jobParameters['epoch'] ?: '" + GPS_EPOCH + "'}") String epoch,
            @Value("#{jobParameters['chunkSize'] ?: '100'}") String chunkSize,
            @Value("#{jobParameters['failAt'] ?: '0'}") String failAt,
            @Value("#{jobParameters['delay'] ?: '0'}") String delay) {
        int size = Integer.parseInt(chunkSize.trim());
        return new StepBuilder(STEP, repository).<BufferedChunk, StrainRecord>chunk(size)
                .transactionManager(transactionManager)
                .reader(new BufferChunkReader(buffer.getObject()))
                .processor(new StrainProcessor(detector, DrmsTime.parse(epoch), Long.parseLong(failAt.trim()),
                        Long.parseLong(delay.trim())))
                .writer(new StrainRecordWriter(drms, series))
                .faultTolerant()
                .skipPolicy(REJECTED_FILES)
                .listener(new StepExecutionListener() {
                    @Override
                    public void beforeStep(StepExecution stepExecution) {
                        ensureSeries(drms, series);
                    }
                })
                .build();
    }

    /** Refuses bad values before the job starts, saying which and why. */
    static void validateValues(JobParameters params) throws InvalidJobParametersException {
        if (params == null) {
            return;
        }
        String epoch = params.getString("epoch");
        if (epoch != null) {
            try {
                DrmsTime.parse(epoch);
            } catch (RuntimeException e) {
                throw new InvalidJobParametersException("epoch '" + epoch + "' is not a DRMS time: " + e.getMessage());
            }
        }
        String chunkSize = params.getString("chunkSize");
        if (chunkSize != null) {
            int size;
            try {
                size = Integer.parseInt(chunkSize.trim());
            } catch (NumberFormatException e) {
                throw new InvalidJobParametersException("chunkSize '" + chunkSize + "' is not a whole number");
            }
            if (size < 1) {
                throw new InvalidJobParametersException("chunkSize must be at least 1, not " + size);
            }
        }
    }

    @Bean
    Job collectJob(JobRepository repository, Step collectStep) {
        ParameterNames names = ParameterNames.of(List.of("run"),
                List.of("detector", "series", "epoch", "chunkSize", "failAt", "delay"));
        CompositeJobParametersValidator validator = new CompositeJobParametersValidator();
        validator.setValidators(List.of(names, CollectJobConfiguration::validateValues));
        return new JobBuilder(JOB, repository).validator(validator).start(collectStep).build();
    }
}
