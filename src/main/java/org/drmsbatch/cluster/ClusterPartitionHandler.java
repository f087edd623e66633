package org.drmsbatch.cluster;

import java.time.Duration;
import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.partition.support.AbstractPartitionHandler;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;

/**
 * Spring Batch remote partitioning with job-repository polling: sends one {@link PartitionRequest} per partition step
 * execution to the broker's queue, then learns each partition's end from the shared job repository (no reply queue),
 * as {@code MessageChannelPartitionHandler} does in its polling mode, and also watches the workers:
 * <ul>
 * <li>a partition whose worker stopped beating for longer than {@code drms.cluster.dead-after} is failed with that
 *     reason (its step execution keeps its last committed position, so a restart resumes it), or, with
 *     {@code drms.cluster.reassign}, sent again for another worker to resume; the dead worker is declared dead first,
 *     and from then on none of its chunks can commit ({@link Workers#fence});</li>
 * <li>a partition refused by a worker (its SUMS partitions are not on its disk) fails with the worker's reason, or,
 *     with reassign, is sent again while a live worker remains;</li>
 * <li>a partition no live worker is there to take for longer than dead-after fails saying so;</li>
 * <li>a partition a worker being stopped handed back (stopped after a chunk, {@link ClusterWorker#stop}) ends the
 *     step STOPPED with that reason (a restart resumes it), or, with reassign, is sent again while a live worker
 *     remains.</li>
 * </ul>
 */
public class ClusterPartitionHandler extends AbstractPartitionHandler {

    private static final Logger log = LoggerFactory.getLogger(ClusterPartitionHandler.class);

    private final String stepName;
    private final JobRepository repository;
    private final Workers workers;
    private final Broker broker;
    private final Duration pollInterval;
    private final Duration deadAfter;
    private final boolean reassign;

    public ClusterPartitionHandler(String stepName, int gridSize, JobRepository repository, Workers workers,
            Broker broker, Duration pollInterval, Duration deadAfter, boolean reassign) {
        this.stepName = stepName;
        this.repository = repository;
        this.workers = workers;
        this.broker = broker;
        this.pollInterval = pollInterval;
        this.deadAfter = deadAfter;
        this.reassign = reassign;
        setGridSize(gridSize);
    }

    @Override
    protected Set<StepExecution> doHandle(StepExecution manager, Set<StepExecution> partitions) throws Exception {
        Map<Long, StepExecution> waiting = new LinkedHashMap<>();
        for (StepExecution p : partitions) {
            send(p);
            waiting.put(p.getId(), p);
        }
        log.info("Sent {} partition(s) of {} to queue {}", partitions.size(), stepName, broker.queue());
        Set<StepExecution> ended = new LinkedHashSet<>();
        double dead = deadAfter.toMillis() / 1000.0;
        while (!waiting.isEmpty()) {
            Thread.sleep(pollInterval.toMillis());
            for (var it = waiting.values().iterator(); it.hasNext(); ) {
                StepExecution local = it.next();
                StepExecution stored = repository.getStepExecution(manager.getJobExecutionId(), local.getId());
                if (stored == null) {
                    throw new ClusterException("partition " + local.getStepName() + " (step execution "
                            + local.getId() + ") is gone from the job repository");
                }
                String failure = stored.getStatus().isRunning() ? check(stored, dead) : null;
                if (failure != null) {
                    fail(stored, failure);
                }
                if (stored.getStatus() == BatchStatus.STOPPED) {
                    Workers.Partition state = workers.partition(stored.getId()).orElse(null);
                    if (state != null && state.handedBack() == null && beingStopped(state.worker(), dead)) {
                        continue; // its worker is stopping: wait for it to say whether it handed the partition back
                    }
                    if (state != null && state.handedBack() != null) {
                        if (reassign && !workers.live(broker.queue(), dead).isEmpty()) {
                            resume(stored, state.handedBack());
                            continue;
                        }
                        stored.setExitStatus(new ExitStatus(ExitStatus.STOPPED.getExitCode(), state.handedBack()));
                        repository.update(stored);
                    }
                }
                if (!stored.getStatus().isRunning()) {
                    copy(stored, local);
                    ended.add(local);
                    it.remove();
                }
            }
        }
        return ended;
    }

    private void send(StepExecution p) throws InterruptedException {
        int attempt = workers.sent(p.getId(), p.getJobExecutionId(), stepName);
        broker.send(new PartitionRequest(stepName, p.getJobExecutionId(), p.getId(), attempt));
    }

    /**
     * Whether a running partition can go on: null when it can (it runs on a live worker, waits in the queue while a
     * worker lives, or was just sent again); else why it fails.
     */
    private String check(StepExecution p, double dead) throws InterruptedException {
        Workers.Partition state = workers.partition(p.getId()).orElse(null);
        if (state == null) {
            return null; // cannot be: send() records the partition before it hands it to the broker
        }
        Workers.Worker w = state.worker();
        if (w != null) {
            if (!w.state().equals("dead") && w.silentSeconds() <= dead) {
                return null;
            }
            String reason = w.shown() + " stopped answering: its last heartbeat was " + Math.round(w.silentSeconds())
                    + " s ago, more than drms.cluster.dead-after (" + deadAfter.toSeconds() + " s)";
            if (!workers.declareDead(w.id(), dead, reason)) {
                return null; // it beat after all
            }
            if (reassign && !workers.live(broker.queue(), dead).isEmpty()) {
                log.warn("Partition {} (attempt {}): {}; sending it again (drms.cluster.reassign)", p.getStepName(),
                        state.attempt(), reason);
                send(p);
                return null;
            }
            return p.getStepName() + ": " + reason + (reassign ? " and no other worker is alive" : "")
                    + "; the partition keeps its last committed chunk: restart the job to finish it";
        }
        if (state.refusedBy() != null) {
            String reason = "refused by worker " + state.refusedBy() + ": " + state.refusal();
            if (reassign && !workers.live(broker.queue(), dead).isEmpty()) {
                log.warn("Partition {} {}; sending it again (drms.cluster.reassign)", p.getStepName(), reason);
                send(p);
                return null;
            }
            return p.getStepName() + " " + reason;
        }
        if (state.waitingSeconds() > dead && workers.live(broker.queue(), dead).isEmpty()) {
            return p.getStepName() + ": no live worker has taken it from queue " + broker.queue() + " for "
                    + Math.round(state.waitingSeconds()) + " s (start one: drms worker)";
        }
        return null;
    }

    private static boolean beingStopped(Workers.Worker w, double dead) {
        return w != null && w.state().equals("stopping") && w.silentSeconds() <= dead;
    }

    /**
     * Sends a partition a worker being stopped handed back ({@link ClusterWorker#stop}) again: another worker resumes
     * it from its last committed chunk.
     */
    private void resume(StepExecution p, String why) throws InterruptedException {
        log.warn("Partition {}: {}; sending it again (drms.cluster.reassign)", p.getStepName(), why);
        p.setStatus(BatchStatus.STARTED);
        p.setExitStatus(ExitStatus.EXECUTING);
        p.setEndTime(null);
        repository.update(p);
        send(p);
    }

    /** Ends a partition the workers cannot finish: FAILED, with the reason, its position kept for a restart. */
    private void fail(StepExecution p, String reason) {
        log.error("Partition failed: {}", reason);
        p.setStatus(BatchStatus.FAILED);
        p.setExitStatus(ExitStatus.FAILED.addExitDescription(reason));
        p.setEndTime(LocalDateTime.now());
        p.addFailureException(new ClusterException(reason));
        repository.update(p);
    }

    /** What a worker's process stored, into the manager's copy (the one the job's listeners and aggregator see). */
    private static void copy(StepExecution from, StepExecution to) {
        to.setStatus(from.getStatus());
        to.setExitStatus(from.getExitStatus());
        to.setReadCount(from.getReadCount());
        to.setWriteCount(from.getWriteCount());
        to.setCommitCount(from.getCommitCount());
        to.setRollbackCount(from.getRollbackCount());
        to.setFilterCount(from.getFilterCount());
        to.setReadSkipCount(from.getReadSkipCount());
        to.setWriteSkipCount(from.getWriteSkipCount());
        to.setProcessSkipCount(from.getProcessSkipCount());
        to.setStartTime(from.getStartTime());
        to.setEndTime(from.getEndTime());
        to.setLastUpdated(from.getLastUpdated());
        to.setExecutionContext(from.getExecutionContext());
        to.setVersion(from.getVersion());
        for (Throwable t : from.getFailureExceptions()) {
            to.addFailureException(t);
        }
        if (from.getStatus() == BatchStatus.FAILED && to.getFailureExceptions().isEmpty()) {
            // a worker's exception stays in its process; its exit description says it
            to.addFailureException(new ClusterException(from.getExitStatus().getExitDescription()));
        }
    }
}
