package org.drmsbatch.jobs.export;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.stream.Stream;

import java.sql.Connection;
import java.util.List;
import java.util.Map;

import io.micrometer.observation.ObservationRegistry;
import org.drmsbatch.cluster.Cluster;
import org.drmsbatch.cluster.PartitionWorker;
import org.drmsbatch.drms.RecordStatus;
import org.drmsbatch.export.ExportRequest;
import org.drmsbatch.jobs.PartitionedStep;
import org.drmsbatch.jobs.Partitions;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.partition.Partitioner;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.jdbc.datasource.DataSourceUtils;

import javax.sql.DataSource;

import org.drmsbatch.config.DrmsProperties;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsException;
import org.drmsbatch.drms.query.RecordSets;
import org.drmsbatch.export.ExportIndex;
import org.drmsbatch.export.ExportPackager;
import org.drmsbatch.export.ExportProtocol;
import org.drmsbatch.export.ExportRequest;
import org.drmsbatch.export.ExportRoot;
import org.drmsbatch.export.FitsHeaderMapper;
import org.drmsbatch.export.FitsNames;
import org.drmsbatch.export.KeywordMaps;
import org.drmsbatch.jobs.ChunkHooks;
import org.drmsbatch.jobs.ParsedParameters;
import org.drmsbatch.jobs.RecordStatusTracking;
import org.drmsbatch.jobs.StageInput;
import org.drmsbatch.readers.RecordSetReader;
import org.drmsbatch.sums.Sums;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.configuration.annotation.JobScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The {@code export} job (specs/drms.md §5): writes one file per record and segment of a record-set query into an
 * export directory and packs it as JSOC does, for {@code drms run export} and the JSOC HTTP API alike.
 *
 * <p><b>Parameters</b> (text, as {@code JobControl} takes them; parsed and checked once per launch into
 * {@link ExportParameters}):
 * <ul>
 * <li>{@code requestId}: identifying, JSOC-like ({@code JSOC_20261125_000123}); letters, digits, {@code _ . -}.
 *     Optional: without it the job names the request {@code JSOC_<yyyyMMdd>_<job instance id>_IN} (the date of
 *     its first execution), the same on every restart. The job instance is then identified by the other
 *     parameters, so the same export asked twice without a requestId is refused as already complete (its
 *     directory is still there); the HTTP API always passes one.</li>
 * <li>{@code ds} (required): the record-set query, with optional {@code {segment,…}} lists.</li>
 * <li>{@code method}: {@code url_quick} | {@code url} | {@code url-tar} (default url).</li>
 * <li>{@code protocol}: {@code as-is} | {@code fits} (default fits); JSOC's {@code fits,<cparms>} works too.</li>
 * <li>{@code ffmt}: the file-name template (default {@code {seriesname}.{recnum:%lld}.{segment}}, see
 *     {@link org.drmsbatch.export.FileNameTemplate}).</li>
 * <li>{@code cparms}: FITS compression, {@code **NONE**} or e.g. {@code compress Rice} (default: each segment's
 *     own definition; see {@link org.drmsbatch.export.ExportCompression}).</li>
 * <li>{@code chunkSize}: records per commit (default 10). {@code kmfile}: a keyword map file
 *     ({@code drms_name fits_name} lines): the name of a file in {@code drms.export.keyword-maps} (default
 *     {@code <drms.home>/keymaps}; see {@link KeywordMaps}), no other file.</li>
 * <li>{@code partitions}: recnum ranges written on as many threads (1..8, default 1), or with {@code remote=true}
 *     by the cluster's workers (1..256); {@code remote} is refused in a process without the cluster
 *     ({@link Partitions}, as for rescale). A template with {@code {#}} (a running number over the export) is
 *     refused with more than one partition.</li>
 * </ul>
 * Bad parameters (a query that does not parse or names unknown series, keywords or segments; a bad template or
 * one whose text would leave the directory; an unknown method or protocol; bad cparms, or a compression of a
 * longlong segment; a bad requestId, chunkSize or partitions; {@code remote=true} without the cluster) are
 * refused before the job starts, by the job's validator, with the reason.
 *
 * <p><b>Output</b>: {@code <drms.export.directory>/<requestId>/} (default {@code <drms.home>/exports}; see
 * {@link #directory} and the {@link ExportRoot} bean). Each file is written under a temporary name and renamed
 * when complete. When the job completes, {@code index.txt} and then {@code index.json} (JSOC shapes, see
 * {@link ExportIndex}) are written atomically: index.json appears last and only then. For url-tar the files are
 * packed into {@code <requestId>.tar} in that directory, with the index files inside it too, and index.json and
 * index.txt stay outside as well. A name a template gives that would leave the directory, or the same name given
 * to two files, fails the job with the reason.
 *
 * <p><b>Steps</b>: {@value #STEP} claims the directory and splits the record set by recnum into
 * {@code partitions} ranges, each a chunk-oriented step {@value #WORKER_STEP} ({@code exportWorker:partition0},
 * ...) run on a thread of this process or, with {@code remote=true}, by a cluster's worker (which must see the
 * export directory at the same path); all write into the same directory, each partition listing its files in its
 * own manifest ({@link org.drmsbatch.export.ExportManifest}). {@value #PACKAGE_STEP} runs here once every partition
 * has completed: it merges the manifests in the record-set order (record set, then recnum: the same index for any
 * number of partitions), fails the job when two partitions gave the same name to two files (naming both records),
 * removes leftovers, and packages the directory.
 *
 * <p><b>Restart</b>: each partition reads the records with {@link RecordSetReader} (the record set as it was when
 * the step started, position saved at each commit) and keeps its manifest's committed length, so a restart after a
 * failure or a kill resumes every partition after its last committed chunk, neither repeating nor losing a file,
 * and never leaves a half-written file under its final name; {@value #PACKAGE_STEP} removes the leftovers of the
 * chunks that did not commit, of every partition.
 */
@Configuration(proxyBeanMethods = false)
public class ExportJobConfiguration {

    public static final String JOB = "export";
    /** The partitioned step. */
    public static final String STEP = "exportStep";
    /** The worker step: its partitions are {@code exportWorker:partition0}, ... */
    public static final String WORKER_STEP = "exportWorker";
    public static final String READER = "exportReader";
    static final String FROM = "export.from";
    static final String TO = "export.to";
    /** Key of a partition's name (which names its manifest) in its ExecutionContext. */
    static final String PARTITION = "export.partition";
    /** Key of the export directory in a partition's ExecutionContext (the manager's path, for the workers). */
    static final String PARTITION_DIRECTORY = "export.directory";
    public static final String PACKAGE_STEP = "exportPackageStep";
    /** Key of the request id in the job ExecutionContext (given or made). */
    public static final String REQUEST_ID = "requestId";
    /** Key of the export directory in the job ExecutionContext. */
    public static final String DIRECTORY = "exportDirectory";

    /** The directory of a request under {@code <home>/exports} (the default {@code drms.export.directory}). */
    public static Path directory(Path home, String requestId) {
        return ExportRoot.of(home, null).directory(requestId);
    }

    @Bean
    ExportRoot exportRoot(DrmsProperties properties, @Value("${drms.export.directory:}") String directory) {
        return ExportRoot.of(properties.home(), directory);
    }

    @Bean
    KeywordMaps keywordMaps(DrmsProperties properties, @Value("${drms.export.keyword-maps:}") String directory) {
        return KeywordMaps.of(properties.home(), directory);
    }

    /** The job's validator, and the parsed parameters of each launch. */
    @Bean
    ParsedParameters<ExportParameters> exportParameters(Drms drms, RecordSets recordSets, KeywordMaps keywordMaps,
            ChunkHooks hooks, ObjectProvider<Cluster> cluster) {
        return ExportParameters.parser(drms, recordSets, keywordMaps, cluster.getIfAvailable() != null)
                .accepting(hooks.parameters())
                .accepting(RecordStatusTracking.PARAMETERS);
    }

    /** Puts the request id (given or made) and the directory into the job ExecutionContext. */
    static JobExecutionListener requestListener(JobRepository repository, ExportRoot root,
            ParsedParameters<ExportParameters> parsed) {
        return new JobExecutionListener() {
            @Override
            public void beforeJob(JobExecution execution) {
                String id = parsed.of(execution.getJobParameters()).request().requestId();
                if (id == null) {
                    id = madeRequestId(repository, execution);
                }
                execution.getExecutionContext().putString(REQUEST_ID, id);
                execution.getExecutionContext().putString(DIRECTORY, root.directory(id).toString());
            }

            @Override
            public void afterJob(JobExecution execution) {
                List<String> failures = PartitionedStep.failures(execution, WORKER_STEP);
                if (!failures.isEmpty()) {
                    // first, so that the repository's cut of long descriptions keeps it
                    ExitStatus exit = execution.getExitStatus();
                    execution.setExitStatus(new ExitStatus(exit.getExitCode(), String.join("; ", failures))
                            .addExitDescription(exit.getExitDescription()));
                }
                if (execution.getStatus() == org.springframework.batch.core.BatchStatus.COMPLETED) {
                    long files = execution.getExecutionContext().containsKey("exportFiles")
                            ? execution.getExecutionContext().getLong("exportFiles") : 0;
                    execution.setExitStatus(execution.getExitStatus().addExitDescription(
                            "request " + execution.getExecutionContext().getString(REQUEST_ID) + ": " + files
                                    + " files in " + execution.getExecutionContext().getString(DIRECTORY)));
                }
            }
        };
    }

    /** {@code JSOC_<yyyyMMdd of the instance's first execution>_<instance id>_IN}. */
    static String madeRequestId(JobRepository repository, JobExecution execution) {
        LocalDateTime first = execution.getCreateTime();
        for (JobExecution e : repository.getJobExecutions(execution.getJobInstance())) {
            if (e.getCreateTime() != null && (first == null || e.getCreateTime().isBefore(first))) {
                first = e.getCreateTime();
            }
        }
        if (first == null) {
            first = LocalDateTime.now();
        }
        return String.format(Locale.ROOT, "JSOC_%s_%06d_IN", first.format(DateTimeFormatter.BASIC_ISO_DATE),
                execution.getJobInstance().getInstanceId());
    }

    /**
     * Claims the request's directory ({@link #claim}) and splits the record set's recnum span into
     * {@code partitions} ranges ({@link PartitionedStep#byRecnum}); each partition gets the directory and its name,
     * which names its manifest. Runs once per job instance (a restart resumes the partitions it made).
     */
    static Partitioner partitioner(RecordSets sets, ExportParameters p, Path dir, long instance) {
        Partitioner ranges = PartitionedStep.byRecnum(sets, p.query(), p.partitions().count(), FROM, TO, READER);
        return gridSize -> {
            claim(dir, instance);
            Map<String, ExecutionContext> partitions = ranges.partition(gridSize);
            partitions.forEach((name, context) -> {
                context.putString(PARTITION, name);
                context.putString(PARTITION_DIRECTORY, dir.toString());
            });
            return partitions;
        };
    }

    @Bean
    @StepScope
    ExportReader exportReader(RecordSets recordSets, ParsedParameters<ExportParameters> exportParameters,
            @Value("#{stepExecution}") StepExecution step) {
        ExportParameters p = exportParameters.of(step.getJobParameters());
        ExecutionContext partition = step.getExecutionContext();
        RecordSetReader records = new RecordSetReader(recordSets, p.query(), RecordSetReader.DEFAULT_PAGE_SIZE,
                partition.getLong(FROM, 1L), partition.getLong(TO, Long.MAX_VALUE));
        records.setName(READER);
        return new ExportReader(records);
    }

    @Bean
    @StepScope
    ExportProcessor exportProcessor(ParsedParameters<ExportParameters> exportParameters, ChunkHooks hooks,
            @Value("#{stepExecution}") StepExecution step) {
        ExportParameters p = exportParameters.of(step.getJobParameters());
        ExportRequest request = p.request();
        return new ExportProcessor(request.protocol(), p.segmentsBySeries(),
                new FitsHeaderMapper(new FitsNames(request.keywordMap())), hooks.forStep(step.getJobParameters()));
    }

    @Bean
    @StepScope
    ExportFileWriter exportWriter(ParsedParameters<ExportParameters> exportParameters, DataSource dataSource,
            @Value("#{stepExecution}") StepExecution step) {
        ExportRequest request = exportParameters.of(step.getJobParameters()).request();
        ExecutionContext partition = step.getExecutionContext();
        String statusStep = RecordStatusTracking.step(step.getJobParameters(), JOB);
        return new ExportFileWriter(Path.of(partition.getString(PARTITION_DIRECTORY)),
                partition.getString(PARTITION), request.template(), request.compression(), step.getJobExecutionId(),
                statusStep, entries -> {
                    // the chunk's transaction's connection: the status commits with the chunk
                    Connection c = DataSourceUtils.getConnection(dataSource);
                    try {
                        RecordStatus.record(c, entries);
                    } finally {
                        DataSourceUtils.releaseConnection(c, dataSource);
                    }
                });
    }

    /**
     * The worker step, built for each execution of the partitioned step: in the job's thread for the local threads,
     * and by a cluster's worker for each partition it takes. Its reader, processor and writer are step-scoped, one
     * per partition.
     */
    @Bean
    PartitionWorker exportPartitionWorker(JobRepository repository, PlatformTransactionManager transactionManager,
            DataSource dataSource, ExportReader exportReader, ExportProcessor exportProcessor,
            ExportFileWriter exportWriter, ParsedParameters<ExportParameters> exportParameters,
            ObjectProvider<ObservationRegistry> observations) {
        return PartitionWorker.of(WORKER_STEP, execution -> {
            ExportParameters p = exportParameters.of(execution.getJobParameters());
            // the worker is no bean: its metrics need the registry here (see RescaleJobConfiguration)
            return new StepBuilder(WORKER_STEP, repository)
                    .observationRegistry(observations.getIfAvailable(() -> ObservationRegistry.NOOP))
                    .<ExportReader.Item, ExportedRecord>chunk(p.request().chunkSize())
                    .transactionManager(transactionManager)
                    .reader(exportReader)
                    .processor(exportProcessor)
                    .writer(exportWriter)
                    .listener(RecordStatusTracking.<ExportReader.Item, ExportedRecord>chunks(dataSource,
                            RecordStatusTracking.step(execution.getJobParameters(), JOB), execution.getId(),
                            ExportReader.Item::record))
                    .build();
        });
    }

    /**
     * The partitioned step: its partitions run on as many threads of this process, or with {@code remote=true} on
     * the cluster's workers ({@link Cluster}).
     */
    @Bean
    @JobScope
    Step exportStep(JobRepository repository, RecordSets recordSets, PartitionWorker exportPartitionWorker,
            ParsedParameters<ExportParameters> exportParameters, @Value("#{jobExecution}") JobExecution jobExecution,
            @Value("#{jobExecutionContext['exportDirectory']}") String directory, ObjectProvider<Cluster> cluster) {
        ExportParameters p = exportParameters.of(jobExecution.getJobParameters());
        return PartitionedStep.build(STEP, repository, partitioner(recordSets, p, Path.of(directory),
                jobExecution.getJobInstance().getInstanceId()), p.partitions().count(), exportPartitionWorker,
                jobExecution, p.partitions().remote(), cluster);
    }

    /**
     * Makes the request's directory with a marker naming the job instance; refuses a directory that another
     * export (another instance, or something unknown) already uses.
     */
    static void claim(Path dir, long instance) {
        Path marker = dir.resolve(ExportPackager.REQUEST_MARKER);
        String mine = "job-instance=" + instance + "\n";
        try {
            if (Files.exists(marker)) {
                String owner = Files.readString(marker, StandardCharsets.UTF_8);
                if (!owner.equals(mine)) {
                    throw new DrmsException("export directory " + dir + " belongs to another export ("
                            + owner.trim() + "); use another requestId");
                }
                return;
            }
            if (Files.isDirectory(dir)) {
                try (Stream<Path> s = Files.list(dir)) {
                    if (s.findAny().isPresent()) {
                        throw new DrmsException("export directory " + dir
                                + " already exists and is not this export's; use another requestId");
                    }
                }
            }
            Files.createDirectories(dir);
            try { // created only if absent: of two exports claiming the directory at once, one wins
                Files.writeString(marker, mine, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException raced) {
                String owner = Files.readString(marker, StandardCharsets.UTF_8);
                if (!owner.equals(mine)) {
                    throw new DrmsException("export directory " + dir + " belongs to another export ("
                            + owner.trim() + "); use another requestId");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the export directory " + dir + ": " + e, e);
        }
    }

    @Bean
    @JobScope
    Step exportPackageStep(JobRepository repository, PlatformTransactionManager transactionManager,
            ParsedParameters<ExportParameters> exportParameters, @Value("#{jobExecution}") JobExecution jobExecution,
            @Value("#{jobExecutionContext['requestId']}") String requestId,
            @Value("#{jobExecutionContext['exportDirectory']}") String directory) {
        ExportRequest request = exportParameters.of(jobExecution.getJobParameters()).request();
        ExportPackager packager = new ExportPackager(Path.of(directory), requestId, request.method().jsocName(),
                request.protocolText(), request.method().tar(), request.protocol() == ExportProtocol.FITS);
        return new StepBuilder(PACKAGE_STEP, repository).tasklet((contribution, chunkContext) -> {
            ExportIndex index = packager.finish();
            if (index != null) {
                jobExecution.getExecutionContext().putLong("exportFiles", index.files().size());
                contribution.setExitStatus(ExitStatus.COMPLETED.addExitDescription("request " + requestId + ": "
                        + index.files().size() + " files in " + directory
                        + (request.method().tar() ? " (" + packager.tarFile().getFileName() + ")" : "")));
            }
            return RepeatStatus.FINISHED;
        }, transactionManager).build();
    }

    /** The first step: the input's units pinned for the job, those offline staged from tape ({@link StageInput}). */
    @Bean
    Step exportStageInput(JobRepository repository, PlatformTransactionManager transactionManager,
            RecordSets recordSets, Sums sums, DataSource dataSource,
            ParsedParameters<ExportParameters> exportParameters, @Qualifier("stageJob") ObjectProvider<Job> stageJob) {
        return StageInput.step(JOB, repository, transactionManager, new StageInput(recordSets, sums, dataSource,
                repository, params -> exportParameters.of(params).query(), stageJob));
    }

    @Bean
    Job exportJob(JobRepository repository, Step exportStageInput, Step exportStep, Step exportPackageStep,
            ExportRoot exportRoot, ParsedParameters<ExportParameters> exportParameters, Sums sums,
            DataSource dataSource, RecordSets recordSets) {
        return new JobBuilder(JOB, repository).validator(exportParameters).listener(exportParameters)
                .listener(requestListener(repository, exportRoot, exportParameters))
                .listener(RecordStatusTracking.queueAtStart(JOB, recordSets, dataSource, repository,
                        params -> exportParameters.of(params).query()))
                .listener(StageInput.unpinAtEnd(sums, dataSource))
                .start(exportStageInput).next(exportStep).next(exportPackageStep).build();
    }

}
