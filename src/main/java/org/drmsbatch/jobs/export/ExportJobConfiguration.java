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

import javax.sql.DataSource;

import org.drmsbatch.config.DrmsProperties;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsException;
import org.drmsbatch.drms.Record;
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
import org.springframework.batch.core.listener.StepExecutionListener;
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
 * </ul>
 * Bad parameters (a query that does not parse or names unknown series, keywords or segments; a bad template or
 * one whose text would leave the directory; an unknown method or protocol; bad cparms, or a compression of a
 * longlong segment; a bad requestId or chunkSize) are refused before the job starts, by the job's validator, with
 * the reason.
 *
 * <p><b>Output</b>: {@code <drms.export.directory>/<requestId>/} (default {@code <drms.home>/exports}; see
 * {@link #directory} and the {@link ExportRoot} bean). Each file is written under a temporary name and renamed
 * when complete. When the job completes, {@code index.txt} and then {@code index.json} (JSOC shapes, see
 * {@link ExportIndex}) are written atomically: index.json appears last and only then. For url-tar the files are
 * packed into {@code <requestId>.tar} in that directory, with the index files inside it too, and index.json and
 * index.txt stay outside as well. A name a template gives that would leave the directory, or the same name given
 * to two files, fails the job with the reason.
 *
 * <p><b>Restart</b>: step {@value #STEP} reads the records with {@link RecordSetReader} (position saved at each
 * commit) and lists written files in a manifest whose committed length is saved too, so a restart after a failure
 * or a kill neither repeats nor loses a file, and never leaves a half-written file under its final name; step
 * {@value #PACKAGE_STEP} removes leftovers of the chunk that did not commit and packages the directory.
 */
@Configuration(proxyBeanMethods = false)
public class ExportJobConfiguration {

    public static final String JOB = "export";
    public static final String STEP = "exportStep";
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
            ChunkHooks hooks) {
        return ExportParameters.parser(drms, recordSets, keywordMaps).accepting(hooks.parameters())
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

    @Bean
    @JobScope
    Step exportStep(JobRepository repository, PlatformTransactionManager transactionManager, RecordSets recordSets,
            ParsedParameters<ExportParameters> exportParameters, ChunkHooks hooks,
            @Value("#{jobExecution}") JobExecution jobExecution,
            @Value("#{jobExecutionContext['exportDirectory']}") String directory, DataSource dataSource) {
        ExportParameters p = exportParameters.of(jobExecution.getJobParameters());
        ExportRequest request = p.request();
        Path dir = Path.of(directory);
        long instance = jobExecution.getJobInstance().getInstanceId();
        String statusStep = RecordStatusTracking.step(jobExecution.getJobParameters(), JOB);
        return new StepBuilder(STEP, repository).<Record, ExportedRecord>chunk(request.chunkSize())
                .transactionManager(transactionManager)
                .reader(new RecordSetReader(recordSets, p.query()))
                .processor(new ExportProcessor(request.protocol(), p.segmentsBySeries(),
                        new FitsHeaderMapper(new FitsNames(request.keywordMap())),
                        hooks.forStep(jobExecution.getJobParameters())))
                .writer(new ExportFileWriter(dir, request.template(), request.compression(), jobExecution.getId(),
                        statusStep, entries -> {
                            // the chunk's transaction's connection: the status commits with the chunk
                            java.sql.Connection c = org.springframework.jdbc.datasource.DataSourceUtils
                                    .getConnection(dataSource);
                            try {
                                org.drmsbatch.drms.RecordStatus.record(c, entries);
                            } finally {
                                org.springframework.jdbc.datasource.DataSourceUtils.releaseConnection(c, dataSource);
                            }
                        }))
                .listener(RecordStatusTracking.<ExportedRecord>chunks(dataSource, statusStep, jobExecution.getId()))
                .listener(new StepExecutionListener() {
                    @Override
                    public void beforeStep(StepExecution stepExecution) {
                        claim(dir, instance);
                    }
                })
                .build();
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
