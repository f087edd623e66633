package org.drmsbatch.schedules;

import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * The threads jobs run on: {@code drms.jobs.threads} at once, more wait in a queue. A pipeline's step job is the
 * exception: it runs on a thread of its own, outside the pool, while its pipeline (which holds a pool thread) waits for
 * it, so that a pipeline and the job of its current step count as one job; were the step's job queued for a pool
 * thread, pipelines filling the pool would wait forever for jobs that never start.
 */
public class JobThreads extends ThreadPoolTaskExecutor {

    private static final ThreadLocal<Boolean> PIPELINE_STEP = new ThreadLocal<>();
    private final AtomicInteger steps = new AtomicInteger();

    /** Runs {@code launch} with the launches it makes taken as a pipeline step's (see the class comment). */
    static <T> T asPipelineStep(java.util.function.Supplier<T> launch) {
        PIPELINE_STEP.set(Boolean.TRUE);
        try {
            return launch.get();
        } finally {
            PIPELINE_STEP.remove();
        }
    }

    @Override
    public void execute(Runnable task) {
        if (Boolean.TRUE.equals(PIPELINE_STEP.get())) {
            Thread thread = new Thread(task, getThreadNamePrefix() + "step-" + steps.incrementAndGet());
            thread.start();
            return;
        }
        super.execute(task);
    }
}
