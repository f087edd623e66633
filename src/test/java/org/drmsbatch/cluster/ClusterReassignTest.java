package org.drmsbatch.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Map;

import org.drmsbatch.ChildJvm;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.jobs.FaultInjectionTestConfiguration;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.jobs.KillHarness;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code drms.cluster.reassign=true} against a real RabbitMQ: the partition of a worker killed mid-partition, or one a
 * worker refused, is sent again and another worker finishes it in the same execution, with exactly one result per
 * record.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = {
        FaultInjectionTestConfiguration.PROPERTY, "drms.cluster.enabled=true", "drms.cluster.heartbeat=500ms",
        "drms.cluster.dead-after=3s", "drms.cluster.poll-interval=100ms", "drms.cluster.reassign=true"})
class ClusterReassignTest {

    static final boolean BROKER = ClusterTests.brokerAnswers();
    static final KillHarness HARNESS = KillHarness.create("drms-cluster-reassign-test");
    static final String QUEUE = ClusterTests.newQueue();
    static final int RECORDS = 16;
    static ClusterTests.WorkerProcesses workers;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        workers = ClusterTests.register(registry, HARNESS, ClusterTests.brokerUrl(), QUEUE);
    }

    @BeforeAll
    static void broker() {
        assumeTrue(BROKER, ClusterTests.SKIPPED);
    }

    @Autowired
    JobControl jobs;
    @Autowired
    Drms drms;
    @Autowired
    JdbcTemplate jdbc;

    static boolean fixture;

    void images() {
        if (!fixture) {
            ClusterTests.images(drms, RECORDS);
            fixture = true;
        }
    }

    @AfterEach
    void stopWorkers() throws Exception {
        workers.close();
    }

    @AfterAll
    static void deleteQueue() {
        if (BROKER) {
            ClusterTests.deleteQueue(QUEUE);
        }
    }


    @Test
    void theDeadWorkersPartitionIsResumedByAnotherWorker() throws Exception {
        // given two workers running a slow rescale of 2 partitions, one each
        images();
        ChildJvm a = workers.start();
        ChildJvm b = workers.start();
        JobRun run = slowRescaleOfTwoPartitionsCommitting("clu.moved");

        // when one of them is killed (SIGKILL) mid-partition
        workers.kill(a);

        // then the other resumes its partition after its last committed chunk, and the job completes
        JobRun done = JobTests.awaitEnd(jobs, run.executionId(), 180);
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        ClusterTests.exactlyOneRescaledClonePerRecord(drms, jdbc, "clu.moved", RECORDS);
        assertThat(jdbc.queryForObject("SELECT state FROM drms.cluster_worker WHERE pid = ?", String.class,
                a.process().pid())).isEqualTo("dead");
        assertThat(jdbc.queryForList("""
                SELECT p.attempt FROM drms.cluster_partition p JOIN drms.cluster_worker w USING (worker_id)
                WHERE p.job_execution_id = ? AND w.pid = ?""", Integer.class, run.executionId(), b.process().pid()))
                .as("the partitions the live worker ended with").containsExactlyInAnyOrder(1, 2);
        assertThat(KillHarness.orphansAfterSweep(drms, jdbc)).as("units no row owns").isEmpty();
    }

    @Test
    void aStoppedWorkersPartitionIsHandedBackAndResumedByAnotherWorker() throws Exception {
        // given two workers running a slow rescale of 2 partitions, one each; one of them without stop-grace
        images();
        ChildJvm a = workers.start("drms.cluster.stop-grace=0s");
        ChildJvm b = workers.start();
        JobRun run = slowRescaleOfTwoPartitionsCommitting("clu.handover");

        // when the first is stopped (SIGTERM, a scale-down) mid-partition
        assertThat(workers.stop(a)).as("exit code after SIGTERM").isEqualTo(143);

        // then its partition, handed back after a whole chunk, is resumed by the other and the job completes, the
        // stopped worker never declared dead
        JobRun done = JobTests.awaitEnd(jobs, run.executionId(), 180);
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        ClusterTests.exactlyOneRescaledClonePerRecord(drms, jdbc, "clu.handover", RECORDS);
        assertThat(jdbc.queryForObject("SELECT state FROM drms.cluster_worker WHERE pid = ?", String.class,
                a.process().pid())).isEqualTo("stopped");
        assertThat(jdbc.queryForList("""
                SELECT p.attempt FROM drms.cluster_partition p JOIN drms.cluster_worker w USING (worker_id)
                WHERE p.job_execution_id = ? AND w.pid = ?""", Integer.class, run.executionId(), b.process().pid()))
                .as("the partitions the live worker ended with").containsExactlyInAnyOrder(1, 2);
        assertThat(KillHarness.orphansAfterSweep(drms, jdbc)).as("units no row owns").isEmpty();
    }

    @Test
    void aRefusedPartitionGoesToAWorkerThatHasThePartitions() throws Exception {
        // given a healthy worker, and one on a host whose SUMS partition is not mounted
        images();
        String missing = HARNESS.home().resolve("not-mounted").resolve("SUM0").toString();
        workers.start();
        workers.start("drms.partitions=" + missing);

        // when a rescale sends 4 partitions (the refusing worker gets one while the other is busy)
        JobRun run = jobs.start("rescale", ClusterTests.remoteRescale("clu.resent", 4, 100));
        JobRun done = JobTests.awaitEnd(jobs, run.executionId(), 180);

        // then the healthy worker ran them all, the refused one sent again, and the refusal is on record
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        ClusterTests.exactlyOneRescaledClonePerRecord(drms, jdbc, "clu.resent", RECORDS);
        assertThat(jdbc.queryForObject("SELECT reason FROM drms.cluster_worker WHERE state = 'refusing'",
                String.class)).contains("SUMS partition " + missing + " does not exist on this host");
        assertThat(jdbc.queryForObject("SELECT max(attempt) FROM drms.cluster_partition WHERE job_execution_id = ?",
                Integer.class, run.executionId())).isEqualTo(2);
    }

    @Test
    void aWorkerFrozenPastDeadAfterCommitsNothingMoreWhenItWakes() throws Exception {
        // given two workers running a slow rescale of 2 partitions, one each
        images();
        ChildJvm a = workers.start();
        ChildJvm b = workers.start();
        JobRun run = slowRescaleOfTwoPartitionsCommitting("clu.frozen");

        // when one is frozen (SIGSTOP) until the manager has declared it dead and sent its partition again, then
        // wakes up in the middle of its chunk (SIGCONT)
        signal("STOP", a);
        ClusterTests.await("the frozen worker declared dead", 60, () -> "dead".equals(jdbc.queryForObject(
                "SELECT state FROM drms.cluster_worker WHERE pid = ?", String.class, a.process().pid())));
        signal("CONT", a);

        // then the job completes with exactly one clone per record: the woken worker's chunk did not commit (the
        // fence), and the worker stopped itself
        JobRun done = JobTests.awaitEnd(jobs, run.executionId(), 180);
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        ClusterTests.exactlyOneRescaledClonePerRecord(drms, jdbc, "clu.frozen", RECORDS);
        assertThat(a.process().waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).as("the dead worker stopped")
                .isTrue();
        assertThat(a.process().exitValue()).isEqualTo(3);
        assertThat(b.process().isAlive()).isTrue();
    }

    /** Starts a slow remote rescale of 2 partitions into {@code out}; returns once both have committed a chunk. */
    JobRun slowRescaleOfTwoPartitionsCommitting(String out) throws InterruptedException {
        JobRun run = jobs.start("rescale", ClusterTests.remoteRescale(out, 2, 250));
        ClusterTests.await("both partitions committing", 120, () -> jobs.view(run.executionId()).steps().stream()
                .filter(s -> s.name().startsWith("rescaleWorker:")).filter(s -> s.write() >= 2).count() == 2);
        return run;
    }

    static void signal(String signal, ChildJvm jvm) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(jvm.process().pid())).start();
        assertThat(kill.waitFor()).as("kill -%s", signal).isZero();
    }
}
