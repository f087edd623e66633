package org.drmsbatch.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import javax.sql.DataSource;

import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.RecordStatus;
import org.drmsbatch.drms.query.Query;
import org.drmsbatch.drms.query.RecordSets;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameter;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.listener.ChunkListener;
import org.springframework.batch.core.listener.ItemProcessListener;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The per-record processing status of the jobs that process records (rescale, export): each record of the job's input
 * goes {@code queued} when the job starts, {@code in_progress} when its chunk is read, and {@code good} with its chunk's
 * commit (the job's writer records it in the chunk's transaction) or {@code failed} with the reason. Kept under a
 * status step name: the job's name, or, for a pipeline's step, the name the pipeline gives in the non-identifying
 * parameter {@value #PARAMETER} ({@code <pipeline>:step<N>.<job>}), so that the same job in two pipelines, or twice in
 * one, keeps two statuses.
 *
 * <p>A failure's status is written once the chunk's transaction has rolled back, in a transaction of its own: the
 * record the failure names (a processor's item, or the one the writer names) failed with the reason, the others of the
 * chunk queued again; a chunk whose failure names no record (a write of the whole chunk failed) has each record failed.
 * A record left in progress by a killed process stays so until its job is restarted, which queues it again.
 */
public final class RecordStatusTracking {

    /** The job parameter naming the status step (non-identifying; default the job's name). */
    public static final String PARAMETER = "statusStep";
    /** The names a job that keeps record status accepts besides its own. */
    public static final Set<String> PARAMETERS = Set.of(PARAMETER);

    private static final int PAGE = 10_000;

    private RecordStatusTracking() {
    }

    /** The status step of a launch of {@code job}: its {@value #PARAMETER} parameter, else the job's name. */
    public static String step(JobParameters parameters, String job) {
        JobParameter<?> p = parameters.getParameter(PARAMETER);
        String named = p == null || p.value() == null ? "" : p.value().toString().trim();
        if (named.isEmpty()) {
            return job;
        }
        if (named.length() > 200) {
            throw new IllegalArgumentException(PARAMETER + ": at most 200 characters");
        }
        return named;
    }

    /**
     * Queues the job's input records when it starts (or restarts: the records its instance already made good stay
     * good).
     *
     * @param input the launch's input record set
     */
    public static JobExecutionListener queueAtStart(String job, RecordSets recordSets, DataSource dataSource,
            JobRepository repository, Function<JobParameters, Query> input) {
        return new JobExecutionListener() {
            @Override
            public void beforeJob(JobExecution execution) {
                String step = step(execution.getJobParameters(), job);
                List<Long> instance = new ArrayList<>();
                for (JobExecution e : repository.getJobExecutions(execution.getJobInstance())) {
                    if (e.getId() != execution.getId()) {
                        instance.add(e.getId());
                    }
                }
                recordSets.stream(input.apply(execution.getJobParameters()), 0, PAGE, page -> {
                    RecordStatus.queue(dataSource, step, execution.getId(), keys(page), instance);
                    return true;
                });
            }
        };
    }

    /** The chunk listener of a step execution of the job execution {@code jobExecution}; see the class comment. */
    public static <O> Chunks<Record, O> chunks(DataSource dataSource, String step, long jobExecution) {
        return new Chunks<>(dataSource, step, jobExecution, r -> r);
    }

    /** As above, for a step whose items are not records: {@code record} gives each item's record. */
    public static <I, O> Chunks<I, O> chunks(DataSource dataSource, String step, long jobExecution,
            Function<? super I, Record> record) {
        return new Chunks<>(dataSource, step, jobExecution, record);
    }

    /**
     * Marks each chunk in progress when it has been read, and records failures once they have rolled back. One per
     * job execution; the partitions of a partitioned step share it, each on its own thread.
     */
    public static final class Chunks<I, O> implements ChunkListener<I, O>, ItemProcessListener<I, O> {

        private final DataSource dataSource;
        private final String step;
        private final long jobExecution;
        private final Function<? super I, Record> record;
        private final ThreadLocal<List<RecordStatus.Key>> current = new ThreadLocal<>();

        Chunks(DataSource dataSource, String step, long jobExecution, Function<? super I, Record> record) {
            this.dataSource = dataSource;
            this.step = step;
            this.jobExecution = jobExecution;
            this.record = record;
        }

        @Override
        public void beforeChunk(Chunk<I> chunk) {
            List<RecordStatus.Key> keys = keys(chunk.getItems().stream().map(record).toList());
            current.set(keys);
            RecordStatus.inProgress(dataSource, step, jobExecution, keys);
        }

        @Override
        public void afterChunk(Chunk<O> chunk) {
            current.remove();
        }

        @Override
        public void onProcessError(I item, Exception e) {
            failedAfterRollback(dataSource, record.apply(item), step, jobExecution, e);
        }

        @Override
        public void onChunkError(Exception e, Chunk<O> chunk) {
            List<RecordStatus.Key> keys = current.get();
            current.remove();
            if (keys != null) {
                String reason = reason(e);
                afterRollback(() -> RecordStatus.chunkFailed(dataSource, step, jobExecution, keys, reason));
            }
        }
    }

    /**
     * Records {@code record} failed in {@code step} with the reason once the current transaction has rolled back (in
     * a transaction of its own: the chunk's work is gone, its failure stays).
     */
    public static void failedAfterRollback(DataSource dataSource, Record record, String step, long jobExecution,
            Throwable e) {
        List<RecordStatus.Entry> entry = List.of(new RecordStatus.Entry(record.seriesName(), record.recnum(), step,
                RecordStatus.State.FAILED, reason(e), jobExecution, null, null, 0, 0));
        afterRollback(() -> RecordStatus.recordNow(dataSource, entry));
    }

    /** A failure's reason as the status shows it: the exception's class and message. */
    public static String reason(Throwable e) {
        return e.getMessage() == null ? e.toString() : e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    /**
     * Runs {@code work} once the current transaction has rolled back (not when it commits), or now when there is no
     * transaction: a failure's status outlives the chunk that failed, and is written when the chunk's locks are gone.
     */
    public static void afterRollback(Runnable work) {
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCompletion(int status) {
                    if (status != STATUS_COMMITTED) {
                        work.run();
                    }
                }
            });
        } else {
            work.run();
        }
    }

    private static List<RecordStatus.Key> keys(List<? extends Record> records) {
        List<RecordStatus.Key> keys = new ArrayList<>(records.size());
        for (Record r : records) {
            keys.add(RecordStatus.Key.of(r));
        }
        return keys;
    }
}
