package org.drmsbatch.jobs.collect;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;

import io.micrometer.observation.ObservationRegistry;
import org.drmsbatch.buffer.BufferFiles;
import org.drmsbatch.buffer.DataBuffer;
import org.drmsbatch.cluster.Cluster;
import org.drmsbatch.cluster.PartitionWorker;
import org.drmsbatch.config.DrmsProperties;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsException;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.SeriesDefinition;
import org.drmsbatch.jobs.ChunkHooks;
import org.drmsbatch.jobs.ParsedParameters;
import org.drmsbatch.jobs.PartitionedStep;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.configuration.annotation.JobScope;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.core.step.skip.SkipPolicy;
import org.springframework.batch.infrastructure.item.ExecutionContext;
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
 * <p>With {@code partitions=N} (N &gt; 1) or {@code remote=true} the step {@value #STEP} is partitioned
 * ({@link PartitionedStep}): the manager creates the series, holds the buffer and lists its files once, in the same
 * order, and gives each partition a contiguous slice of that list ({@link CollectPartitioner}); each partition,
 * {@value #WORKER_STEP}, reads its slice with the same reader ({@link BufferChunkReader}), on a thread of this
 * process or, with {@code remote=true}, on a worker of the cluster sharing the buffer's directory. The manager holds
 * the buffer until every partition has ended (the hold is in the manager's process, which owns the buffer and
 * serves its API: that is where a snapshot is refused). Each partition saves its position, and a restart resumes
 * each partition after its last committed file, with the first run's slices. A restart keeps the first run's shape
 * (one step or partitions) whatever {@code partitions} it is given.
 *
 * <p>Parameters: {@link CollectParameters}, parsed once per launch ({@code run} required and identifying; for
 * glitchflow's relative t0 give the event's time as {@code epoch}). Each item reaches the {@link ChunkHooks} before
 * it is processed (none in the product).
 *
 * <p>{@value #OUTPUT} names the records the instance wrote, over every partition; a partitioned run's exit
 * description sums its partitions' counts (and says first why partitions failed).
 */
@Configuration(proxyBeanMethods = false)
public class CollectJobConfiguration {

    public static final String JOB = "collect";
    /** The records the job made, as a record-set query (a pipeline's next step takes it as its ds). */
    public static final String OUTPUT = "output.ds";
    public static final String STEP = "collectStep";
    /** The partitions' step: {@code collectWorker:partition0}, ... */
    public static final String WORKER_STEP = "collectWorker";
    /** The partitioned step's ExecutionContext: its partitions (of the first run, kept by a restart). */
    static final String PARTITIONS = "collect.partitions";
    /** The job's ExecutionContext after a partitioned run: records written and files rejected in the execution. */
    public static final String RECORDS = "collect.records";
    public static final String REJECTED = "collect.rejected";
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
    ParsedParameters<CollectParameters> collectParameters(ChunkHooks hooks, ObjectProvider<Cluster> cluster) {
        return CollectParameters.parser(cluster.getIfAvailable() != null).accepting(hooks.parameters());
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
            PartitionWorker collectPartitionWorker, ObjectProvider<Cluster> cluster,
            @Value("#{jobExecution}") JobExecution execution) {
        CollectParameters p = collectParameters.of(execution.getJobParameters());
        if (partitioned(repository, execution, p)) {
            CollectPartitioner partitioner = new CollectPartitioner(buffer, drms, repository, p.series(),
                    p.partitions());
            return PartitionedStep.build(STEP, repository, partitioner, p.partitions(), collectPartitionWorker,
                    execution, p.remote(), cluster, partitioner);
        }
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

    /**
     * Whether this execution's {@value #STEP} is partitioned: as the instance's earlier execution of it was (a
     * restart keeps the first run's shape: its partitions' slices and positions, or the single step's position),
     * else as the parameters say.
     */
    static boolean partitioned(JobRepository repository, JobExecution execution, CollectParameters p) {
        StepExecution last = repository.getLastStepExecution(execution.getJobInstance(), STEP);
        if (last != null && last.getJobExecutionId() != execution.getId()) {
            return last.getExecutionContext().containsKey(PARTITIONS);
        }
        return p.partitioned();
    }

    /** The reader of a partition: its slice of the files the manager listed, read in this process. */
    @Bean
    @StepScope
    BufferChunkReader collectReader(DrmsProperties properties, @Value("${drms.buffer.directory:}") String directory,
            ParsedParameters<CollectParameters> collectParameters, @Value("#{stepExecution}") StepExecution step) {
        CollectParameters p = collectParameters.of(step.getJobParameters());
        ExecutionContext c = step.getExecutionContext();
        if (!c.containsKey(BufferChunkReader.SLICE)) {
            throw new IllegalStateException(step.getStepName() + " (step execution " + step.getId() + ") has no"
                    + " slice of the buffer's files in its ExecutionContext: it was not made by the collect's split");
        }
        Path here = properties.bufferDirectory(directory);
        String listed = c.getString(BufferChunkReader.BUFFER, here.toString());
        if (!Path.of(listed).equals(here)) {
            throw new IllegalStateException(step.getStepName() + ": this process's data buffer is "
                    + properties.shown(here) + " (drms.buffer.directory), and the manager listed the files of "
                    + properties.shown(Path.of(listed)) + ": a partition of collect reads the manager's buffer, so"
                    + " give every worker the manager's buffer directory, shared at the same path");
        }
        BufferFiles files = DataBuffer.files(here);
        if (!Files.isDirectory(files.dataDirectory())) {
            throw new IllegalStateException(step.getStepName() + ": the data buffer " + properties.shown(here)
                    + " is not on this host: a partition of collect reads the chunk files where the manager listed"
                    + " them, so every process that runs one needs the manager's buffer directory at the same path"
                    + " (drms.buffer.directory)");
        }
        int threads = p.remote() ? READ_THREADS : Math.max(1, READ_THREADS / p.partitions());
        return new BufferChunkReader(files,
                BufferChunkReader.decode(c.getString(BufferChunkReader.SLICE)),
                JOB + " execution " + step.getJobExecutionId() + " " + step.getStepName(),
                Math.min(p.chunkSize(), READ_AHEAD), threads);
    }

    @Bean
    @StepScope
    StrainProcessor collectProcessor(ParsedParameters<CollectParameters> collectParameters, ChunkHooks hooks,
            @Value("#{stepExecution}") StepExecution step) {
        CollectParameters p = collectParameters.of(step.getJobParameters());
        return new StrainProcessor(p.detector(), p.epoch(), hooks.forStep(step.getJobParameters()));
    }

    @Bean
    @StepScope
    StrainRecordWriter collectWriter(Drms drms, ParsedParameters<CollectParameters> collectParameters,
            @Value("#{stepExecution}") StepExecution step) {
        return new StrainRecordWriter(drms, collectParameters.of(step.getJobParameters()).series());
    }

    /**
     * The partitions' step, built for each execution of the partitioned step: in the job's thread for the local
     * threads, by a cluster's worker for each partition it takes. Its reader, processor and writer are step-scoped,
     * one per partition.
     */
    @Bean
    PartitionWorker collectPartitionWorker(JobRepository repository, PlatformTransactionManager transactionManager,
            BufferChunkReader collectReader, StrainProcessor collectProcessor, StrainRecordWriter collectWriter,
            ParsedParameters<CollectParameters> collectParameters, ObjectProvider<ObservationRegistry> observations) {
        return PartitionWorker.of(WORKER_STEP, execution -> {
            CollectParameters p = collectParameters.of(execution.getJobParameters());
            // the worker step is no bean: its metrics need the registry here (as rescale's)
            return new StepBuilder(WORKER_STEP, repository)
                    .observationRegistry(observations.getIfAvailable(() -> ObservationRegistry.NOOP))
                    .<BufferedChunk, StrainRecord>chunk(p.chunkSize())
                    .transactionManager(transactionManager)
                    .reader(collectReader)
                    .processor(collectProcessor)
                    .writer(collectWriter)
                    .faultTolerant()
                    .skipPolicy(REJECTED_FILES)
                    .build();
        });
    }

    @Bean
    Job collectJob(JobRepository repository, Step collectStep,
            ParsedParameters<CollectParameters> collectParameters) {
        return new JobBuilder(JOB, repository).validator(collectParameters).listener(collectParameters)
                .listener(new JobExecutionListener() {
                    /**
                     * {@value #OUTPUT}: the records the instance wrote, {@code series[? recnum BETWEEN first AND last
                     * ?]} (records other writers put into the series meanwhile are in that span too), over every
                     * partition when partitioned; then a partitioned run's counts.
                     */
                    @Override
                    public void afterJob(JobExecution job) {
                        String series = collectParameters.of(job.getJobParameters()).series();
                        for (StepExecution s : job.getStepExecutions()) {
                            if (s.getStepName().equals(STEP)) {
                                String output = s.getExecutionContext().containsKey(PARTITIONS)
                                        ? output(repository, series, s)
                                        : StrainRecordWriter.output(series, s.getExecutionContext());
                                if (output != null) {
                                    job.getExecutionContext().putString(OUTPUT, output);
                                    repository.updateExecutionContext(job);
                                }
                                if (s.getExecutionContext().containsKey(PARTITIONS)) {
                                    totals(repository, job);
                                }
                            }
                        }
                    }
                })
                .start(collectStep).build();
    }

    /**
     * {@value #OUTPUT} of a partitioned run: {@code series[? recnum BETWEEN first AND last ?]} over every partition
     * of the instance (those of earlier executions too), or null when none wrote a record.
     */
    static String output(JobRepository repository, String series, StepExecution manager) {
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        int n = manager.getExecutionContext().getInt(PARTITIONS);
        for (int i = 0; i < n; i++) {
            StepExecution p = repository.getLastStepExecution(manager.getJobExecution().getJobInstance(),
                    WORKER_STEP + ":" + CollectPartitioner.partitionName(i));
            ExecutionContext c = p == null ? null : p.getExecutionContext();
            if (c != null && c.containsKey(StrainRecordWriter.FIRST)) {
                first = Math.min(first, c.getLong(StrainRecordWriter.FIRST));
                last = Math.max(last, c.getLong(StrainRecordWriter.LAST));
            }
        }
        if (first > last) {
            return null;
        }
        ExecutionContext range = new ExecutionContext();
        range.putLong(StrainRecordWriter.FIRST, first);
        range.putLong(StrainRecordWriter.LAST, last);
        return StrainRecordWriter.output(series, range);
    }

    /**
     * Sums this execution's partitions' counts into the job's ExecutionContext and exit description; a failed job's
     * exit description also says first why its partitions failed (the partitioned step only says that one did).
     */
    static void totals(JobRepository repository, JobExecution job) {
        long read = 0;
        long written = 0;
        long rejected = 0;
        for (StepExecution s : job.getStepExecutions()) {
            if (s.getStepName().startsWith(WORKER_STEP + ":")) {
                read += s.getReadCount();
                written += s.getWriteCount();
                rejected += s.getReadSkipCount();
            }
        }
        List<String> failures = PartitionedStep.failures(job, WORKER_STEP);
        job.getExecutionContext().putLong(RECORDS, written);
        job.getExecutionContext().putLong(REJECTED, rejected);
        repository.updateExecutionContext(job);
        String text = written + " records collected in this execution from " + (read + rejected)
                + " chunk files, " + rejected + " rejected";
        if (!failures.isEmpty()) {
            text = String.join("; ", failures) + " (" + text + ")";
        }
        // first, so that the repository's cut of long descriptions keeps it
        ExitStatus exit = job.getExitStatus();
        job.setExitStatus(new ExitStatus(exit.getExitCode(), text).addExitDescription(exit.getExitDescription()));
    }
}
