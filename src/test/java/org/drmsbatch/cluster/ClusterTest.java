package org.drmsbatch.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.Map;

import org.drmsbatch.ChildJvm;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.jobs.FaultInjectionTestConfiguration;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.jobs.KillHarness;
import org.drmsbatch.jobs.stage.TapedUnits;
import org.drmsbatch.sums.tape.TapeArchive;
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
 * Remote partitioning against a real RabbitMQ, with this test's context as the manager and {@code drms worker}
 * processes on loopback as the workers, all on one database and one home (the shared partitions); the manager and
 * the workers reach the broker through a {@link BrokerProxy} so that a test can drop their connections.
 * {@code drms.cluster.reassign} is off here: see {@link ClusterReassignTest}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = {
        FaultInjectionTestConfiguration.PROPERTY, "drms.cluster.enabled=true", "drms.cluster.heartbeat=500ms",
        "drms.cluster.dead-after=3s", "drms.cluster.poll-interval=100ms", "drms.cluster.send-timeout=60s",
        "drms.tape.time-scale=0", "drms.tape.drives=2", "drms.tape.volume-capacity=40KB"})
class ClusterTest {

    static final boolean BROKER = ClusterTests.brokerAnswers();
    static final KillHarness HARNESS = KillHarness.create("drms-cluster-test");
    static final String QUEUE = ClusterTests.newQueue();
    static final int RECORDS = 16;
    static BrokerProxy proxy;
    static ClusterTests.WorkerProcesses workers;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws Exception {
        proxy = new BrokerProxy(ClusterTests.BROKER_HOST, ClusterTests.BROKER_PORT);
        String tape = HARNESS.home().resolve("tape").toString();
        registry.add("drms.tape.directory", () -> tape);
        workers = ClusterTests.register(registry, HARNESS, "amqp://127.0.0.1:" + proxy.port() + "/", QUEUE,
                "drms.tape.directory=" + tape, "drms.tape.time-scale=0", "drms.tape.drives=2",
                "drms.tape.volume-capacity=40KB");
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
    @Autowired
    TapeArchive archive;

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
        proxy.resume();
    }

    @AfterAll
    static void deleteQueue() throws Exception {
        if (BROKER) {
            proxy.close();
            ClusterTests.deleteQueue(QUEUE);
        }
    }


    long committed(long execution) {
        return jobs.view(execution).steps().stream().filter(s -> s.name().startsWith("rescaleWorker:"))
                .mapToLong(JobRun.Step::write).sum();
    }

    @Test
    void twoWorkersRescaleEveryRecordOnce() throws Exception {
        // given 16 images and two workers
        images();
        workers.start();
        workers.start();

        // when a rescale sends its 4 partitions to the cluster, and another host sweeps (as at its start-up) while
        // the workers' sessions are open
        JobRun run = jobs.start("rescale", ClusterTests.remoteRescale("clu.two", 4, 150));
        ClusterTests.await("a committed chunk", 120, () -> committed(run.executionId()) >= 2);
        int sweeps = 0;
        while (!jobs.view(run.executionId()).ended()) {
            assertThat(drms.sweep()).as("units the sweep removed while the workers' sessions were open").isEmpty();
            sweeps++;
        }
        JobRun done = JobTests.awaitEnd(jobs, run.executionId(), 180);
        assertThat(sweeps).isPositive();

        // then it completes with one clone per record, -2x + 1, made by both workers
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        ClusterTests.exactlyOneRescaledClonePerRecord(drms, jdbc, "clu.two", RECORDS);
        assertThat(done.steps().stream().filter(s -> s.name().startsWith("rescaleWorker:")).toList())
                .hasSize(4).allSatisfy(s -> assertThat(s.status()).isEqualTo("COMPLETED"));
        List<String> ran = jdbc.queryForList("""
                SELECT DISTINCT worker_id FROM drms.cluster_partition WHERE job_execution_id = ?""", String.class,
                run.executionId());
        assertThat(ran).as("the workers that ran a partition").hasSize(2);
        assertThat(done.exitDescription()).contains(RECORDS + " clones made in this execution");
    }

    @Test
    void aWorkerKilledMidPartitionFailsTheJobWithTheReasonAndARestartFinishesIt() throws Exception {
        // given one worker running a slow rescale of 2 partitions
        images();
        ChildJvm worker = workers.start();
        JobRun run = jobs.start("rescale", ClusterTests.remoteRescale("clu.killed", 2, 300));
        ClusterTests.await("a committed chunk", 120, () -> committed(run.executionId()) >= 2);

        // when the worker is killed (SIGKILL) mid-partition
        workers.kill(worker);

        // then the manager notices within dead-after and the job fails saying which worker stopped
        JobRun failed = JobTests.awaitEnd(jobs, run.executionId(), 60);
        assertThat(failed.status()).isEqualTo("FAILED");
        assertThat(failed.exitDescription()).contains("stopped answering").contains("drms.cluster.dead-after")
                .contains("pid " + worker.process().pid());
        long before = committed(run.executionId());
        assertThat(before).isGreaterThanOrEqualTo(2).isLessThan(RECORDS);
        assertThat(jdbc.queryForObject("SELECT state FROM drms.cluster_worker WHERE pid = ?", String.class,
                worker.process().pid())).isEqualTo("dead");

        // and restarted with a new worker, it ends with exactly one clone per record
        workers.start();
        JobRun done = KillHarness.restart(jobs, run.executionId(), Map.of("delay", "0"));
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        ClusterTests.exactlyOneRescaledClonePerRecord(drms, jdbc, "clu.killed", RECORDS);
        assertThat(KillHarness.orphansAfterSweep(drms, jdbc)).as("units no row owns").isEmpty();
    }

    @Test
    void aWorkerStoppedMidPartitionEndsItWithinItsGraceFirst() throws Exception {
        // given one worker with a minute's stop-grace running a slow rescale of one partition: 16 x 600 ms, so that
        // after the first commit it has longer to go than the 5 s a listener container waits by itself when it stops
        images();
        ChildJvm worker = workers.start("drms.cluster.stop-grace=60s");
        JobRun run = jobs.start("rescale", ClusterTests.remoteRescale("clu.graceful", 1, 600));
        ClusterTests.await("a committed chunk", 120, () -> committed(run.executionId()) >= 2);

        // when it is stopped (SIGTERM, as a scale-down or docker stop does) mid-partition
        int exit = workers.stop(worker);

        // then it ended its partition before it exited: the job completes with exactly one clone per record
        assertThat(exit).as("exit code after SIGTERM").isEqualTo(143);
        assertThat(committed(run.executionId())).isEqualTo(RECORDS);
        JobRun done = JobTests.awaitEnd(jobs, run.executionId(), 60);
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        ClusterTests.exactlyOneRescaledClonePerRecord(drms, jdbc, "clu.graceful", RECORDS);
        assertThat(jdbc.queryForObject("SELECT state FROM drms.cluster_worker WHERE pid = ?", String.class,
                worker.process().pid())).isEqualTo("stopped");
    }

    @Test
    void aWorkerStoppedPastItsGraceHandsItsPartitionBackAfterAChunkAndTheJobStops() throws Exception {
        // given one worker without stop-grace running a slow rescale of one partition
        images();
        ChildJvm worker = workers.start("drms.cluster.stop-grace=0s");
        JobRun run = jobs.start("rescale", ClusterTests.remoteRescale("clu.handed", 1, 300));
        ClusterTests.await("a committed chunk", 120, () -> committed(run.executionId()) >= 2);

        // when it is stopped (SIGTERM) mid-partition
        assertThat(workers.stop(worker)).as("exit code after SIGTERM").isEqualTo(143);

        // then the partition stopped after a whole chunk, and the job ends STOPPED at once (not after dead-after)
        // saying why, the worker not declared dead
        JobRun stopped = JobTests.awaitEnd(jobs, run.executionId(), 60);
        assertThat(stopped.status()).as("%s", stopped).isEqualTo("STOPPED");
        assertThat(stopped.exitDescription()).contains("handed back by worker").contains("pid " + worker.process().pid())
                .contains("drms.cluster.stop-grace");
        long before = committed(run.executionId());
        assertThat(before).isGreaterThanOrEqualTo(2).isLessThan(RECORDS);
        assertThat(before % 2).as("whole chunks of 2").isZero();
        assertThat(jdbc.queryForObject("SELECT state FROM drms.cluster_worker WHERE pid = ?", String.class,
                worker.process().pid())).isEqualTo("stopped");

        // and restarted with a new worker, it ends with exactly one clone per record
        workers.start();
        JobRun done = KillHarness.restart(jobs, run.executionId(), Map.of("delay", "0"));
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        ClusterTests.exactlyOneRescaledClonePerRecord(drms, jdbc, "clu.handed", RECORDS);
        assertThat(KillHarness.orphansAfterSweep(drms, jdbc)).as("units no row owns").isEmpty();
    }

    @Test
    void theBrokerConnectionDroppedMidRunLosesNoPartition() throws Exception {
        // given two workers running a rescale of 4 partitions
        images();
        workers.start();
        workers.start();
        JobRun run = jobs.start("rescale", ClusterTests.remoteRescale("clu.dropped", 4, 150));
        ClusterTests.await("a committed chunk", 120, () -> committed(run.executionId()) >= 2);

        // when every broker connection (the manager's and the workers') drops, and the broker is back 2 s later
        proxy.drop();
        Thread.sleep(2_000); // the outage itself: nothing to wait for
        proxy.resume();

        // then the job completes with exactly one clone per record
        JobRun done = JobTests.awaitEnd(jobs, run.executionId(), 180);
        assertThat(proxy.dropped()).as("connections dropped").isPositive();
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        ClusterTests.exactlyOneRescaledClonePerRecord(drms, jdbc, "clu.dropped", RECORDS);
    }

    @Test
    void aWorkerWithoutThePartitionPathRefusesThePartitionWithTheReason() throws Exception {
        // given the only worker is on a host whose SUMS partition is not there
        images();
        String missing = HARNESS.home().resolve("not-mounted").resolve("SUM0").toString();
        workers.start("drms.partitions=" + missing);

        // when a rescale sends it its partition
        JobRun run = jobs.start("rescale", ClusterTests.remoteRescale("clu.refused", 1, 0));
        JobRun failed = JobTests.awaitEnd(jobs, run.executionId(), 60);

        // then the job fails with the worker's reason, and nothing was written
        assertThat(failed.status()).isEqualTo("FAILED");
        assertThat(failed.exitDescription()).contains("refused by worker")
                .contains("SUMS partition not-mounted/SUM0 does not exist on this host"); // shown relative to drms.home
        assertThat(jdbc.queryForObject("SELECT state FROM drms.cluster_worker WHERE worker_id = "
                + "(SELECT refused_by FROM drms.cluster_partition WHERE job_execution_id = ?)", String.class,
                run.executionId())).isEqualTo("refusing");
        assertThat(committed(run.executionId())).isZero();
        assertThat(java.nio.file.Files.exists(java.nio.file.Path.of(missing))).as("the worker created no partition")
                .isFalse();
    }

    @Test
    void theStageJobsDrivesRunOnTheWorkers() throws Exception {
        // given 6 archived units taken offline, on two volumes, and two workers that reach the tape library
        List<Long> sunums = TapedUnits.create(drms, "clu.taped", 1, 6);
        Map<Long, Map<String, byte[]>> archived = TapedUnits.files(drms, sunums);
        TapedUnits.archive(drms, archive, sunums, 1);
        TapedUnits.takeOffline(drms, jdbc, sunums);
        workers.start();
        workers.start();

        // when a stage of them sends its drives' partitions to the cluster
        String list = String.join(",", sunums.stream().map(String::valueOf).toList());
        JobRun done = JobTests.awaitEnd(jobs, jobs.start("stage", Map.of("sunum", list, "remote", "true"))
                .executionId(), 120);

        // then every unit is back online with the archived bytes, staged by the workers
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        assertThat(done.exitDescription()).startsWith("6 storage units requested: 6 staged from tape");
        Map<Long, Map<String, byte[]>> now = TapedUnits.files(drms, sunums);
        for (long sunum : sunums) {
            assertThat(jdbc.queryForObject("SELECT online_status FROM sums.sum_main WHERE ds_index = ?",
                    String.class, sunum)).isEqualTo("Y");
            archived.get(sunum).forEach((name, bytes) ->
                    assertThat(now.get(sunum).get(name)).as("%s of %d", name, sunum).isEqualTo(bytes));
        }
        assertThat(jdbc.queryForObject("""
                SELECT count(*) FROM drms.cluster_partition WHERE job_execution_id = ? AND worker_id IS NOT NULL""",
                Long.class, done.executionId())).as("partitions the workers ran").isPositive();
    }

    @Test
    void aServerThatIsAlsoAWorkerTakesPartitions() throws Exception {
        // given drms serve --worker as the only worker
        images();
        ChildJvm server = workers.start(List.of("serve", "--port", "0", "--worker"));

        // when a rescale sends it 2 partitions
        JobRun done = JobTests.awaitEnd(jobs, jobs.start("rescale", ClusterTests.remoteRescale("clu.served", 2, 0)).executionId(), 120);

        // then the server ran them
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        ClusterTests.exactlyOneRescaledClonePerRecord(drms, jdbc, "clu.served", RECORDS);
        assertThat(jdbc.queryForList("""
                SELECT DISTINCT w.pid FROM drms.cluster_partition p JOIN drms.cluster_worker w USING (worker_id)
                WHERE p.job_execution_id = ?""", Long.class, done.executionId()))
                .containsExactly(server.process().pid());
    }
}
