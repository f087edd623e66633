package org.drmsbatch.jobs.stagingexpiry;

import org.drmsbatch.jobs.ParsedParameters;
import org.drmsbatch.staging.StagingService;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The {@code staging-expiry} job: the staging service's housekeeping ({@link StagingService#expireNow}) as a job,
 * for sites that run it from a schedule (the monitor of {@code drms serve} does the same on each turn; with
 * {@code drms.staging.monitor=false}, or no server running, this job is what does it). One tasklet call: the live
 * requests past their expiry are reported once and ended, the lapsed {@code staging:*} pins dropped and the expired
 * failure reports removed. The counts go to the step ExecutionContext ({@value #EXPIRED}, {@value #PINS},
 * {@value #REPORTS}) and the exit description. Every pass can be done again, so a restart simply calls it again.
 *
 * <p>Parameters: {@link StagingExpiryParameters}. Refused before it starts when this process has no staging service.
 */
@Configuration(proxyBeanMethods = false)
public class StagingExpiryJobConfiguration {

    public static final String JOB = "staging-expiry";
    public static final String STEP = "stagingExpiryStep";
    /** Step ExecutionContext keys. */
    public static final String EXPIRED = "stagingExpiry.requestsExpired";
    public static final String PINS = "stagingExpiry.pinsDropped";
    public static final String REPORTS = "stagingExpiry.reportsRemoved";

    static Tasklet expiryTasklet(ObjectProvider<StagingService> staging,
            ParsedParameters<StagingExpiryParameters> parsed) {
        return (StepContribution contribution, ChunkContext chunk) -> {
            var step = chunk.getStepContext().getStepExecution();
            parsed.of(step.getJobParameters());
            StagingService service = staging.getIfAvailable();
            if (service == null) {
                throw new IllegalStateException(StagingExpiryParameters.NOT_CONFIGURED);
            }
            StagingService.Expiry e = service.expireNow();
            ExecutionContext ec = step.getExecutionContext();
            ec.putInt(EXPIRED, e.requestsExpired());
            ec.putInt(PINS, e.pinsDropped());
            ec.putInt(REPORTS, e.reportsRemoved());
            contribution.incrementWriteCount(e.requestsExpired());
            contribution.setExitStatus(ExitStatus.COMPLETED.addExitDescription(
                    count(e.requestsExpired(), "request") + " expired, " + count(e.pinsDropped(), "pin")
                            + " dropped, " + count(e.reportsRemoved(), "failure report") + " removed"));
            return RepeatStatus.FINISHED;
        };
    }

    private static String count(int n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }

    /** The job's validator, and the parsed parameters of each launch. */
    @Bean
    ParsedParameters<StagingExpiryParameters> stagingExpiryParameters(ObjectProvider<StagingService> staging) {
        // asked at each launch, not here: the service is wired with job control, which needs the jobs first
        return StagingExpiryParameters.parser(() -> staging.getIfAvailable() != null);
    }

    @Bean
    Step stagingExpiryStep(JobRepository repository, PlatformTransactionManager transactionManager,
            ObjectProvider<StagingService> staging, ParsedParameters<StagingExpiryParameters> stagingExpiryParameters) {
        return new StepBuilder(STEP, repository).tasklet(expiryTasklet(staging, stagingExpiryParameters),
                transactionManager).build();
    }

    @Bean
    Job stagingExpiryJob(JobRepository repository, Step stagingExpiryStep,
            ParsedParameters<StagingExpiryParameters> stagingExpiryParameters) {
        return new JobBuilder(JOB, repository).validator(stagingExpiryParameters).listener(stagingExpiryParameters)
                .start(stagingExpiryStep).build();
    }
}
