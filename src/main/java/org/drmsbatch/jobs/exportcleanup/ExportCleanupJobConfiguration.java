package org.drmsbatch.jobs.exportcleanup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.drmsbatch.export.ExportCleanup;
import org.drmsbatch.export.ExportPackager;
import org.drmsbatch.export.ExportRoot;
import org.drmsbatch.jobs.ParsedParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The {@code export-cleanup} job: removes the exports of {@code drms.export.directory} that ended longer ago than
 * their retention ({@code drms.export.retention}, default 7 days as JSOC keeps an export's files; the parameter
 * {@code retention} overrides it), with {@link ExportCleanup}. An export's age is taken from the job repository: the
 * end of the last execution of the {@code export} job for its request id (its identifying parameter
 * {@code requestId}, or, for an id the job made, the instance its directory's marker names); a directory no execution
 * knows is aged by the newest modification time in it. The directory of an export that is running or queued
 * (an execution STARTING, STARTED or STOPPING, also one left so by a dead process until it is recovered) is never
 * removed. {@code exp_status} of a removed completed request then answers JSOC's status 5 (deleted).
 *
 * <p>Each tasklet call first deletes the leftovers of interrupted removals ({@code .removing-*}), then removes up to
 * {@value #BATCH} exports, oldest first, and is called again while more are due: the counts so far
 * ({@value #REMOVED}, {@value #BYTES_FREED}, {@value #LEFTOVERS}) are in the step ExecutionContext, so a restart goes
 * on with them. The exit description says how many exports were removed (naming up to {@value #NAMED}) and the bytes
 * freed, and how many were kept; each removal is logged with its request id. With {@code dryRun=true} nothing is
 * removed (not even the leftovers) and the exit description says what would go.
 *
 * <p>Parameters: {@link ExportCleanupParameters}.
 */
@Configuration(proxyBeanMethods = false)
public class ExportCleanupJobConfiguration {

    private static final Logger log = LoggerFactory.getLogger(ExportCleanupJobConfiguration.class);

    public static final String JOB = "export-cleanup";
    public static final String STEP = "exportCleanupStep";
    /** Step ExecutionContext keys. */
    public static final String REMOVED = "exportCleanup.removed";
    public static final String BYTES_FREED = "exportCleanup.bytesFreed";
    public static final String LEFTOVERS = "exportCleanup.leftovers";
    public static final String KEPT = "exportCleanup.kept";
    public static final String ACTIVE = "exportCleanup.active";
    static final String NAMES = "exportCleanup.names";
    /** Exports removed per tasklet call (one commit of the counts). */
    static final int BATCH = 50;
    /** Request ids the exit description names at most. */
    static final int NAMED = 20;

    /** The export job and its request id (identifying parameter and job ExecutionContext key), by name. */
    static final String EXPORT_JOB = "export";
    static final String REQUEST_ID = "requestId";
    private static final Pattern MARKER = Pattern.compile("job-instance=(\\d{1,18})\\s*");

    static Tasklet cleanupTasklet(ExportCleanup cleanup, ExportCleanup.Lookup lookup,
            ParsedParameters<ExportCleanupParameters> parsed) {
        return (StepContribution contribution, ChunkContext chunk) -> {
            var step = chunk.getStepContext().getStepExecution();
            ExportCleanupParameters p = parsed.of(step.getJobParameters());
            ExecutionContext ec = step.getExecutionContext();
            for (ExportCleanup.Candidate left : p.dryRun() ? List.<ExportCleanup.Candidate>of()
                    : cleanup.finishRemovals()) {
                log.info("export-cleanup: deleted {} left by an interrupted removal ({} bytes)", left.requestId(),
                        left.bytes());
                ec.putLong(LEFTOVERS, ec.getLong(LEFTOVERS, 0) + 1);
                ec.putLong(BYTES_FREED, ec.getLong(BYTES_FREED, 0) + left.bytes());
            }
            ExportCleanup.Survey survey = cleanup.survey(p.retention(), lookup);
            ec.putLong(KEPT, survey.young() + survey.active());
            ec.putLong(ACTIVE, survey.active());
            String retention = ExportCleanup.describe(p.retention());
            if (p.dryRun()) {
                List<String> ids = survey.expired().stream().map(ExportCleanup.Candidate::requestId).toList();
                long bytes = survey.expired().stream().mapToLong(ExportCleanup.Candidate::bytes).sum();
                survey.expired().forEach(c -> log.info("export-cleanup (dry run): would remove {} (ended {}, {} bytes)",
                        c.requestId(), c.ended(), c.bytes()));
                contribution.setExitStatus(ExitStatus.COMPLETED.addExitDescription("dry run: " + exports(ids.size())
                        + " older than " + retention + " would be removed, " + bytes + " bytes" + named(ids)
                        + "; " + kept(ec)));
                return RepeatStatus.FINISHED;
            }
            List<ExportCleanup.Candidate> due = survey.expired();
            List<ExportCleanup.Candidate> now = due.subList(0, Math.min(BATCH, due.size()));
            for (ExportCleanup.Candidate c : now) {
                long bytes = cleanup.remove(c, lookup);
                if (bytes < 0) {
                    continue; // gone meanwhile, or its export started
                }
                log.info("export-cleanup: removed {} (ended {}{}, {} bytes)", c.requestId(), c.ended(),
                        c.known() ? "" : " by its files' times", bytes);
                ec.putLong(REMOVED, ec.getLong(REMOVED, 0) + 1);
                ec.putLong(BYTES_FREED, ec.getLong(BYTES_FREED, 0) + bytes);
                String names = ec.getString(NAMES, "");
                if (ec.getLong(REMOVED) <= NAMED) {
                    ec.putString(NAMES, names.isEmpty() ? c.requestId() : names + ", " + c.requestId());
                }
                contribution.incrementWriteCount(1);
            }
            if (due.size() > now.size()) {
                return RepeatStatus.CONTINUABLE;
            }
            long removed = ec.getLong(REMOVED, 0);
            String names = ec.getString(NAMES, "");
            StringBuilder d = new StringBuilder("removed ").append(exports(removed)).append(" older than ")
                    .append(retention).append(", ").append(ec.getLong(BYTES_FREED, 0)).append(" bytes freed");
            if (!names.isEmpty()) {
                d.append(": ").append(names).append(removed > NAMED ? " and " + (removed - NAMED) + " more" : "");
            }
            long leftovers = ec.getLong(LEFTOVERS, 0);
            if (leftovers > 0) {
                d.append("; finished ").append(leftovers).append(leftovers == 1 ? " interrupted removal"
                        : " interrupted removals");
            }
            d.append("; ").append(kept(ec));
            contribution.setExitStatus(ExitStatus.COMPLETED.addExitDescription(d.toString()));
            return RepeatStatus.FINISHED;
        };
    }

    private static String exports(long n) {
        return n + (n == 1 ? " export" : " exports");
    }

    private static String named(List<String> ids) {
        if (ids.isEmpty()) {
            return "";
        }
        String shown = String.join(", ", ids.subList(0, Math.min(NAMED, ids.size())));
        return ": " + shown + (ids.size() > NAMED ? " and " + (ids.size() - NAMED) + " more" : "");
    }

    private static String kept(ExecutionContext ec) {
        return ec.getLong(KEPT, 0) + " kept (" + ec.getLong(ACTIVE, 0) + " running or queued)";
    }

    /**
     * What the job repository knows of a request's export: the instances of the {@code export} job whose executions
     * had {@code requestId} as parameter, or the one the directory's marker names when its executions made that id;
     * active when one of their executions is running or queued, ended at the latest end among them.
     */
    static ExportCleanup.Lookup lookup(JdbcTemplate jdbc, JobRepository repository) {
        return (requestId, directory) -> {
            Set<Long> instances = new TreeSet<>(jdbc.queryForList("""
                    SELECT DISTINCT e.job_instance_id FROM batch_job_execution e
                    JOIN batch_job_instance i ON i.job_instance_id = e.job_instance_id
                    JOIN batch_job_execution_params p ON p.job_execution_id = e.job_execution_id
                    WHERE i.job_name = ? AND p.parameter_name = ? AND p.parameter_value = ?""", Long.class,
                    EXPORT_JOB, REQUEST_ID, requestId));
            markedInstance(directory).ifPresent(instances::add);
            boolean found = false;
            boolean active = false;
            Instant ended = null;
            for (long id : instances) {
                JobInstance instance;
                try {
                    instance = repository.getJobInstance(id);
                } catch (DataAccessException e) {
                    instance = null; // an unknown id
                }
                if (instance == null || !EXPORT_JOB.equals(instance.getJobName())) {
                    continue;
                }
                List<JobExecution> executions = repository.getJobExecutions(instance);
                if (executions.stream().noneMatch(e -> requestId.equals(e.getJobParameters().getString(REQUEST_ID))
                        || requestId.equals(e.getExecutionContext().getString(REQUEST_ID, null)))) {
                    continue; // a marker naming another request's export (a copied directory)
                }
                found = true;
                for (JobExecution e : executions) {
                    if (e.isRunning()) {
                        active = true;
                    } else if (e.getEndTime() != null) {
                        Instant end = e.getEndTime().atZone(ZoneId.systemDefault()).toInstant();
                        if (ended == null || end.isAfter(ended)) {
                            ended = end;
                        }
                    }
                }
            }
            return found ? Optional.of(new ExportCleanup.Known(active, ended)) : Optional.empty();
        };
    }

    /** The job instance an export directory's marker ({@code job-instance=<id>}) names, if it has one. */
    static Optional<Long> markedInstance(Path directory) {
        Path marker = directory.resolve(ExportPackager.REQUEST_MARKER);
        try {
            if (!Files.isRegularFile(marker, LinkOption.NOFOLLOW_LINKS) || Files.size(marker) > 100) {
                return Optional.empty();
            }
            Matcher m = MARKER.matcher(Files.readString(marker, StandardCharsets.UTF_8));
            return m.matches() ? Optional.of(Long.parseLong(m.group(1))) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The job's validator, and the parsed parameters of each launch. */
    @Bean
    ParsedParameters<ExportCleanupParameters> exportCleanupParameters(
            @Value("${drms.export.retention:7d}") String retention) {
        return ExportCleanupParameters.parser(retention);
    }

    @Bean
    Step exportCleanupStep(JobRepository repository, PlatformTransactionManager transactionManager, ExportRoot root,
            JdbcTemplate jdbc, ParsedParameters<ExportCleanupParameters> exportCleanupParameters) {
        return new StepBuilder(STEP, repository).tasklet(cleanupTasklet(new ExportCleanup(root, Clock.systemUTC()),
                lookup(jdbc, repository), exportCleanupParameters), transactionManager).build();
    }

    @Bean
    Job exportCleanupJob(JobRepository repository, Step exportCleanupStep,
            ParsedParameters<ExportCleanupParameters> exportCleanupParameters) {
        return new JobBuilder(JOB, repository).validator(exportCleanupParameters).listener(exportCleanupParameters)
                .start(exportCleanupStep).build();
    }
}
