package org.drmsbatch.jobs;

import javax.sql.DataSource;

import org.drmsbatch.drms.DrmsException;
import org.springframework.batch.core.configuration.annotation.JobScope;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.parameters.DefaultJobParametersValidator;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.item.ItemProcessor;
import org.springframework.batch.infrastructure.item.ItemWriter;
import org.springframework.batch.infrastructure.item.support.AbstractItemCountingItemStreamItemReader;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The {@code counting} job, for tests of job control (on when {@code drms.test.counting-job=true}): one chunk
 * step (chunks of 10) reads the numbers 1..{@code items}, and writes each as a row (key, item) of the table
 * {@code counted}, whose primary key refuses a duplicate. The reader's position is in the step's
 * ExecutionContext, so a restart resumes after the last committed chunk.
 *
 * <p>Parameters: {@code key} and {@code items} (required, identifying when given plainly); {@code failAt} (the
 * item whose processing fails; 0 for none), {@code failAs} ({@code user} makes that failure a user's error, a
 * DrmsException), {@code delay} (milliseconds per item), {@code hold} (milliseconds per item that neither a stop nor
 * an interrupt cuts short). Pass the optional ones as non-identifying, e.g.
 * {@code failAt=25,java.lang.Long,false}, so that a restart may change them.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "drms.test.counting-job", havingValue = "true")
public class CountingJobTestConfiguration {

    public static final String JOB = "counting";
    public static final int CHUNK = 10;

    /** Reads 1..n; its count is saved at each commit as {@code counter.read.count}. */
    static class CountingReader extends AbstractItemCountingItemStreamItemReader<Integer> {
        CountingReader(int n) {
            setName("counter");
            setMaxItemCount(n);
        }

        @Override
        protected Integer doRead() {
            return getCurrentItemCount();
        }

        @Override
        protected void jumpToItem(int itemIndex) {
            // the count alone is the position
        }

        @Override
        protected void doOpen() {
        }

        @Override
        protected void doClose() {
        }
    }

    @Bean
    @StepScope
    ItemProcessor<Integer, Integer> countingProcessor(@Value("#{jobParameters['failAt'] ?: 0}") String failAt,
            @Value("#{jobParameters['failAs'] ?: ''}") String failAs,
            @Value("#{jobParameters['delay'] ?: 0}") String delay,
            @Value("#{jobParameters['hold'] ?: 0}") String hold) {
        long fail = Long.parseLong(failAt.trim());
        long millis = Long.parseLong(delay.trim());
        long holdNanos = Long.parseLong(hold.trim()) * 1_000_000L;
        return item -> {
            if (millis > 0) {
                Thread.sleep(millis);
            }
            if (holdNanos > 0) { // a long item that neither a stop nor an interrupt cuts short
                boolean interrupted = false;
                long end = System.nanoTime() + holdNanos;
                for (long left = holdNanos; left > 0; left = end - System.nanoTime()) {
                    java.util.concurrent.locks.LockSupport.parkNanos(left);
                    interrupted |= Thread.interrupted();
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            if (item == fail) {
                String message = "failing at item " + item + " as asked (failAt)";
                throw "user".equals(failAs) ? new DrmsException(message) : new IllegalStateException(message);
            }
            return item;
        };
    }

    @Bean
    @StepScope
    ItemWriter<Integer> countingWriter(JdbcTemplate jdbc, @Value("#{jobParameters['key']}") String key) {
        return chunk -> jdbc.batchUpdate("INSERT INTO counted (key, item) VALUES (?, ?)",
                chunk.getItems().stream().map(i -> new Object[] {key, i}).toList());
    }

    /** Creates the table {@code counted} before the step. */
    static StepExecutionListener tableCreator(JdbcTemplate jdbc) {
        return new StepExecutionListener() {
            @Override
            public void beforeStep(StepExecution stepExecution) {
                try {
                    jdbc.execute("CREATE TABLE IF NOT EXISTS counted (key text, item int, PRIMARY KEY (key, item))");
                } catch (RuntimeException e) {
                    // created at the same moment by another job
                }
            }
        };
    }

    /** Job-scoped, as the application's steps: its reader is made with it (see JobsControllerTest on stop). */
    @Bean
    @JobScope
    Step countStep(JobRepository repository, PlatformTransactionManager transactionManager, DataSource dataSource,
            @Value("#{jobParameters['items']}") String items, ItemProcessor<Integer, Integer> countingProcessor,
            ItemWriter<Integer> countingWriter) {
        return new StepBuilder("count", repository).<Integer, Integer>chunk(CHUNK)
                .transactionManager(transactionManager)
                .reader(new CountingReader(Integer.parseInt(items.trim()))).processor(countingProcessor).writer(countingWriter)
                .listener(tableCreator(new JdbcTemplate(dataSource)))
                .build();
    }

    @Bean
    Job countingJob(JobRepository repository, Step countStep) {
        DefaultJobParametersValidator validator = new DefaultJobParametersValidator(
                new String[] {"key", "items"}, new String[] {"failAt", "failAs", "delay", "hold"});
        validator.afterPropertiesSet();
        return new JobBuilder(JOB, repository).validator(validator).start(countStep).build();
    }
}
