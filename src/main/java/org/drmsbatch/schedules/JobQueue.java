package org.drmsbatch.schedules;

import org.springframework.core.task.TaskDecorator;

/**
 * The batch executor's queue as job control sees it: the task each launch handed to the executor, so that an
 * execution still waiting for a job thread can be taken out of the queue when it is stopped (it then ends STOPPED at
 * once, instead of when a thread frees). Spring Batch's launcher submits the task in the launching thread, which
 * picks it up here right after the launch ({@link #lastSubmitted}).
 */
public final class JobQueue implements TaskDecorator {

    private final ThreadLocal<Runnable> submitted = new ThreadLocal<>();

    @Override
    public Runnable decorate(Runnable task) {
        Runnable queued = task::run; // a task of its own, the one the executor's queue holds
        submitted.set(queued);
        return queued;
    }

    /** The task this thread submitted last (and forgets it), or null. */
    Runnable lastSubmitted() {
        Runnable task = submitted.get();
        submitted.remove();
        return task;
    }
}
