package org.drmsbatch.cluster;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.core.AcknowledgeMode;
import org.springframework.amqp.ImmediateRequeueAmqpException;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.listener.ItemWriteListener;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.AbstractStep;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.item.ChunkOrientedStep;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.integration.partition.StepExecutionRequest;
import org.springframework.batch.integration.partition.StepExecutionRequestHandler;
import org.springframework.context.SmartLifecycle;

/**
 * A worker ({@code drms worker}, {@code drms serve --worker}): takes {@link PartitionRequest}s from the queue one at a
 * time per consumer ({@code drms.cluster.concurrency}) and runs each partition with Spring Batch's
 * {@link StepExecutionRequestHandler} as a local step against the shared catalog and partitions. The message is
 * acknowledged when the partition's step has ended, so a worker that dies leaves its message to the broker, which
 * gives it to another worker.
 *
 * <p>Before it runs a partition the worker checks that the catalog's SUMS partitions are on its disk (else it refuses
 * the partition with the reason and takes no more), and claims it ({@link Workers#claim}): a second copy of a message
 * (the broker redelivers what a dropped connection left unacknowledged) finds it claimed by a live worker, or ended,
 * and is dropped. Every chunk it commits passes the fence ({@link Workers#fence}). It beats every
 * {@code drms.cluster.heartbeat}; a worker that learns it was declared dead stops at once (halts the JVM: its chunks
 * could no longer commit, and its partitions are another worker's).
 *
 * <p>Stopped by its process (SIGTERM: a scale-down, an eviction, {@code docker stop}), a worker takes no more
 * partitions and lets those it runs end, for up to {@code drms.cluster.stop-grace}. A partition still running then is
 * stopped after its current chunk commits: it ends STOPPED, saying why, with its position kept; the manager sends it
 * again to another worker ({@code drms.cluster.reassign}) or the job ends STOPPED and a restart resumes it. Either way
 * no chunk is cut in half and nobody waits for {@code drms.cluster.dead-after}.
 */
public class ClusterWorker implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ClusterWorker.class);

    private final ConnectionFactory connections;
    private final Broker broker;
    private final Workers workers;
    private final JobRepository repository;
    private final Map<String, PartitionWorker> steps;
    private final Supplier<List<String>> partitionProblems;
    private final Duration heartbeat;
    private final int concurrency;
    private final Duration stopGrace;
    /** Counted down when a worker being stopped has let its partitions end, before its container stops. */
    private volatile CountDownLatch drained = new CountDownLatch(1);
    /** The messages being taken now (guarded by itself; {@link #running} changes under it too). */
    private final Set<Taking> taking = new HashSet<>();
    private final String id;
    private final String host;
    private final long pid;
    private SimpleMessageListenerContainer container;
    private ScheduledExecutorService beats;
    private volatile boolean running;

    /**
     * @param steps             the worker steps by name
     * @param partitionProblems what keeps this host from the catalog's SUMS partitions (empty: nothing)
     * @param stopGrace         how long a worker being stopped lets its running partitions go on
     */
    public ClusterWorker(ConnectionFactory connections, Broker broker, Workers workers, JobRepository repository,
            Map<String, PartitionWorker> steps, Supplier<List<String>> partitionProblems, Duration heartbeat,
            int concurrency, Duration stopGrace) {
        this.connections = connections;
        this.broker = broker;
        this.workers = workers;
        this.repository = repository;
        this.steps = Map.copyOf(steps);
        this.partitionProblems = partitionProblems;
        this.heartbeat = heartbeat;
        this.concurrency = concurrency;
        this.stopGrace = stopGrace;
        this.host = hostName();
        this.pid = ProcessHandle.current().pid();
        this.id = host + ":" + pid + ":" + ManagementFactory.getRuntimeMXBean().getStartTime();
    }

    public String id() {
        return id;
    }

    @Override
    public void start() {
        workers.register(id, host, pid, broker.queue());
        beats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cluster-heartbeat");
            t.setDaemon(true);
            return t;
        });
        beats.scheduleWithFixedDelay(this::beat, heartbeat.toMillis(), heartbeat.toMillis(), TimeUnit.MILLISECONDS);
        container = new SimpleMessageListenerContainer(connections);
        container.setQueueNames(broker.queue());
        container.setConcurrentConsumers(concurrency);
        container.setPrefetchCount(1); // one partition at a time per consumer: the others stay for other workers
        container.setAcknowledgeMode(AcknowledgeMode.AUTO); // acknowledged when take() returns: the step has ended
        container.setDefaultRequeueRejected(true);
        container.setMissingQueuesFatal(false);
        container.setRecoveryInterval(1_000);
        container.setMessageListener(this::take);
        drained = new CountDownLatch(1);
        running = true;
        container.start();
        log.warn("Worker {} takes partitions of {} from queue {}", id, steps.keySet(), broker.queue());
    }

    /** A message being taken: its partition's step execution once the step starts, and whether stop() ended it. */
    private static final class Taking {
        volatile StepExecution execution;
        volatile boolean handedBack;

        /** Makes the step stop after its current chunk (before its first one when it has not started yet). */
        void handBack() {
            handedBack = true;
            StepExecution e = execution;
            if (e != null) {
                e.setTerminateOnly();
            }
        }

        void started(StepExecution e) {
            execution = e;
            if (handedBack) {
                e.setTerminateOnly();
            }
        }
    }

    @Override
    public void stop() {
        synchronized (taking) {
            running = false; // from here take() sends each message back to the queue
        }
        if (container != null) {
            workers.state(id, "stopping", "stopping: takes no more partitions");
            int runs = partitionsRunning();
            if (runs > 0) {
                log.warn("Worker {} stops: it takes no more partitions and lets the {} it runs end, for up to {} "
                        + "(drms.cluster.stop-grace)", id, runs, stopGrace);
            }
            // the partitions end before the container stops: stopping it interrupts the threads it still runs
            if (!awaitRunningPartitions(stopGrace)) {
                endRunningPartitions();
            }
            drained.countDown();
            container.stop();
        }
        if (beats != null) {
            beats.shutdownNow();
        }
        workers.state(id, "stopped", "stopped by its process");
    }

    /** Stops the partitions still running after the grace at their next chunk boundary, and waits for them. */
    private void endRunningPartitions() {
        log.warn("Worker {}: {} partition(s) still running after drms.cluster.stop-grace ({} s); each stops after its "
                + "current chunk commits", id, partitionsRunning(), stopGrace.toSeconds());
        synchronized (taking) {
            taking.forEach(Taking::handBack);
        }
        if (!awaitRunningPartitions(STOP_WAIT)) {
            log.error("Worker {}: {} partition(s) did not reach a chunk boundary within {}; the manager will find "
                    + "this worker dead", id, partitionsRunning(), STOP_WAIT);
        }
    }

    private int partitionsRunning() {
        synchronized (taking) {
            return taking.size();
        }
    }

    /** Waits up to {@code limit} for the messages being taken to end; returns whether none is. */
    private boolean awaitRunningPartitions(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        synchronized (taking) {
            while (!taking.isEmpty() && System.nanoTime() < deadline) {
                try {
                    taking.wait(Math.max(1, Math.min(200, (deadline - System.nanoTime()) / 1_000_000)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            return taking.isEmpty();
        }
    }

    /** How long a worker being stopped waits for its partitions' current chunks after the grace. */
    static final Duration STOP_WAIT = Duration.ofMinutes(5);

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 100; // started last, stopped first: the catalog and the repository outlive it
    }

    private void beat() {
        try {
            if (workers.beat(id).equals("dead")) {
                log.error("Worker {} was declared dead by a manager (its heartbeat stopped for longer than "
                        + "drms.cluster.dead-after); its partitions are another worker's or failed. Stopping now.", id);
                Runtime.getRuntime().halt(3);
            }
        } catch (RuntimeException e) {
            log.warn("Worker {} cannot write its heartbeat: {}", id, e.getMessage());
        }
    }

    /** Runs one partition; returns (and so acknowledges its message) when the partition's step has ended. */
    void take(Message message) {
        Taking t = new Taking();
        boolean stopping;
        synchronized (taking) {
            stopping = !running;
            if (!stopping) {
                taking.add(t);
            }
        }
        if (stopping) {
            // being stopped: the message goes back to the queue for another worker, once (not over and over to this
            // idle consumer while the worker's running partitions end)
            try {
                drained.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new ImmediateRequeueAmqpException("worker " + id + " is stopping and takes no more partitions");
        }
        try {
            take(message, t);
        } finally {
            synchronized (taking) {
                taking.remove(t);
                taking.notifyAll();
            }
        }
    }

    private void take(Message message, Taking t) {
        PartitionRequest r;
        try {
            r = broker.read(message);
        } catch (RuntimeException e) {
            log.error("Worker {} drops a message that is no partition request: {}", id, e.getMessage());
            return;
        }
        StepExecution execution = repository.getStepExecution(r.stepExecutionId());
        if (execution == null || !execution.getStatus().isRunning()) {
            log.info("Partition {} (step execution {}) has {}: nothing to do", r.stepName(), r.stepExecutionId(),
                    execution == null ? "gone" : "ended " + execution.getStatus());
            return;
        }
        PartitionWorker worker = steps.get(r.stepName());
        List<String> problems = worker == null
                ? List.of("this worker runs no step " + r.stepName() + " (it runs " + steps.keySet() + ")")
                : partitionProblems.get();
        if (!problems.isEmpty()) {
            refuse(r, String.join("; ", problems));
            return;
        }
        if (!workers.claim(r.stepExecutionId(), id)) {
            log.info("Partition {} (step execution {}) is {}: this copy of its message is dropped",
                    execution.getStepName(), r.stepExecutionId(), workers.holder(r.stepExecutionId())
                            .map(h -> "run by live worker " + h).orElse("not the cluster's"));
            return;
        }
        log.info("Worker {} runs {} (step execution {}, attempt {})", id, execution.getStepName(),
                r.stepExecutionId(), r.attempt());
        Step step = worker.step(execution.getJobExecution());
        if (step instanceof ChunkOrientedStep<?, ?> chunked) {
            chunked.registerItemWriteListener(fence());
        }
        if (step instanceof AbstractStep s) {
            s.registerStepExecutionListener(new StepExecutionListener() {
                @Override
                public void beforeStep(StepExecution started) {
                    t.started(started);
                }
            });
        }
        StepExecutionRequestHandler handler = new StepExecutionRequestHandler();
        handler.setJobRepository(repository);
        handler.setStepLocator(name -> step);
        StepExecution ended = handler.handle(new StepExecutionRequest(r.stepName(), r.stepExecutionId()));
        if (t.handedBack && ended.getStatus() == BatchStatus.STOPPED) {
            // the step has ended and saved its state: now the manager may send it again (or end it STOPPED)
            workers.handBack(r.stepExecutionId(), id, "handed back by worker " + id + " (host " + host + ", pid " + pid
                    + "): its process was stopped and drms.cluster.stop-grace (" + stopGrace.toSeconds() + " s) passed"
                    + " before the partition ended; it stopped after its last committed chunk");
        }
        if (ended.getStatus() == BatchStatus.FAILED && repository.getStepExecution(r.stepExecutionId()).getStatus()
                .isRunning()) {
            // the step failed before it could say so itself (the handler leaves that to its caller)
            ended.setExitStatus(ExitStatus.FAILED.addExitDescription(ended.getFailureExceptions().toString()));
            ended.setEndTime(java.time.LocalDateTime.now());
            repository.update(ended);
        }
        log.info("Worker {} ended {} (step execution {}): {}", id, execution.getStepName(), r.stepExecutionId(),
                ended.getStatus());
    }

    private void refuse(PartitionRequest r, String reason) {
        log.error("Worker {} refuses partition {} (step execution {}) and takes no more: {}", id, r.stepName(),
                r.stepExecutionId(), reason);
        workers.refuse(r.stepExecutionId(), id, reason);
        workers.state(id, "refusing", reason);
        // stop consuming (not from the consumer's own thread, which stop() would wait for)
        Thread stopper = new Thread(() -> container.stop(), "cluster-refusing");
        stopper.setDaemon(true);
        stopper.start();
    }

    /** Checked in each chunk's transaction, after its items are written and before it commits. */
    private <O> ItemWriteListener<O> fence() {
        return new ItemWriteListener<>() {
            @Override
            public void afterWrite(Chunk<? extends O> items) {
                workers.fence(id);
            }
        };
    }

    private static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
