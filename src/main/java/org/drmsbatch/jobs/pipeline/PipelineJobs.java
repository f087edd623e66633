package org.drmsbatch.jobs.pipeline;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.drmsbatch.jobs.ParameterNames;
import org.drmsbatch.jobs.ParsedParameters;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
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
    /** The pipeline's parameter {@code retry=failed}: its first step takes only the records that failed in it. */
    public static final String RETRY = "retry";

    /**
     * The records of a record set that failed in a job ({@code RecordStatus}), as a record-set query; null when
     * none did.
     */
    @FunctionalInterface
    public interface FailedRecords {
        String of(String ds, String job);
    }

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
                                + " re-runs the records that failed in the pipeline's first step)");
                    }
                    if (retry != null && !pipeline.steps().get(0).parameters().containsKey("ds")) {
                        throw new IllegalArgumentException("retry=failed: the first step of pipeline '"
                                + pipeline.name() + "' names no ds whose failed records it could take");
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

    /** The parameters of step {@code i}'s child in the pipeline execution {@code execution}. */
    static Map<String, String> childParameters(PipelineDefinition pipeline, int i, JobExecution execution,
            ChildJobs children, FailedRecords failed) {
        PipelineDefinition.Step step = pipeline.steps().get(i);
        Map<String, String> params = new LinkedHashMap<>(step.parameters());
        if (i == 0 && execution.getJobParameters().getParameter(RETRY) != null) {
            // the failed records, found once per pipeline run and kept: a restart retries the same ones
            String retried = execution.getExecutionContext().getString(RETRY_KEY, null);
            if (retried == null) {
                retried = failed.of(params.get("ds"), step.job());
                if (retried == null) {
                    throw new IllegalStateException("retry=failed: no record of " + params.get("ds")
                            + " failed in step 1 (" + step.job() + ") of pipeline '" + pipeline.name()
                            + "': nothing to retry");
                }
                execution.getExecutionContext().putString(RETRY_KEY, retried);
            }
            params.put("ds", retried);
        }
        if (i > 0 && !params.containsKey("ds")) {
            String input = execution.getExecutionContext().getString(outputKey(i - 1), null);
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
        return params;
    }

    private static Tasklet tasklet(PipelineDefinition pipeline, int i, ChildJobs children, JobRepository repository,
            FailedRecords failed) {
        PipelineDefinition.Step step = pipeline.steps().get(i);
        return (contribution, chunkContext) -> {
            StepExecution stepExecution = contribution.getStepExecution();
            JobExecution execution = stepExecution.getJobExecution();
            Map<String, String> params = childParameters(pipeline, i, execution, children, failed);
            JobExecution child = children.last(step.job(), params);
            if (child == null || child.getStatus() != BatchStatus.COMPLETED) {
                child = children.run(step.job(), params);
            }
            stepExecution.getExecutionContext().putLong(executionKey(i), child.getId());
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
}
