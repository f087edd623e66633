package org.drmsbatch.schedules;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.Ordered;

/**
 * Registered on every job of the application: records this process as the owner of an execution when it
 * begins (so another process can tell a live execution from one left behind by a dead process) and keeps the
 * set of executions running in this JVM. It also takes the home's absolute path out of every exit description (the
 * reasons, stack traces and summaries that callers of the REST API, the JSOC API and the CLI read).
 */
public class JobOwnerListener implements JobExecutionListener, Ordered {

    private final ObjectProvider<JobRepository> repository;
    private final Set<Long> running = ConcurrentHashMap.newKeySet();
    /** Futures of callers waiting for an execution's end, completed by afterJob. */
    private final Map<Long, CompletableFuture<JobExecution>> ends = new ConcurrentHashMap<>();

    /** How an exit description is stored: with the home's absolute path taken out. */
    private final UnaryOperator<String> relative;

    /** @param relative the text with the home's absolute path taken out ({@code DrmsProperties.relative}) */
    public JobOwnerListener(ObjectProvider<JobRepository> repository, UnaryOperator<String> relative) {
        this.repository = repository;
        this.relative = relative;
    }

    @Override
    public void beforeJob(JobExecution execution) {
        running.add(execution.getId());
        JobOwner.current().writeTo(execution.getExecutionContext());
        repository.getObject().updateExecutionContext(execution);
    }

    /**
     * First in the job's listeners, so that its {@link #afterJob} runs last (after-methods run in reverse order).
     */
    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    /**
     * Runs after the job's other listeners: stores what they set (an exit description, counts in the context;
     * Spring Batch 6 stores the end before calling them, and what they set only after), then marks the execution
     * as no longer running here. So an execution is seen to end only with its listeners' results in place.
     */
    @Override
    public void afterJob(JobExecution execution) {
        try {
            reasonFirst(execution);
            ExitStatus exit = execution.getExitStatus();
            String description = exit.getExitDescription();
            String shown = relative.apply(description);
            if (shown != null && !shown.equals(description)) {
                execution.setExitStatus(new ExitStatus(exit.getExitCode(), shown));
            }
            repository.getObject().updateExecutionContext(execution);
            repository.getObject().update(execution);
        } finally {
            running.remove(execution.getId());
            synchronized (running) {
                running.notifyAll();
            }
            CompletableFuture<JobExecution> end = ends.remove(execution.getId());
            if (end != null) {
                end.complete(execution);
            }
        }
    }

    /**
     * Puts the root causes of a failed execution's failures at the head of its exit description: Spring Batch's is
     * a stack trace, cut at 2500 characters, so the user's reason ("failing at item 25", "disk full") at its
     * bottom was often lost. Nothing changes when the description already starts with them (a job's own listener
     * may have put them there).
     */
    static void reasonFirst(JobExecution execution) {
        if (execution.getStatus() != BatchStatus.FAILED) {
            return;
        }
        Set<String> reasons = new LinkedHashSet<>();
        for (Throwable t : execution.getAllFailureExceptions()) {
            Throwable root = t;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            reasons.add(root.getClass().getSimpleName() + ": " + root.getMessage());
        }
        if (reasons.isEmpty()) {
            return;
        }
        ExitStatus exit = execution.getExitStatus();
        String description = exit.getExitDescription() == null ? "" : exit.getExitDescription();
        String head = String.join("; ", reasons);
        if (reasons.stream().allMatch(r -> description.indexOf(r.substring(r.indexOf(": ") + 2)) >= 0
                && description.indexOf(r.substring(r.indexOf(": ") + 2)) < 1000)) {
            return; // already near the head
        }
        execution.setExitStatus(new ExitStatus(exit.getExitCode(), head).addExitDescription(description));
    }

    /**
     * Completes when the execution, started in this JVM, has ended (its afterJob listeners ran). {@code live} is
     * the execution object the job runs on; when it has already ended the future is complete at once.
     */
    CompletableFuture<JobExecution> whenEnded(JobExecution live) {
        CompletableFuture<JobExecution> end = ends.computeIfAbsent(live.getId(), id -> new CompletableFuture<>());
        if (!live.isRunning() && !running.contains(live.getId())) {
            ends.remove(live.getId(), end); // ended before we asked (afterJob has run, or will find no future)
            end.complete(live);
        }
        return end;
    }

    /** Whether the execution runs in this JVM (between beforeJob and afterJob). */
    public boolean runsHere(long executionId) {
        return running.contains(executionId);
    }

    Set<Long> running() {
        return Set.copyOf(running);
    }

    /** Waits until an execution running here ends, or the timeout passes. */
    void awaitAnyEnd(java.time.Duration timeout) throws InterruptedException {
        synchronized (running) {
            if (!running.isEmpty()) {
                running.wait(Math.max(1, timeout.toMillis()));
            }
        }
    }
}
