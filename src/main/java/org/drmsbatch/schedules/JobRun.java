package org.drmsbatch.schedules;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.drmsbatch.jobs.pipeline.PipelineJobs;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameter;
import org.springframework.batch.core.step.StepExecution;

/**
 * What a caller sees of a job execution: the JSON of the REST API and the lines of {@code drms run/jobs}.
 *
 * @param executionId the execution id
 * @param job the job name
 * @param instanceId the job instance (job + identifying parameters); a restart is a new execution of it
 * @param status Spring Batch's status: STARTING, STARTED, STOPPING, STOPPED, FAILED, COMPLETED, ABANDONED
 * @param exitCode the exit status' code
 * @param exitDescription the exit status' description (the failure's stack trace when FAILED), may be empty
 * @param parameters the parameters' values as text, by name
 * @param owner the process that runs or ran it ({@code host:pid}), or null when it never began
 * @param steps the step executions in start order
 * @param output the records the execution made, as a record-set query ({@value PipelineJobs#OUTPUT} in its
 *     ExecutionContext: rescale, collect and pipelines set it), or null when it names none; a pipeline's next step or
 *     an Airflow task passes it on as the next job's {@code ds}
 */
public record JobRun(long executionId, String job, long instanceId, String status, String exitCode,
        String exitDescription, Instant createTime, Instant startTime, Instant endTime, Instant lastUpdated,
        Map<String, String> parameters, String owner, List<Step> steps, String output) {

    /**
     * One step execution and its counts. {@code partitioned}: the step split its work into partitions (steps of their
     * own, {@code <worker step>:<partition>}); its counts, once it has ended, are their sum.
     */
    public record Step(String name, String status, String exitCode, long read, long write, long filter,
            long skip, long readSkip, long processSkip, long writeSkip, long commit, long rollback,
            Instant startTime, Instant endTime, boolean partitioned) {

        /** Where Spring Batch's splitter keeps a partitioned step's partition count. */
        static final String GRID_SIZE = "SimpleStepExecutionSplitter.GRID_SIZE";

        static Step of(StepExecution s) {
            return new Step(s.getStepName(), s.getStatus().name(), s.getExitStatus().getExitCode(),
                    s.getReadCount(), s.getWriteCount(), s.getFilterCount(), s.getSkipCount(),
                    s.getReadSkipCount(), s.getProcessSkipCount(), s.getWriteSkipCount(), s.getCommitCount(),
                    s.getRollbackCount(), instant(s.getStartTime()), instant(s.getEndTime()),
                    s.getExecutionContext().containsKey(GRID_SIZE));
        }
    }

    static JobRun of(JobExecution e) {
        Map<String, String> params = new LinkedHashMap<>();
        e.getJobParameters().parameters().stream().sorted(Comparator.comparing(JobParameter::name))
                .forEach(p -> params.put(p.name(), String.valueOf(p.value())));
        List<Step> steps = e.getStepExecutions().stream()
                .sorted(Comparator.comparing(StepExecution::getId))
                .map(Step::of).toList();
        String owner = JobOwner.readFrom(e.getExecutionContext()).map(JobOwner::toString).orElse(null);
        String description = e.getExitStatus().getExitDescription();
        String output = e.getExecutionContext().containsKey(PipelineJobs.OUTPUT)
                ? e.getExecutionContext().getString(PipelineJobs.OUTPUT) : null;
        return new JobRun(e.getId(), e.getJobInstance().getJobName(), e.getJobInstanceId(), e.getStatus().name(),
                e.getExitStatus().getExitCode(), description == null ? "" : description,
                instant(e.getCreateTime()), instant(e.getStartTime()), instant(e.getEndTime()),
                instant(e.getLastUpdated()), params, owner, steps, output);
    }

    static Instant instant(LocalDateTime t) {
        return t == null ? null : t.atZone(ZoneId.systemDefault()).toInstant();
    }

    /** This run as still STARTED, without an end and output: it is in its end-of-job listeners. */
    JobRun finishing() {
        return new JobRun(executionId, job, instanceId, "STARTED", "EXECUTING", "", createTime, startTime, null,
                lastUpdated, parameters, owner, steps, null);
    }

    /** Whether the execution has ended (COMPLETED, FAILED, STOPPED, ABANDONED). */
    public boolean ended() {
        return switch (status) {
            case "STARTING", "STARTED", "STOPPING" -> false;
            default -> true;
        };
    }
}
