package org.drmsbatch.jobs.stage;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import io.micrometer.observation.ObservationRegistry;
import org.drmsbatch.cluster.Cluster;
import org.drmsbatch.cluster.PartitionWorker;
import org.drmsbatch.config.DrmsProperties;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsException;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.query.RecordSets;
import org.drmsbatch.jobs.ChunkHooks;
import org.drmsbatch.jobs.ParsedParameters;
import org.drmsbatch.jobs.PartitionedStep;
import org.drmsbatch.staging.StagingStore;
import org.drmsbatch.sums.StorageException;
import org.drmsbatch.sums.Sums;
import org.drmsbatch.sums.tape.ReadPlan;
import org.drmsbatch.sums.tape.TapeArchive;
import org.drmsbatch.sums.tape.TapeFile;
import org.drmsbatch.sums.tape.TapeLibrary;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.configuration.annotation.JobScope;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.builder.JobBuilder;
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
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The {@code stage} job (SUMS' get with tape retrieval, JSOC's {@code SUM_get} with RETRIEVE): brings storage units
 * that the scrub took offline back online from the tape library, read in the order a library is fast at.
 *
 * <p>Steps: {@value #PLAN_STEP} resolves the request (the units by number, of a record set's records, or named by
 * SUMS paths; {@link StageParameters}), pins them all when asked ({@code pin=<holder>}), sorts them out (online ones
 * need nothing; unknown ones and offline ones never archived, whose data are gone, fail with the reason; the
 * others are read from their first copy on a volume not marked damaged) and plans the reads with {@link ReadPlan}:
 * volume by volume, each volume's tape files in position order, the volumes spread over the drives. The plan is
 * kept in that step's ExecutionContext, so a restart reads the same plan. {@value #STEP} runs one partition per
 * drive on as many threads, each a chunk-oriented step {@value #WORKER_STEP} reading its units in plan order
 * ({@link PlannedUnitReader}) and restoring them ({@link RestoredUnitWriter}) in chunks of {@code chunkSize} whose
 * commits are DRMS sessions: a chunk's units are online (DARO) together or not at all. A unit online by then is
 * passed over, so a restart after a crash, or a stage running alongside, never stages a unit twice.
 * {@value #REPORT_STEP} gathers what every partition did, in this execution and those it restarts.
 *
 * <p>A unit that cannot be staged does not stop the others: the job goes on, and {@value #REPORT_STEP} fails at the
 * end with every failed unit and why (also first in the job's exit description), so the execution ends FAILED
 * with the others staged. {@code drms run stage ...} then exits non-zero: 1 when every failed unit was unknown to
 * SUMS (the request named units that do not exist: the user's to fix), 2 when a unit's data could not be read
 * (never archived, a checksum mismatch on every copy, a volume damaged or missing). It exits 0 only when every unit
 * of the request is online. A failed unit is tried again by a new run (a new {@code run} value) once its volume is
 * back; a restart of the failed execution only reports again.
 *
 * <p>Refused before it starts, with the reason: no tape library ({@code drms.tape.directory} unset), none or two of
 * {@code sunum}, {@code ds}, {@code paths}, a bad number, a query that does not parse.
 */
@Configuration(proxyBeanMethods = false)
public class StageJobConfiguration {

    public static final String JOB = "stage";
    public static final String PLAN_STEP = "stagePlan";
    public static final String STEP = "stageStep";
    public static final String WORKER_STEP = "stageWorker";
    public static final String REPORT_STEP = "stageReport";
    /** In the job's ExecutionContext at the end: units staged, found online, failed (all executions together). */
    public static final String STAGED = "stage.staged";
    public static final String ONLINE = "stage.online";
    public static final String FAILED = "stage.failed";

    static final String PARTITIONS = "stage.partitions";
    static final String PARTITION = "stage.partition.";
    static final String UNITS = "stage.units";
    static final String REQUESTED = "stage.requested";
    static final String SUMMARY = "stage.summary";
    static final String PARTITION_NAME = "partition";

    /** The job's validator, and the parsed parameters of each launch: refused when there is no tape library. */
    @Bean
    ParsedParameters<StageParameters> stageParameters(RecordSets recordSets, ChunkHooks hooks,
            ObjectProvider<TapeArchive> tapeArchive, ObjectProvider<Cluster> cluster) {
        return StageParameters.parser(recordSets, tapeArchive.getIfAvailable() != null,
                        cluster.getIfAvailable() != null)
                .accepting(hooks.parameters());
    }

    /** The plan: the request resolved, pinned if asked, sorted out, and the reads ordered per drive. */
    @Bean
    Step stagePlanStep(JobRepository repository, PlatformTransactionManager transactionManager, Drms drms,
            RecordSets recordSets, ObjectProvider<TapeArchive> tapeArchive,
            ParsedParameters<StageParameters> stageParameters) {
        Tasklet plan = (contribution, chunkContext) -> {
            StepExecution step = contribution.getStepExecution();
            StageParameters p = stageParameters.of(step.getJobParameters());
            TapeArchive archive = tapeArchive.getIfAvailable();
            if (archive == null) {
                throw new IllegalStateException(StageParameters.NO_LIBRARY);
            }
            plan(drms, recordSets, archive, p, step.getExecutionContext());
            return RepeatStatus.FINISHED;
        };
        return new StepBuilder(PLAN_STEP, repository).tasklet(plan, transactionManager).build();
    }

    /** Resolves, pins and plans a request, in the current transaction, into {@code out}. */
    static void plan(Drms drms, RecordSets recordSets, TapeArchive archive, StageParameters p, ExecutionContext out)
            throws SQLException {
        Connection c = drms.session().connection();
        List<Long> sunums = requested(recordSets, p, c);
        Map<Long, Sums.Info> info = drms.sums().get(c, sunums, false, 0);
        List<Long> offline = info.values().stream().filter(i -> !i.online()).map(Sums.Info::sunum).toList();
        Map<Long, List<TapeFile>> copies = archive.locations(c, offline);
        Set<String> damaged = archive.volumes(c).stream().filter(v -> v.damaged() != null)
                .map(TapeArchive.Volume::tapeid).collect(Collectors.toSet());
        Map<Long, String> failed = new LinkedHashMap<>();
        List<ReadPlan.Read> reads = new ArrayList<>();
        long online = 0;
        for (long sunum : sunums) {
            Sums.Info i = info.get(sunum);
            if (i == null) {
                failed.put(sunum, "unknown storage unit");
            } else if (i.online()) {
                online++;
            } else if (!i.archived() || copies.getOrDefault(sunum, List.of()).isEmpty()) {
                failed.put(sunum, "offline and never archived: its data are gone");
            } else {
                List<TapeFile> files = copies.get(sunum);
                TapeFile first = files.stream().filter(f -> !damaged.contains(f.volume())).findFirst()
                        .orElse(files.get(0));
                reads.add(new ReadPlan.Read(sunum, first));
            }
        }
        if (p.pin() != null) {
            drms.sums().pin(c, info.keySet(), p.pin(), null);
        }
        // the staging requests waiting for these units learn what is online already and what cannot be staged
        StagingStore.ready(c, info.values().stream().filter(Sums.Info::online).map(Sums.Info::sunum).toList());
        StagingStore.failed(c, failed);
        TapeLibrary library = archive.library();
        ReadPlan plan = ReadPlan.of(reads, library.drives(), library.model());
        out.putInt(PARTITIONS, plan.drives().size());
        for (int d = 0; d < plan.drives().size(); d++) {
            List<String> order = new ArrayList<>();
            for (ReadPlan.VolumeReads v : plan.drives().get(d)) {
                v.reads().forEach(r -> order.add(Long.toString(r.sunum())));
            }
            out.putString(PARTITION + d, String.join(",", order));
        }
        out.putString(UNITS, reads.stream().map(r -> Long.toString(r.sunum())).collect(Collectors.joining(",")));
        out.putLong(REQUESTED, sunums.size());
        out.putLong(ONLINE, online);
        out.putString(FAILED, StageFailures.format(failed));
    }

    /** The sunums a request names, each once, in the order named (for {@code ds}: the records' order). */
    static List<Long> requested(RecordSets recordSets, StageParameters p, Connection c) throws SQLException {
        if (p.staging() != null) {
            return StagingStore.batchUnits(c, p.staging());
        }
        if (p.query() == null) {
            return p.sunums();
        }
        Set<Long> out = new LinkedHashSet<>();
        recordSets.stream(p.query(), 0, 1000, page -> {
            for (Record r : page) {
                if (r.sunum() >= 0) {
                    out.add(r.sunum());
                }
            }
            return true;
        });
        return new ArrayList<>(out);
    }

    private static List<Long> sunums(String text) {
        if (text == null || text.isEmpty()) {
            return List.of();
        }
        return Arrays.stream(text.split(",")).map(Long::parseLong).toList();
    }

    /** The plan of this job instance: its plan step's ExecutionContext (the same for every restart). */
    static ExecutionContext plan(JobRepository repository, JobInstance instance) {
        StepExecution planned = repository.getLastStepExecution(instance, PLAN_STEP);
        if (planned == null) {
            throw new IllegalStateException("the stage job's plan step has not run");
        }
        return planned.getExecutionContext();
    }

    /** One partition per drive, each with its units in plan order. */
    static Partitioner partitioner(JobRepository repository, JobInstance instance) {
        return gridSize -> {
            ExecutionContext plan = plan(repository, instance);
            int n = plan.getInt(PARTITIONS);
            Map<String, ExecutionContext> out = new HashMap<>();
            for (int i = 0; i < n; i++) {
                ExecutionContext c = new ExecutionContext();
                c.putString(UNITS, plan.getString(PARTITION + i));
                out.put(PARTITION_NAME + i, c);
            }
            return out;
        };
    }

    @Bean
    @StepScope
    PlannedUnitReader stageReader(@Value("#{stepExecution}") StepExecution step) {
        return new PlannedUnitReader(sunums(step.getExecutionContext().getString(UNITS, "")));
    }

    @Bean
    @StepScope
    RestoredUnitWriter stageWriter(Drms drms, ObjectProvider<TapeArchive> tapeArchive, DrmsProperties properties,
            ParsedParameters<StageParameters> stageParameters, ChunkHooks hooks,
            @Value("#{stepExecution}") StepExecution step) {
        StageParameters p = stageParameters.of(step.getJobParameters());
        return new RestoredUnitWriter(drms, tapeArchive.getObject(), p.retention(),
                properties.session().defaultRetention(), hooks.forStep(step.getJobParameters()));
    }

    /**
     * The worker step, built for each execution of the partitioned step: in the job's thread for the local threads
     * (the partitions run on threads where the job scope is not active), and by a cluster's worker for each partition
     * it takes. Its reader and writer are step-scoped, one per partition.
     */
    @Bean
    PartitionWorker stagePartitionWorker(JobRepository repository, PlatformTransactionManager transactionManager,
            PlannedUnitReader stageReader, RestoredUnitWriter stageWriter,
            ParsedParameters<StageParameters> stageParameters, ObjectProvider<ObservationRegistry> observations) {
        return PartitionWorker.of(WORKER_STEP, execution -> {
            StageParameters p = stageParameters.of(execution.getJobParameters());
            // the worker is no bean, so Spring Batch's observability post-processor never sees it: its step,
            // item and chunk metrics (spring_batch_step_*, spring_batch_item_*, spring_batch_chunk_*) need the
            // registry here
            return new StepBuilder(WORKER_STEP, repository)
                    .observationRegistry(observations.getIfAvailable(() -> ObservationRegistry.NOOP))
                    .<Long, Long>chunk(p.chunkSize())
                    .transactionManager(transactionManager)
                    .reader(stageReader)
                    .writer(stageWriter)
                    .build();
        });
    }

    /**
     * The partitioned step: one partition per drive, on as many threads of this process or, with {@code remote=true},
     * on the cluster's workers ({@link Cluster}).
     */
    @Bean
    @JobScope
    Step stageStep(JobRepository repository, PartitionWorker stagePartitionWorker,
            ParsedParameters<StageParameters> stageParameters, ObjectProvider<TapeArchive> tapeArchive,
            @Value("#{jobExecution}") JobExecution execution, ObjectProvider<Cluster> cluster) {
        StageParameters p = stageParameters.of(execution.getJobParameters());
        int drives = tapeArchive.getObject().library().drives();
        return PartitionedStep.build(STEP, repository, partitioner(repository, execution.getJobInstance()), drives,
                stagePartitionWorker, execution, p.remote(), cluster);
    }

    /**
     * The report: every partition's last execution (whichever job execution ran it) and the plan together; fails,
     * naming each failed unit and why, when a unit of the request is not online. A planned unit that is still
     * offline without a recorded failure is reported too, rather than counted as staged.
     */
    @Bean
    Step stageReportStep(JobRepository repository, PlatformTransactionManager transactionManager, Drms drms) {
        Tasklet report = (contribution, chunkContext) -> {
            JobExecution job = contribution.getStepExecution().getJobExecution();
            ExecutionContext plan = plan(repository, job.getJobInstance());
            Map<Long, String> failed = StageFailures.parse(plan.getString(FAILED, ""));
            long online = plan.getLong(ONLINE, 0L);
            long staged = 0;
            for (int i = 0; i < plan.getInt(PARTITIONS); i++) {
                StepExecution part = repository.getLastStepExecution(job.getJobInstance(),
                        WORKER_STEP + ":" + PARTITION_NAME + i);
                if (part == null) {
                    continue;
                }
                ExecutionContext c = part.getExecutionContext();
                staged += c.getLong(RestoredUnitWriter.STAGED, 0L);
                online += c.getLong(RestoredUnitWriter.ONLINE, 0L);
                failed.putAll(StageFailures.parse(c.getString(RestoredUnitWriter.FAILED, "")));
            }
            List<Long> planned = sunums(plan.getString(UNITS, ""));
            Connection c = drms.session().connection();
            for (Sums.Info i : drms.sums().get(c, planned, false, 0).values()) {
                if (!i.online() && !failed.containsKey(i.sunum())) {
                    failed.put(i.sunum(), "not staged: still offline after its partition ended");
                }
            }
            String summary = summary(plan.getLong(REQUESTED, 0L), staged, online, failed);
            ExecutionContext out = job.getExecutionContext();
            out.putLong(STAGED, staged);
            out.putLong(ONLINE, online);
            out.putString(FAILED, StageFailures.format(failed));
            out.putString(SUMMARY, summary);
            if (!failed.isEmpty()) {
                // this step's transaction rolls back with the failure: the staging requests learn it in their own
                try (Connection own = drms.dataSource().getConnection()) {
                    StagingStore.failed(own, failed);
                }
                boolean allUnknown = failed.values().stream().allMatch("unknown storage unit"::equals);
                throw allUnknown ? new DrmsException(summary) : new StorageException(summary);
            }
            return RepeatStatus.FINISHED;
        };
        return new StepBuilder(REPORT_STEP, repository).tasklet(report, transactionManager).build();
    }

    /** What the job did, as its exit description says it: counts, then each failed unit and why. */
    static String summary(long requested, long staged, long online, Map<Long, String> failed) {
        StringBuilder sb = new StringBuilder();
        sb.append(requested).append(" storage units requested: ").append(staged).append(" staged from tape, ")
                .append(online).append(" online already");
        if (!failed.isEmpty()) {
            sb.append(", ").append(failed.size()).append(" failed: ");
            sb.append(failed.entrySet().stream().map(e -> "storage unit " + e.getKey() + ": " + e.getValue())
                    .collect(Collectors.joining("; ")));
        }
        return sb.toString();
    }

    /** Puts the report's summary first in the job's exit description, and keeps the totals in its context. */
    static JobExecutionListener summaryFirst(JobRepository repository) {
        return new JobExecutionListener() {
            @Override
            public void afterJob(JobExecution job) {
                String summary = job.getExecutionContext().containsKey(SUMMARY)
                        ? job.getExecutionContext().getString(SUMMARY) : null;
                if (summary == null) {
                    return;
                }
                repository.updateExecutionContext(job);
                ExitStatus exit = job.getExitStatus();
                // first, so that the repository's cut of long descriptions keeps it
                job.setExitStatus(new ExitStatus(exit.getExitCode(), summary)
                        .addExitDescription(exit.getExitDescription()));
            }
        };
    }

    @Bean
    Job stageJob(JobRepository repository, Step stagePlanStep, Step stageStep, Step stageReportStep,
            ParsedParameters<StageParameters> stageParameters) {
        return new JobBuilder(JOB, repository).validator(stageParameters).listener(stageParameters)
                .start(stagePlanStep).next(stageStep).next(stageReportStep).listener(summaryFirst(repository))
                .build();
    }
}
