package org.drmsbatch.jobs;

import java.util.Set;

import org.springframework.batch.core.job.parameters.JobParameters;

/**
 * Points in a job's chunks where a test makes a run fail or go slowly (restart tests, kill tests). The product has
 * none ({@link #NONE}, the {@link ChunkHooksConfiguration} bean): it takes no parameter, so a launch that names a
 * test's parameter ({@code failAt}, {@code delay}) is refused as unknown, like any other unknown name. A test
 * configuration supplies its own {@code @Primary} implementation, which reads its parameters from the job
 * parameters and declares them with {@link #parameters()}; the jobs accept those names besides their own.
 */
public interface ChunkHooks {

    /** The product's: no parameter, nothing done. */
    ChunkHooks NONE = new ChunkHooks() {
        @Override
        public Set<String> parameters() {
            return Set.of();
        }

        @Override
        public Hook forStep(JobParameters parameters) {
            return Hook.NONE;
        }
    };

    /** The job parameter names the hooks read: optional names every job that calls them accepts. */
    Set<String> parameters();

    /** The hook of one step execution (one partition of a partitioned step) of the launch with these parameters. */
    Hook forStep(JobParameters parameters);

    /** Called once per item at one point of a step's chunk. */
    @FunctionalInterface
    interface Hook {

        /** Does nothing. */
        Hook NONE = (n, item) -> {
        };

        /**
         * The step execution reached its {@code n}-th item (1-based, counted from this execution's start).
         *
         * @param item names the item in a message
         */
        void reached(long n, Object item) throws Exception;
    }
}
