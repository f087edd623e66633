package org.drmsbatch.jobs.pipeline;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.drmsbatch.jobs.ParameterNames;
import org.drmsbatch.jobs.ParsedParameters;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInterruptedException;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.builder.SimpleJobBuilder;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.batch.infrastructure.support.transaction.ResourcelessTransactionManager;

/**
 * Builds a pipeline's job: one step per pipeline step, each running its job to the end as a child job (as Spring
 * Batch's JobStep does, through {@link ChildJobs} so that a child left running by a killed process is recovered and
 * restarted). The pipeline job is restartable: Spring Batch does not run its COMPLETED steps again, and the step that
 * failed (or was killed) starts its child job instance again, which resumes after its last committed chunk.
 *
 * <p>A child's job instance is named after the pipeline's run: a child that takes {@code run} gets
 * {@code <pipeline>-<run>-<step number>}, the same on every restart of that pipeline run. Each child after the first
 * gets, as {@code ds}, the record set the child before it made ({@value #OUTPUT} in that job's ExecutionContext),
 * kept in the pipeline's ExecutionContext as {@code pipeline.step<N>.output} so that a restart gives the same one.
 */
public final class PipelineJobs {

    /** The key of a job's ExecutionContext that names the records it made, as a record-set query. */
    public static final String OUTPUT = "output.ds";
    /** The pipeline's parameter that names its run; a launch without it gets a fresh one. */
    public static final String RUN = "run";
    /** The pipeline's parameter {@code retry=failed}: each step takes the records that failed in it (and what follows). */
    public static final String RETRY = "retry";

    /**
     * The records that failed in a status step ({@code RecordStatus}), as a record-set query: those of {@code ds}, or
     * all of them when {@code ds} is null; null when none did.
     */
    @FunctionalInterface
    public interface FailedRecords {
        String of(String ds, String statusStep);
    }

    /** The non-identifying parameter that gives a step's job the status step its records are kept under. */
    public static final String STATUS_STEP = "statusStep";
    /** How often a step waiting for its job looks whether the pipeline was asked to stop. */
    static final java.time.Duration STOP_POLL = java.time.Duration.ofSeconds(1);
    /** How long a pipeline step waits for its job at most. */
    static final java.time.Duration LONGEST = java.time.Duration.ofDays(365);

    private PipelineJobs() {
    }

    /** The pipeline's job. */
    public static Job job(PipelineDefinition pipeline, JobRepository repository, ChildJobs children,
            FailedRecords failed) {
        ParsedParameters<String> validator = new ParsedParameters<>(ParameterNames.of(List.of(), List.of(RUN, RETRY)),
                p -> {
                    String retry = p.get(RETRY);
                    if (retry != null && !retry.equals("failed")) {
                        throw new IllegalArgumentException("retry: '" + retry + "' is not 'failed' (retry=failed"
                                + " re-runs the records that failed in the pipeline's steps)");
                    }
                    for (PipelineDefinition.Step s : pipeline.steps()) {
                        if (!children.exists(s.job())) {
                            throw new IllegalArgumentException("pipeline '" + pipeline.name() + "' runs job '"
                                    + s.job() + "', which does not exist (drms.pipelines." + pipeline.name() + ")");
                        }
                    }
                    return p.get(RUN, "");
                });
        ResourcelessTransactionManager noTransaction = new ResourcelessTransactionManager();
        SimpleJobBuilder builder = null;
        for (int i = 0; i < pipeline.steps().size(); i++) {
            Step step = new StepBuilder(pipeline.stepName(i), repository)
                    .tasklet(tasklet(pipeline, i, children, repository, failed), noTransaction).build();
            builder = builder == null ? new JobBuilder(pipeline.name(), repository).validator(validator)
                    .listener(validator).start(step) : builder.next(step);
        }
        return builder.build();
    }

    static final String RETRY_KEY = "pipeline.retry.ds";

    static String outputKey(int i) {
        return "pipeline.step" + (i + 1) + ".output";
    }

    static String executionKey(int i) {
        return "pipeline.step" + (i + 1) + ".execution";
    }

    static String retryKey(int i) {
        return RETRY_KEY + (i + 1);
    }

    /**
     * The parameters of step {@code i}'s child in the pipeline execution {@code execution}; null when the execution
     * is a retry ({@code retry=failed}) with nothing for this step to do.
     *
     * <p>In a retry, each step takes exactly the records that failed in it (by its status step; of its own ds when it
     * names one) and, when it names no ds, also the records the step before it made in this retry: a record that
     * failed in step 2 is taken again by step 2 only; one that failed in step 1 goes through step 1 and then the rest.
     * What a step takes is found once per pipeline run and kept, so a restart retries the same records.
     */
    static Map<String, String> childParameters(PipelineDefinition pipeline, int i, JobExecution execution,
            ChildJobs children, FailedRecords failed) {
        PipelineDefinition.Step step = pipeline.steps().get(i);
        Map<String, String> params = new LinkedHashMap<>(step.parameters());
        ExecutionContext context = execution.getExecutionContext();
        if (execution.getJobParameters().getParameter(RETRY) != null) {
            if (i == 0 && !context.containsKey(retryKey(0)) && !anyFailed(pipeline, failed)) {
                throw new IllegalStateException("retry=failed: no record failed in any step of pipeline '"
                        + pipeline.name() + "' (drms status): nothing to retry");
            }
            String retried = context.getString(retryKey(i), null);
            if (retried == null) {
                String own = params.get("ds");
                String failedHere = failed.of(own, pipeline.statusStep(i));
                String before = i > 0 && own == null ? context.getString(outputKey(i - 1), null) : null;
                retried = before == null ? (failedHere == null ? "" : failedHere)
                        : failedHere == null ? before : before + "," + failedHere;
                context.putString(retryKey(i), retried);
            }
            if (retried.isEmpty()) {
                return null;
            }
            params.put("ds", retried);
        } else if (i > 0 && !params.containsKey("ds")) {
            String input = context.getString(outputKey(i - 1), null);
            if (input == null) {
                throw new IllegalStateException("step " + (i + 1) + " of pipeline '" + pipeline.name() + "' ("
                        + step.job() + ") takes the records of step " + i + " (" + pipeline.steps().get(i - 1).job()
                        + "), which named none (its job sets no " + OUTPUT + "); give the step a ds parameter");
            }
            params.put("ds", input);
        }
        if (children.takes(step.job(), RUN)) {
            Object run = execution.getJobParameters().getParameter(RUN) == null ? null
                    : execution.getJobParameters().getParameter(RUN).value();
            params.put(RUN, pipeline.name() + "-" + (run == null ? execution.getJobInstance().getInstanceId() : run)
                    + "-" + (i + 1));
        }
        if (children.takes(step.job(), STATUS_STEP)) {
            params.put(STATUS_STEP, pipeline.statusStep(i) + ",java.lang.String,false");
        }
        return params;
    }

    private static boolean anyFailed(PipelineDefinition pipeline, FailedRecords failed) {
        for (int k = 0; k < pipeline.steps().size(); k++) {
            if (failed.of(pipeline.steps().get(k).parameters().get("ds"), pipeline.statusStep(k)) != null) {
                return true;
            }
        }
        return false;
    }

    private static Tasklet tasklet(PipelineDefinition pipeline, int i, ChildJobs children, JobRepository repository,
            FailedRecords failed) {
        PipelineDefinition.Step step = pipeline.steps().get(i);
        return (contribution, chunkContext) -> {
            StepExecution stepExecution = contribution.getStepExecution();
            JobExecution execution = stepExecution.getJobExecution();
            Map<String, String> params = childParameters(pipeline, i, execution, children, failed);
            if (params == null) {
                repository.updateExecutionContext(execution);
                contribution.setExitStatus(org.springframework.batch.core.ExitStatus.COMPLETED.addExitDescription(
                        "retry=failed: no record to retry in this step"));
                return RepeatStatus.FINISHED;
            }
            JobExecution child = children.last(step.job(), params);
            if (child == null || child.getStatus() != BatchStatus.COMPLETED) {
                JobExecution live = children.start(step.job(), params);
                // stored at once, so that whoever looks at the pipeline sees which execution its step runs
                stepExecution.getExecutionContext().putLong(executionKey(i), live.getId());
                repository.updateExecutionContext(stepExecution);
                child = awaitChild(pipeline, i, execution.getId(), live, children);
            }
            stepExecution.getExecutionContext().putLong(executionKey(i), child.getId());
            if (child.getStatus() == BatchStatus.STOPPED) {
                throw new JobInterruptedException("step " + (i + 1) + " of pipeline '" + pipeline.name() + "': job '"
                        + step.job() + "' execution " + child.getId() + " stopped; restart the pipeline to go on",
                        BatchStatus.STOPPED);
            }
            if (child.getStatus() != BatchStatus.COMPLETED) {
                throw new IllegalStateException("step " + (i + 1) + " of pipeline '" + pipeline.name() + "': job '"
                        + step.job() + "' execution " + child.getId() + " ended " + child.getStatus() + " ("
                        + child.getExitStatus().getExitDescription() + ")");
            }
            ExecutionContext jobContext = execution.getExecutionContext();
            String output = child.getExecutionContext().getString(OUTPUT, null);
            jobContext.putLong(executionKey(i), child.getId());
            if (output != null) {
                jobContext.putString(outputKey(i), output);
                stepExecution.getExecutionContext().putString(OUTPUT, output);
                if (i == pipeline.steps().size() - 1) {
                    jobContext.putString(OUTPUT, output); // the pipeline's own output: its last step's
                }
            }
            repository.updateExecutionContext(execution);
            return RepeatStatus.FINISHED;
        };
    }

    /**
     * Waits for the step's child execution to end. A pipeline asked to stop (its execution stored STOPPING or STOPPED,
     * by this process or another) asks its child to stop, and goes on waiting for the child's end.
     */
    static JobExecution awaitChild(PipelineDefinition pipeline, int i, long pipelineExecution, JobExecution live,
            ChildJobs children) throws InterruptedException {
        boolean stopAsked = false;
        long deadline = System.nanoTime() + LONGEST.toNanos();
        while (System.nanoTime() < deadline) {
            JobExecution ended = children.await(live, STOP_POLL);
            if (ended != null) {
                return ended;
            }
            if (!stopAsked) {
                JobExecution self = children.stored(pipelineExecution);
                // Spring Batch's stop records STOPPING, or STOPPED at once when it stopped the (tasklet) step itself
                if (self != null && (self.getStatus() == BatchStatus.STOPPING
                        || self.getStatus() == BatchStatus.STOPPED)) {
                    children.stop(live.getId());
                    stopAsked = true;
                }
            }
        }
        throw new IllegalStateException("step " + (i + 1) + " of pipeline '" + pipeline.name() + "': execution "
                + live.getId() + " is still running after " + LONGEST);
    }
}
