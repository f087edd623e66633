package org.drmsbatch.schedules;

import org.drmsbatch.config.DrmsProperties;
import org.springframework.batch.core.job.AbstractJob;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.batch.autoconfigure.BatchTaskExecutor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * Job control infrastructure: the thread pool jobs run on (so that starting a job returns at once) and the
 * listener that records, on every job, which process runs an execution.
 */
@Configuration(proxyBeanMethods = false)
public class JobControlConfiguration {

    /**
     * Spring Batch's executor: {@code drms.jobs.threads} jobs run at once, more wait in a queue (a pipeline's step job
     * runs beside its pipeline: {@link JobThreads}). On shutdown
     * {@link JobControl} asks its jobs to stop and waits for them ({@code drms.jobs.shutdown-wait}, the one setting
     * of that wait): the executor does not wait again.
     */
    @Bean
    @BatchTaskExecutor
    ThreadPoolTaskExecutor batchTaskExecutor(@Value("${drms.jobs.threads:4}") int threads, JobQueue queue) {
        ThreadPoolTaskExecutor executor = new JobThreads();
        executor.setTaskDecorator(queue);
        executor.setThreadNamePrefix("drms-job-");
        executor.setCorePoolSize(threads);
        executor.setMaxPoolSize(threads);
        executor.setWaitForTasksToCompleteOnShutdown(true);
        executor.setAwaitTerminationMillis(0);
        return executor;
    }

    @Bean
    JobQueue jobQueue() {
        return new JobQueue();
    }

    /** How the staging service starts its stage batches: through {@link JobControl}. */
    @Bean
    StagingLauncher stagingLauncher(JobControl control) {
        return new StagingLauncher(control);
    }

    /** How pipelines run the jobs of their steps: through {@link JobControl}. */
    @Bean
    PipelineChildren pipelineChildren(JobControl control, JobRepository repository) {
        return new PipelineChildren(control, repository);
    }

    @Bean
    static JobOwnerListener jobOwnerListener(ObjectProvider<JobRepository> repository,
            ObjectProvider<DrmsProperties> properties) {
        return new JobOwnerListener(repository, text -> properties.getObject().relative(text));
    }

    /** Registers the {@link JobOwnerListener} on every job bean. */
    @Bean
    static BeanPostProcessor jobOwnerRegistrar(ObjectProvider<JobOwnerListener> listener) {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String beanName) {
                if (bean instanceof AbstractJob job) {
                    job.registerJobExecutionListener(listener.getObject());
                }
                return bean;
            }
        };
    }
}
