package org.drmsbatch.jobs;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Function;

import javax.sql.DataSource;

import org.drmsbatch.drms.DrmsException;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.query.Query;
import org.drmsbatch.drms.query.RecordSets;
import org.drmsbatch.sums.Sums;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.configuration.support.MapJobRegistry;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.launch.support.TaskExecutorJobOperator;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The first step of a job that reads segments (rescale, export): its input's storage units are pinned for the job
 * (holder {@code job:<execution id>}, so that the scrub leaves them online until the job ends) and those that are
 * offline are staged back from tape by the {@code stage} job, run to its end before the work starts. Nothing is
 * staged when everything is online; with units offline and no tape library the job fails here, saying how many.
 *
 * <p>The stage job runs on a thread of its own (its chunks must commit in their own transactions, not in this
 * step's) and this step waits for it; a stop of this job stops it too. The step runs again on a restart (the pins
 * are the new execution's, and units scrubbed meanwhile are staged again). Pins are removed when the job ends
 * ({@link #unpinAtEnd}).
 */
public final class StageInput implements Tasklet {

    /** The name of the step in each job that has one: {@code <job>StageInput}. */
    public static String stepName(String job) {
        return job + "StageInput";
    }

    /** The pin holder of a job execution. */
    public static String holder(long jobExecutionId) {
        return "job:" + jobExecutionId;
    }

    static final Duration POLL = Duration.ofMillis(200);

    private final RecordSets sets;
    private final Sums sums;
    private final DataSource dataSource;
    private final Function<JobParameters, Query> input;
    private final ObjectProvider<Job> stageJob;
    private final JobOperator operator;
    private final JobRepository repository;

    /**
     * @param input    the job's input record set, from its parameters
     * @param stageJob the {@code stage} job (the bean {@code stageJob}; absent or refusing without a tape library)
     */
    public StageInput(RecordSets sets, Sums sums, DataSource dataSource, JobRepository repository,
                      Function<JobParameters, Query> input, ObjectProvider<Job> stageJob) {
        this.sets = sets;
        this.sums = sums;
        this.dataSource = dataSource;
        this.input = input;
        this.stageJob = stageJob;
        this.repository = repository;
        TaskExecutorJobOperator op = new TaskExecutorJobOperator();
        op.setJobRepository(repository);
        op.setJobRegistry(new MapJobRegistry()); // it only starts the job it is given
        op.setTaskExecutor(new SimpleAsyncTaskExecutor("stage-input-"));
        try {
            op.afterPropertiesSet();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        this.operator = op;
    }

    /** The step, run again on a restart. */
    public static Step step(String job, JobRepository repository, PlatformTransactionManager transactionManager,
                            StageInput tasklet) {
        return new StepBuilder(stepName(job), repository).tasklet(tasklet, transactionManager)
                .allowStartIfComplete(true).build();
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunk) throws Exception {
        StepExecution step = chunk.getStepContext().getStepExecution();
        long jobExecution = step.getJobExecutionId();
        Query q = input.apply(step.getJobParameters());
        Set<Long> units = new LinkedHashSet<>();
        sets.stream(q, 0, 1000, page -> {
            for (Record r : page) {
                if (r.sunum() >= 0) {
                    units.add(r.sunum());
                }
            }
            return true;
        });
        List<Long> offline = new ArrayList<>();
        // on a connection of its own, committed at once: the stage job pins and reads these rows meanwhile
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            sums.pin(c, units, holder(jobExecution), null);
            Map<Long, Sums.Info> info = sums.get(c, List.copyOf(units), false, 0);
            for (long u : units) {
                Sums.Info i = info.get(u);
                if (i == null || !i.online()) {
                    offline.add(u);
                }
            }
        }
        if (offline.isEmpty()) {
            contribution.setExitStatus(ExitStatus.COMPLETED.addExitDescription(
                    "the input's " + units.size() + " storage units are online"));
            return RepeatStatus.FINISHED;
        }
        Job stage = stageJob.getIfAvailable();
        if (stage == null) {
            throw new DrmsException(offline.size() + " of the input's " + units.size() + " storage units are offline"
                    + " (first: " + offline.get(0) + ") and there is no tape library to stage them from"
                    + " (drms.tape.directory or drms.tape.remote.url)");
        }
        JobParameters params = new JobParametersBuilder()
                .addString("ds", q.text())
                .addString("run", "for-" + step.getJobExecution().getJobInstance().getJobName() + "-"
                        + jobExecution + "-" + step.getId())
                .toJobParameters();
        // launched from a thread of its own: the job repository refuses to create an execution inside this step's
        // transaction, which is bound to this thread
        FutureTask<JobExecution> launch = new FutureTask<>(() -> operator.start(stage, params));
        Thread launcher = new Thread(launch, "stage-input-launch");
        launcher.start();
        JobExecution child;
        try {
            child = launch.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception x ? x : e;
        }
        child = awaitEnd(child, step);
        if (child.getStatus() != BatchStatus.COMPLETED
                || !ExitStatus.COMPLETED.getExitCode().equals(child.getExitStatus().getExitCode())) {
            throw new DrmsException("Staging the input's " + offline.size() + " offline storage units from tape"
                    + " failed (stage execution " + child.getId() + ", " + child.getStatus() + "): "
                    + child.getExitStatus().getExitDescription());
        }
        contribution.setExitStatus(ExitStatus.COMPLETED.addExitDescription(offline.size() + " of the input's "
                + units.size() + " storage units staged from tape (stage execution " + child.getId() + ")"));
        return RepeatStatus.FINISHED;
    }

    /** Waits for the stage job's end; stops it when this job is asked to stop. */
    private JobExecution awaitEnd(JobExecution child, StepExecution step) throws Exception {
        boolean stopping = false;
        while (true) {
            JobExecution now = repository.getJobExecution(child.getId());
            if (now != null && !now.getStatus().isRunning() && now.getEndTime() != null) {
                return now;
            }
            if (!stopping && (step.isTerminateOnly() || stoppedFromOutside(step))) {
                stopping = true;
                try {
                    operator.stop(now != null ? now : child);
                } catch (Exception alreadyEnded) {
                    // it ended meanwhile
                }
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    private boolean stoppedFromOutside(StepExecution step) {
        JobExecution job = repository.getJobExecution(step.getJobExecutionId());
        return job != null && job.getStatus() == BatchStatus.STOPPING;
    }

    /** Removes the job's pins when it ends, however it ends. */
    public static JobExecutionListener unpinAtEnd(Sums sums, DataSource dataSource) {
        return new JobExecutionListener() {
            @Override
            public void afterJob(JobExecution job) {
                try (Connection c = dataSource.getConnection()) {
                    c.setAutoCommit(true);
                    sums.unpin(c, holder(job.getId()));
                } catch (SQLException e) {
                    // a pin of an ended job no longer protects its unit (the scrub checks the execution)
                }
            }
        };
    }
}
