package org.drmsbatch.schedules;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.beans.factory.ObjectProvider;

/**
 * Registered on every job of the application: records this process as the owner of an execution when it
 * begins (so another process can tell a live execution from one left behind by a dead process) and keeps the
 * set of executions running in this JVM.
 */
public class JobOwnerListener implements JobExecutionListener {

    private final ObjectProvider<JobRepository> repository;
    private final Set<Long> running = ConcurrentHashMap.newKeySet();

    public JobOwnerListener(ObjectProvider<JobRepository> repository) {
        this.repository = repository;
    }

    @Override
    public void beforeJob(JobExecution execution) {
        running.add(execution.getId());
        JobOwner.current().writeTo(execution.getExecutionContext());
        repository.getObject().updateExecutionContext(execution);
    }

    @Override
    public void afterJob(JobExecution execution) {
        running.remove(execution.getId());
    }

    /** Whether the execution runs in this JVM (between beforeJob and afterJob). */
    public boolean runsHere(long executionId) {
        return running.contains(executionId);
    }

    Set<Long> running() {
        return Set.copyOf(running);
    }
}
