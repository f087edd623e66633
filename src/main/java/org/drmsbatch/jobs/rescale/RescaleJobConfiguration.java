package org.drmsbatch.jobs.rescale;

import java.util.ArrayList;
import java.util.List;

import io.micrometer.observation.ObservationRegistry;
import org.drmsbatch.cluster.Cluster;
import org.drmsbatch.cluster.PartitionWorker;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.JsdPrinter;
import org.drmsbatch.drms.KeywordDef;
import org.drmsbatch.drms.LinkDef;
import org.drmsbatch.drms.RecScope;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.SegmentDef;
import org.drmsbatch.drms.SeriesDefinition;
import org.drmsbatch.drms.query.RecordSets;
import org.drmsbatch.drms.types.DrmsType;
import org.drmsbatch.drms.types.Protocol;
import javax.sql.DataSource;

import org.drmsbatch.jobs.ChunkHooks;
import org.drmsbatch.jobs.StageInput;
import org.drmsbatch.jobs.ParameterText;
import org.drmsbatch.jobs.ParsedParameters;
import org.drmsbatch.jobs.PartitionedStep;
import org.drmsbatch.jobs.RecordStatusTracking;
import org.drmsbatch.readers.RecordSetReader;
import org.drmsbatch.segments.Rescale;
import org.drmsbatch.sums.Sums;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.configuration.annotation.JobScope;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.batch.core.partition.Partitioner;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The {@code rescale} job (JSOC's scalesegment): for every record of a record set, a clone in an output series whose
 * rescaled segments hold y = alpha&middot;x + beta: {@link RecordSetReader} reads the records,
 * {@link RescaleProcessor} reads and rescales their segments ({@link Rescale}), {@link RescaledCloneWriter} writes
 * the clones.
 *
 * <p>Steps: {@value #SERIES_STEP} creates the output series from the input's definition when it does not exist
 * (with the keywords that name a clone's source); {@value #STEP} splits the record set by recnum into
 * {@code partitions} ranges run on as many threads, each a chunk-oriented step {@value #WORKER_STEP} whose chunk
 * commits are DRMS sessions: the clones of a chunk and their files become visible together or not at all. The
 * reader ({@link RecordSetReader}) reads the record set as it was when the job started (a recnum snapshot kept in
 * each partition's ExecutionContext), so clones into the same series are never read again; each partition resumes
 * after its last committed chunk on restart. In the end there is exactly one clone per input record.
 *
 * <p>Parameters: {@link RescaleParameters}, parsed and checked against the catalog once per launch by the job's
 * validator; the step beans of every partition take the parsed record.
 *
 * <p>The job's ExecutionContext ends with {@value #CLONES}, {@value #OUT_OF_RANGE} and {@value #VALUES}; its exit
 * description says them too. {@value #OUTPUT} names the clones the job instance made (see {@link #output}).
 */
@Configuration(proxyBeanMethods = false)
public class RescaleJobConfiguration {

    public static final String JOB = "rescale";
    public static final String SERIES_STEP = "rescaleSeries";
    public static final String STEP = "rescaleStep";
    public static final String WORKER_STEP = "rescaleWorker";
    public static final String READER = "rescaleReader";
    public static final String CLONES = "rescale.clones";
    public static final String OUT_OF_RANGE = RescaledCloneWriter.OUT_OF_RANGE;
    public static final String VALUES = RescaledCloneWriter.VALUES;
    /** The records the job made, as a record-set query (a pipeline's next step takes it as its ds). */
    public static final String OUTPUT = "output.ds";
    static final String FROM = "rescale.from";
    static final String TO = "rescale.to";

    /** The keywords a created output series gets so that each clone names its source and its job. */
    static List<KeywordDef> provenanceKeywords() {
        return List.of(
                new KeywordDef(RescaledCloneWriter.SOURCE_SERIES, DrmsType.STRING, RecScope.VARIABLE, false, "", "%s",
                        "none", "Series of the record this one was rescaled from", null, null, false),
                new KeywordDef(RescaledCloneWriter.SOURCE_RECNUM, DrmsType.LONGLONG, RecScope.VARIABLE, false,
                        "DRMS_MISSING_VALUE", "%lld", "none", "Record number of the record this one was rescaled from",
                        null, null, false),
                new KeywordDef(RescaledCloneWriter.JOB_EXECUTION, DrmsType.LONGLONG, RecScope.VARIABLE, false,
                        "DRMS_MISSING_VALUE", "%lld", "none", "Job execution that made this record", null, null,
                        false),
                new KeywordDef(RescaledCloneWriter.HISTORY, DrmsType.STRING, RecScope.VARIABLE, false, "", "%s",
                        "none", "Processing history", null, null, false));
    }

    /**
     * The definition of a new output series: the input's, renamed, with the provenance keywords it lacks, and, for
     * {@code integers=float}, the rescaled integer segments made float (compressed losslessly with GZIP when the
     * input was compressed, since Rice quantises floating values). Printed as JSD and parsed again, so the implicit
     * keywords follow the new segments.
     */
    public static SeriesDefinition outputDefinition(SeriesDefinition input, String name, List<String> segments,
            Rescale.Integers integers) {
        List<KeywordDef> keywords = new ArrayList<>(input.explicitKeywords());
        for (KeywordDef k : provenanceKeywords()) {
            if (input.keyword(k.name()).isEmpty()) {
                keywords.add(k);
            }
        }
        List<SegmentDef> segs = new ArrayList<>();
        for (SegmentDef s : input.segments()) {
            boolean rescaled = segments.stream().anyMatch(s.name()::equalsIgnoreCase);
            if (rescaled && integers == Rescale.Integers.FLOAT && s.type().isInteger()) {
                String cparms = s.compressed() || s.protocol() == Protocol.FITZ ? "compress GZIP" : s.cparms();
                segs.add(new SegmentDef(s.name(), s.segnum(), s.scope(), DrmsType.FLOAT, s.dims(), s.unit(),
                        s.protocol(), cparms, 0, 1, s.description(), null, null));
            } else {
                segs.add(s);
            }
        }
        List<LinkDef> links = input.links();
        SeriesDefinition def = new SeriesDefinition(name, input.author(), input.owner(), input.unitSize(),
                input.archive(), input.retention(), input.stagingRetention(), input.tapeGroup(), input.primeKeys(),
                input.dbIndex(), input.description(), input.version(), input.createShadow(), keywords, links, segs);
        return new JsdParser().parse(name + ".jsd", new JsdPrinter().print(def));
    }

    /** The job's validator, and the parsed parameters of each launch. */
    @Bean
    ParsedParameters<RescaleParameters> rescaleParameters(Drms drms, RecordSets recordSets, ChunkHooks hooks,
            ObjectProvider<Cluster> cluster) {
        return RescaleParameters.parser(drms, recordSets, cluster.getIfAvailable() != null)
                .accepting(hooks.parameters())
                .accepting(RecordStatusTracking.PARAMETERS);
    }

    @Bean
    Step rescaleSeriesStep(JobRepository repository, PlatformTransactionManager transactionManager, Drms drms,
            RecordSets recordSets, ParsedParameters<RescaleParameters> rescaleParameters) {
        Tasklet createOutput = (contribution, chunkContext) -> {
            JobParameters params = contribution.getStepExecution().getJobParameters();
            RescaleParameters p = rescaleParameters.of(params);
            if (!p.outExists() && RescaleParameters.exists(drms, p.out())) {
                // created since the launch was checked (another rescale into it, say): check it as an output now
                p = RescaleParameters.parse(new ParameterText(ParsedParameters.text(params)), drms, recordSets);
            }
            if (!p.outExists()) {
                // in the step's transaction: the series exists once this step has committed
                drms.createSeries(outputDefinition(p.input(), p.out(), p.segments(), p.integers()), false);
                contribution.getStepExecution().getExecutionContext().putString("rescale.created", p.out());
            }
            return RepeatStatus.FINISHED;
        };
        return new StepBuilder(SERIES_STEP, repository).tasklet(createOutput, transactionManager).build();
    }

    /**
     * Splits the record set's recnum span into {@code partitions} ranges of equal width, and gives each partition
     * the snapshot bounds (the largest recnum of each record set's series now) for its reader.
     */
    static Partitioner partitioner(RecordSets sets, RescaleParameters p) {
        return PartitionedStep.byRecnum(sets, p.query(), p.partitions(), FROM, TO, READER);
    }

    @Bean
    @StepScope
    RecordSetReader rescaleReader(RecordSets recordSets, ParsedParameters<RescaleParameters> rescaleParameters,
            @Value("#{stepExecution}") StepExecution step) {
        RescaleParameters p = rescaleParameters.of(step.getJobParameters());
        ExecutionContext partition = step.getExecutionContext();
        RecordSetReader reader = new RecordSetReader(recordSets, p.query(), p.chunkSize(),
                partition.getLong(FROM, 1L), partition.getLong(TO, Long.MAX_VALUE));
        reader.setName(READER);
        return reader;
    }

    @Bean
    @StepScope
    RescaleProcessor rescaleProcessor(Drms drms, ParsedParameters<RescaleParameters> rescaleParameters,
            @Value("#{stepExecution}") StepExecution step) {
        RescaleParameters p = rescaleParameters.of(step.getJobParameters());
        return new RescaleProcessor(drms, p.out(), p.segments(), p.rescale());
    }

    @Bean
    @StepScope
    RescaledCloneWriter rescaleWriter(Drms drms, ParsedParameters<RescaleParameters> rescaleParameters,
            ChunkHooks hooks, @Value("#{stepExecution}") StepExecution step) {
        RescaleParameters p = rescaleParameters.of(step.getJobParameters());
        return new RescaledCloneWriter(drms, p.out(), p.segments(), p.rescale(), step.getJobExecutionId(),
                RecordStatusTracking.step(step.getJobParameters(), JOB), hooks.forStep(step.getJobParameters()));
    }

    /**
     * The worker step, built for each execution of the partitioned step: in the job's thread for the local threads
     * (the partitions run on threads where the job scope is not active), and by a cluster's worker for each partition
     * it takes. Its reader, processor and writer are step-scoped, one per partition.
     */
    @Bean
    PartitionWorker rescalePartitionWorker(JobRepository repository, PlatformTransactionManager transactionManager,
            Drms drms, RecordSetReader rescaleReader, RescaleProcessor rescaleProcessor,
            RescaledCloneWriter rescaleWriter, ParsedParameters<RescaleParameters> rescaleParameters,
            ObjectProvider<ObservationRegistry> observations) {
        return PartitionWorker.of(WORKER_STEP, execution -> {
            RescaleParameters p = rescaleParameters.of(execution.getJobParameters());
            // the worker is no bean, so Spring Batch's observability post-processor never sees it: its step,
            // item and chunk metrics (spring_batch_step_*, spring_batch_item_*, spring_batch_chunk_*) need the
            // registry here
            return new StepBuilder(WORKER_STEP, repository)
                    .observationRegistry(observations.getIfAvailable(() -> ObservationRegistry.NOOP))
                    .<Record, RescaledRecord>chunk(p.chunkSize())
                    .transactionManager(transactionManager)
                    .reader(rescaleReader)
                    .processor(rescaleProcessor)
                    .writer(rescaleWriter)
                    .listener(RecordStatusTracking.chunks(drms.dataSource(),
                            RecordStatusTracking.step(execution.getJobParameters(), JOB), execution.getId()))
                    .build();
        });
    }

    /**
     * The partitioned step: its partitions run on as many threads of this process, or with {@code remote=true} on
     * the cluster's workers ({@link Cluster}).
     */
    @Bean
    @JobScope
    Step rescaleStep(JobRepository repository, RecordSets recordSets, PartitionWorker rescalePartitionWorker,
            ParsedParameters<RescaleParameters> rescaleParameters, @Value("#{jobExecution}") JobExecution execution,
            ObjectProvider<Cluster> cluster) {
        RescaleParameters p = rescaleParameters.of(execution.getJobParameters());
        return PartitionedStep.build(STEP, repository, partitioner(recordSets, p), p.partitions(),
                rescalePartitionWorker, execution, p.remote(), cluster);
    }

    /**
     * Sums the partitions' counts into the job's ExecutionContext and exit description; a failed or stopped job's exit
     * description also says why its partitions failed or stopped (the partition handler only says that one did).
     */
    static JobExecutionListener totals(JobRepository repository, Drms drms,
            ParsedParameters<RescaleParameters> parameters) {
        return new JobExecutionListener() {
            @Override
            public void afterJob(JobExecution job) {
                String output = output(repository, drms, parameters, job);
                if (output != null) {
                    job.getExecutionContext().putString(OUTPUT, output);
                }
                long clones = 0;
                long outOfRange = 0;
                long values = 0;
                for (StepExecution s : job.getStepExecutions()) {
                    if (s.getStepName().startsWith(WORKER_STEP + ":")) {
                        clones += s.getWriteCount();
                        outOfRange += s.getExecutionContext().getLong(OUT_OF_RANGE, 0L);
                        values += s.getExecutionContext().getLong(VALUES, 0L);
                    }
                }
                List<String> failures = PartitionedStep.failures(job, WORKER_STEP);
                job.getExecutionContext().putLong(CLONES, clones);
                job.getExecutionContext().putLong(OUT_OF_RANGE, outOfRange);
                job.getExecutionContext().putLong(VALUES, values);
                repository.updateExecutionContext(job);
                String text = clones + " clones made in this execution, " + values + " values rescaled"
                        + (outOfRange > 0 ? ", " + outOfRange + " out of range of the output type stored as MISSING"
                        : "");
                if (!failures.isEmpty()) {
                    text = String.join("; ", failures) + " (" + text + ")";
                }
                // first, so that the repository's cut of long descriptions keeps it
                ExitStatus exit = job.getExitStatus();
                job.setExitStatus(new ExitStatus(exit.getExitCode(), text).addExitDescription(exit.getExitDescription()));
            }
        };
    }

    /**
     * The clones this job instance made, as a record-set query: {@code out[? JOB_EXEC IN (<its executions>) ?]}; null
     * when the output series has no {@value RescaledCloneWriter#JOB_EXECUTION} keyword to tell them by.
     */
    static String output(JobRepository repository, Drms drms, ParsedParameters<RescaleParameters> parameters,
            JobExecution job) {
        try {
            String out = parameters.of(job.getJobParameters()).out();
            if (drms.describeSeries(out).keyword(RescaledCloneWriter.JOB_EXECUTION).isEmpty()) {
                return null;
            }
            List<String> ids = new ArrayList<>();
            for (JobExecution e : repository.getJobExecutions(job.getJobInstance())) {
                ids.add(Long.toString(e.getId()));
            }
            if (!ids.contains(Long.toString(job.getId()))) {
                ids.add(Long.toString(job.getId()));
            }
            java.util.Collections.sort(ids);
            return out + "[? " + RescaledCloneWriter.JOB_EXECUTION + " IN (" + String.join(",", ids) + ") ?]";
        } catch (RuntimeException e) {
            return null; // the series or the parameters are gone: no output to name
        }
    }

    /** The first step: the input's units pinned for the job, those offline staged from tape ({@link StageInput}). */
    @Bean
    Step rescaleStageInput(JobRepository repository, PlatformTransactionManager transactionManager,
            RecordSets recordSets, Sums sums, DataSource dataSource,
            ParsedParameters<RescaleParameters> rescaleParameters, @Qualifier("stageJob") ObjectProvider<Job> stageJob) {
        return StageInput.step(JOB, repository, transactionManager, new StageInput(recordSets, sums, dataSource,
                repository, params -> rescaleParameters.of(params).query(), stageJob));
    }

    @Bean
    Job rescaleJob(JobRepository repository, Step rescaleStageInput, Step rescaleSeriesStep, Step rescaleStep,
            ParsedParameters<RescaleParameters> rescaleParameters, Sums sums, DataSource dataSource, Drms drms,
            RecordSets recordSets) {
        return new JobBuilder(JOB, repository).validator(rescaleParameters).listener(rescaleParameters)
                .listener(RecordStatusTracking.queueAtStart(JOB, recordSets, drms.dataSource(), repository,
                        params -> rescaleParameters.of(params).query()))
                .listener(StageInput.unpinAtEnd(sums, dataSource))
                .start(rescaleStageInput).next(rescaleSeriesStep).next(rescaleStep).listener(totals(repository, drms, rescaleParameters))
                .build();
    }
}
