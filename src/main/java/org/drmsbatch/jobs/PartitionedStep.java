package org.drmsbatch.jobs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.drmsbatch.cluster.Cluster;
import org.drmsbatch.cluster.PartitionWorker;
import org.drmsbatch.drms.query.Query;
import org.drmsbatch.drms.query.RecordSets;
import org.drmsbatch.readers.RecordSetReader;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.partition.Partitioner;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.task.SimpleAsyncTaskExecutor;

/**
 * The partitioned step of a job with a {@link PartitionWorker} (rescale, stage, export, collect): its partitions run on
 * as many threads of this process, or, launched with {@code remote=true}, on the cluster's workers; its parameters
 * are parsed by {@link Partitions}.
 */
public final class PartitionedStep {

    private PartitionedStep() {
    }

    /**
     * @param name        the partitioned step's name
     * @param partitioner splits the work; its partitions are {@code <worker step>:<partition name>}
     * @param partitions  how many (threads, or partitions sent)
     * @param remote      whether the partitions go to the cluster's workers
     * @param listeners   listeners of the partitioned step itself (the manager's), e.g. one that holds a resource
     *                    from before the split until every partition has ended
     */
    public static Step build(String name, JobRepository repository, Partitioner partitioner, int partitions,
            PartitionWorker worker, JobExecution execution, boolean remote, ObjectProvider<Cluster> cluster,
            StepExecutionListener... listeners) {
        StepBuilder step = new StepBuilder(name, repository);
        for (StepExecutionListener l : listeners) {
            step.listener(l);
        }
        if (remote) {
            Cluster c = cluster.getIfAvailable();
            if (c == null) {
                throw new IllegalStateException(Cluster.NOT_CONFIGURED);
            }
            return step.partitioner(worker.stepName(), partitioner)
                    .partitionHandler(c.partitionHandler(worker.stepName(), partitions))
                    .build();
        }
        SimpleAsyncTaskExecutor threads = new SimpleAsyncTaskExecutor(name + "-");
        threads.setConcurrencyLimit(partitions);
        return step.partitioner(worker.stepName(), partitioner)
                .step(worker.step(execution))
                .gridSize(partitions)
                .taskExecutor(threads)
                .build();
    }

    /**
     * Splits a query's recnum span into {@code n} ranges of equal width, {@code partition0} .. {@code partition<n-1>}
     * in recnum order, each with its range under the keys {@code from} and {@code to}, and gives each the snapshot
     * bounds (the largest recnum of each record set's series now) for its {@link RecordSetReader} named
     * {@code reader}, so that all partitions read the record set as it was when the step started.
     */
    public static Partitioner byRecnum(RecordSets sets, Query query, int n, String from, String to, String reader) {
        return gridSize -> {
            long[] span = sets.recnumSpan(query);
            List<String> bounds = new ArrayList<>();
            for (int i = 0; i < query.sets().size(); i++) {
                bounds.add(Long.toString(sets.maxRecnum(query, i)));
            }
            long width = span[0] > span[1] ? 0 : (span[1] - span[0]) / n + 1;
            Map<String, ExecutionContext> out = new HashMap<>();
            for (int i = 0; i < n; i++) {
                ExecutionContext c = new ExecutionContext();
                long first = span[0] + i * width;
                long last = i == n - 1 ? span[1] : Math.min(span[1], first + width - 1);
                c.putLong(from, first);
                c.putLong(to, last);
                c.putString(reader + ".bounds", String.join(",", bounds));
                out.put("partition" + i, c);
            }
            return out;
        };
    }

    /**
     * Why the partitions of {@code workerStep} failed or stopped in this job execution, {@code <partition>: <root
     * cause>} or {@code <partition>: <its exit description>} each (a partition that failed elsewhere, on a worker, or
     * was handed back by a stopped worker says why in its exit description): for a failed or stopped job's exit
     * description (the partition handler only says that one did not complete).
     */
    public static List<String> failures(JobExecution job, String workerStep) {
        List<String> failures = new ArrayList<>();
        for (StepExecution s : job.getStepExecutions()) {
            if (s.getStepName().startsWith(workerStep + ":")) {
                if (s.getStatus() != BatchStatus.STOPPED) { // a stopped step's exception only says it was stopped
                    for (Throwable t : s.getFailureExceptions()) {
                        failures.add(s.getStepName() + ": " + rootMessage(t));
                    }
                }
                boolean said = s.getStatus() == BatchStatus.STOPPED
                        || s.getStatus() == BatchStatus.FAILED && s.getFailureExceptions().isEmpty();
                if (said && !s.getExitStatus().getExitDescription().isEmpty()) {
                    failures.add(s.getStepName() + ": " + s.getExitStatus().getExitDescription());
                }
            }
        }
        return failures;
    }

    private static String rootMessage(Throwable t) {
        String message = t.toString();
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getMessage() != null) {
                message = c.getClass().getSimpleName() + ": " + c.getMessage();
            }
        }
        return message;
    }
}
