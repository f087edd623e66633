package org.drmsbatch.jobs.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import nom.tam.fits.Fits;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.SeriesCatalog;
import org.drmsbatch.drms.query.RecordSets;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.jobs.FaultInjectionTestConfiguration;
import org.drmsbatch.jobs.KillHarness;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRequestException;
import org.drmsbatch.schedules.JobRun;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Pipelines ({@code drms.pipelines}) of three rescale steps, each taking the records the step before it made: a
 * pipeline runs as a job like any other and chains the record sets; one whose step names no job is refused at its
 * launch; and one killed (SIGKILL, in a child JVM) in its third step is restarted without redoing the first two,
 * ending with exactly one record per input record in each step's output.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE,
        properties = {FaultInjectionTestConfiguration.PROPERTY,
                // one job thread: a pipeline and its step's job take one (no pipeline waits for a thread it holds)
                "drms.jobs.threads=1",
                "drms.pipelines.chain.steps[0].job=rescale",
                "drms.pipelines.chain.steps[0].parameters.ds=pipe.in",
                "drms.pipelines.chain.steps[0].parameters.out=pipe.a",
                "drms.pipelines.chain.steps[0].parameters.alpha=2",
                "drms.pipelines.chain.steps[1].job=rescale",
                "drms.pipelines.chain.steps[1].parameters.out=pipe.b",
                "drms.pipelines.chain.steps[1].parameters.beta=1",
                "drms.pipelines.chain.steps[2].job=rescale",
                "drms.pipelines.chain.steps[2].parameters.out=pipe.c",
                "drms.pipelines.chain.steps[2].parameters.alpha=-1",
                "drms.pipelines.broken.steps[0].job=rescale",
                "drms.pipelines.broken.steps[0].parameters.ds=pipe.in",
                "drms.pipelines.broken.steps[1].job=nosuchjob",
                "drms.pipelines.flaky.steps[0].job=rescale",
                "drms.pipelines.flaky.steps[0].parameters.ds=fl.in",
                "drms.pipelines.flaky.steps[0].parameters.out=fl.a",
                "drms.pipelines.flaky.steps[0].parameters.chunkSize=1",
                "drms.pipelines.flaky.steps[0].parameters.failAt=3,java.lang.Long,false",
                "drms.pipelines.flaky.steps[1].job=rescale",
                "drms.pipelines.flaky.steps[1].parameters.out=fl.b",
                "drms.pipelines.second.steps[0].job=rescale",
                "drms.pipelines.second.steps[0].parameters.ds=tw.in",
                "drms.pipelines.second.steps[0].parameters.out=tw.a",
                "drms.pipelines.second.steps[1].job=rescale",
                "drms.pipelines.second.steps[1].parameters.out=tw.b",
                "drms.pipelines.second.steps[1].parameters.chunkSize=1",
                "drms.pipelines.second.steps[1].parameters.failAt=2,java.lang.Long,false",
                "drms.pipelines.stoppable.steps[0].job=rescale",
                "drms.pipelines.stoppable.steps[0].parameters.ds=sp.in",
                "drms.pipelines.stoppable.steps[0].parameters.out=sp.a",
                "drms.pipelines.stoppable.steps[0].parameters.chunkSize=1",
                "drms.pipelines.stoppable.steps[0].parameters.delay=150,java.lang.Long,false",
                "drms.pipelines.stoppable.steps[1].job=rescale",
                "drms.pipelines.stoppable.steps[1].parameters.out=sp.b",
        })
class PipelineJobTest {

    /** The kill test's pipeline (in this context and the child JVM's): its third step slow. */
    static final String[] PIPELINES = {
        "drms.pipelines.slow.steps[0].job=rescale",
        "drms.pipelines.slow.steps[0].parameters.ds=slow.in",
        "drms.pipelines.slow.steps[0].parameters.out=slow.a",
        "drms.pipelines.slow.steps[0].parameters.alpha=2",
        "drms.pipelines.slow.steps[1].job=rescale",
        "drms.pipelines.slow.steps[1].parameters.out=slow.b",
        "drms.pipelines.slow.steps[1].parameters.alpha=2",
        "drms.pipelines.slow.steps[2].job=rescale",
        "drms.pipelines.slow.steps[2].parameters.out=slow.c",
        "drms.pipelines.slow.steps[2].parameters.alpha=2",
        "drms.pipelines.slow.steps[2].parameters.chunkSize=2",
        "drms.pipelines.slow.steps[2].parameters.delay=60,java.lang.Long,false",
    };

    static final KillHarness HARNESS = KillHarness.create("drms-pipeline-test");
    static final int RECORDS = 20;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        HARNESS.register(registry);
        for (String p : PIPELINES) {
            int eq = p.indexOf('=');
            registry.add(p.substring(0, eq), () -> p.substring(eq + 1));
        }
    }

    @Autowired
    JobControl jobs;
    @Autowired
    Drms drms;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    JobRepository repository;
    @Autowired
    RecordSets recordSets;

    static String jsd(String series) {
        return """
                Seriesname: %s
                Unitsize: 4
                PrimeKeys: CHUNK
                Keyword: CHUNK, int, variable, record, DRMS_MISSING_VALUE, %%d, none, "chunk"
                Data: strain, vardim, double, 1, 0, strain, fits, "", 0.0, 1.0, "samples"
                """.formatted(series);
    }

    /** {@code n} records of 500 samples, record i's sample k sin(0.01 k (i+1)); their samples by recnum. */
    Map<Long, double[]> input(String series, int n) throws Exception {
        drms.createSeries(new JsdParser().parse(series + ".jsd", jsd(series)), false);
        drms.inSession(s -> {
            List<Record> rs = s.create(series, n);
            for (int i = 0; i < n; i++) {
                double[] h = new double[500];
                for (int k = 0; k < h.length; k++) {
                    h[k] = Math.sin(0.01 * k * (i + 1));
                }
                rs.get(i).set("CHUNK", i);
                rs.get(i).write("strain", SegmentArray.ofDoubles(h, h.length));
            }
            s.close(rs, DrmsSession.Action.INSERT);
            return null;
        });
        Map<Long, double[]> samples = new HashMap<>();
        for (Record r : drms.read(s -> s.open(series, 0))) {
            samples.put(r.recnum(), samples(r.segmentPath("strain")));
        }
        return samples;
    }

    static double[] samples(Path fits) throws Exception {
        try (Fits f = new Fits(fits.toFile())) {
            return (double[]) f.readHDU().getKernel();
        }
    }

    long rows(String series) {
        return jdbc.queryForObject("SELECT count(*) FROM " + SeriesCatalog.table(drms.describeSeries(series)),
                Long.class);
    }

    long rescaleExecutions() {
        return jdbc.queryForObject("SELECT count(*) FROM batch_job_execution e JOIN batch_job_instance i"
                + " ON i.job_instance_id = e.job_instance_id WHERE i.job_name = 'rescale'", Long.class);
    }

    /** Each record of {@code out} traced back through {@code chain} (the series before it) to its input's samples. */
    void assertOnePerInput(List<String> chain, Map<Long, double[]> inputs, double alpha, double beta)
            throws Exception {
        String last = chain.get(chain.size() - 1);
        assertThat(rows(last)).as("rows of %s (none made twice)", last).isEqualTo(inputs.size());
        List<Record> out = recordSets.open(last + "[? SRC_RECNUM > 0 ?]", 0);
        assertThat(out).hasSize(inputs.size());
        java.util.Set<Long> sources = new java.util.HashSet<>();
        for (Record r : out) {
            long recnum = r.recnum();
            for (int i = chain.size() - 1; i > 0; i--) {
                String series = chain.get(i);
                long rn = recnum;
                Record rec = recordSets.open(series + "[:#" + rn + "]", 0).get(0);
                recnum = rec.getLong("SRC_RECNUM");
            }
            sources.add(recnum);
            double[] x = inputs.get(recnum);
            assertThat(x).as("source of %s[:#%d]", last, r.recnum()).isNotNull();
            double[] y = samples(r.segmentPath("strain"));
            for (int k = 0; k < x.length; k += 50) {
                assertThat(y[k]).isCloseTo(alpha * x[k] + beta, org.assertj.core.data.Offset.offset(1e-12));
            }
        }
        assertThat(sources).hasSize(inputs.size());
    }

    @Test
    void aPipelineRunsItsStepsAsAJobEachTakingTheRecordsTheStepBeforeItMade() throws Exception {
        // given 6 records
        Map<Long, double[]> inputs = input("pipe.in", 6);

        // when the pipeline chain (x2, +1, x-1) runs as a job
        JobRun run = jobs.runToEnd("chain", Map.of(), Duration.ofSeconds(60));

        // then it completed its three steps, each one child rescale
        assertThat(run.status()).as("%s", run).isEqualTo("COMPLETED");
        assertThat(run.steps()).extracting(JobRun.Step::name)
                .containsExactly("step1.rescale", "step2.rescale", "step3.rescale");
        assertThat(run.parameters()).containsKey("run");
        // and each step's output is the next step's input: pipe.c holds -(2x + 1) of each input record, once
        assertThat(rows("pipe.a")).isEqualTo(6);
        assertThat(rows("pipe.b")).isEqualTo(6);
        assertOnePerInput(List.of("pipe.in", "pipe.a", "pipe.b", "pipe.c"), inputs, -2, -1);
        // and the pipeline names its output: the last step's records
        String output = repository.getJobExecution(run.executionId()).getExecutionContext()
                .getString(PipelineJobs.OUTPUT);
        assertThat(output).startsWith("pipe.c[? JOB_EXEC IN (");
        List<Record> named = recordSets.open(output, 0);
        assertThat(named).hasSize(6);

        // and a second run is a new instance (a fresh run), its children new instances too
        JobRun again = jobs.runToEnd("chain", Map.of(), Duration.ofSeconds(60));
        assertThat(again.status()).as("%s", again).isEqualTo("COMPLETED");
        assertThat(again.instanceId()).isNotEqualTo(run.instanceId());
        assertThat(rows("pipe.c")).as("rows of pipe.c: two versions of each record").isEqualTo(12);
    }

    @Test
    void aPipelineWhoseStepNamesNoJobIsRefusedAtItsLaunch() {
        assertThat(jobs.jobNames()).contains("chain", "broken", "slow", "rescale");
        assertThatThrownBy(() -> jobs.start("broken", Map.of()))
                .isInstanceOf(JobRequestException.class)
                .hasMessageContaining("pipeline 'broken' runs job 'nosuchjob', which does not exist");
    }

    @Test
    void aPipelineKilledInItsThirdStepIsRestartedWithoutRedoingTheFirstTwo() throws Exception {
        // given 20 records
        Map<Long, double[]> inputs = input("slow.in", RECORDS);

        // when the pipeline slow is killed (SIGKILL) in its third step, after 2 chunks of 2 records
        long killed = HARNESS.killAt(KillHarness.COMMITTED, PipelineJobChild.class, "2");

        // then it was left STARTED in its third step, the first two completed
        JobRun left = jobs.view(killed);
        assertThat(left.status()).isEqualTo("STARTED");
        assertThat(left.steps()).extracting(JobRun.Step::name, JobRun.Step::status).containsExactly(
                org.assertj.core.groups.Tuple.tuple("step1.rescale", "COMPLETED"),
                org.assertj.core.groups.Tuple.tuple("step2.rescale", "COMPLETED"),
                org.assertj.core.groups.Tuple.tuple("step3.rescale", "STARTED"));
        long rescalesBefore = rescaleExecutions();
        long partial = rows("slow.c");
        assertThat(partial).isGreaterThanOrEqualTo(4).isLessThan(RECORDS);

        // and its restart runs only the third step, whose rescale resumes after its last committed chunk
        JobRun done = KillHarness.restart(jobs, killed, Map.of());
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        assertThat(done.steps()).extracting(JobRun.Step::name).containsExactly("step3.rescale");
        assertThat(rescaleExecutions()).as("one rescale execution more: the third step's, restarted")
                .isEqualTo(rescalesBefore + 1);
        JobRun child = jobs.recent("rescale", 1).get(0);
        assertThat(child.parameters()).containsEntry("out", "slow.c");
        assertThat(child.steps().stream().filter(s -> s.name().startsWith("rescaleWorker:"))
                .mapToLong(JobRun.Step::write).sum()).isEqualTo(RECORDS - partial);

        // with exactly one record per input in each step's output, slow.c holding 8x
        assertThat(rows("slow.a")).isEqualTo(RECORDS);
        assertThat(rows("slow.b")).isEqualTo(RECORDS);
        assertOnePerInput(List.of("slow.in", "slow.a", "slow.b", "slow.c"), inputs, 8, 0);
        assertThat(KillHarness.orphansAfterSweep(drms, jdbc)).isEmpty();
    }

    @Test
    void retryFailedReRunsExactlyTheRecordsThatFailed() throws Exception {
        // given 5 records, and the pipeline flaky failing at the 3rd record of its first step (chunks of 1)
        Map<Long, double[]> inputs = input("fl.in", 5);
        JobRun failed = jobs.runToEnd("flaky", Map.of(), Duration.ofSeconds(60));
        assertThat(failed.status()).isEqualTo("FAILED");
        assertThat(rows("fl.a")).isEqualTo(2);
        List<Long> failedRecnums = jdbc.queryForList("SELECT recnum FROM status.record_step WHERE series = 'fl.in'"
                + " AND step = 'flaky:step1.rescale' AND state = 'failed'", Long.class);
        assertThat(failedRecnums).hasSize(1);

        // when it is run again with retry=failed
        JobRun retried = jobs.runToEnd("flaky", Map.of("retry", "failed"), Duration.ofSeconds(60));

        // then it completed, its first step having rescaled exactly the failed record, its second only that clone
        assertThat(retried.status()).as("%s", retried).isEqualTo("COMPLETED");
        assertThat(rows("fl.a")).isEqualTo(3);
        assertThat(rows("fl.b")).isEqualTo(1);
        Record b = recordSets.open("fl.b[? SRC_RECNUM > 0 ?]", 0).get(0);
        long a = b.getLong("SRC_RECNUM");
        assertThat(recordSets.open("fl.a[:#" + a + "]", 0).get(0).getLong("SRC_RECNUM"))
                .isEqualTo(failedRecnums.get(0));
        assertThat(jdbc.queryForObject("SELECT count(*) FROM status.record_step WHERE series = 'fl.in'"
                + " AND state = 'good'", Long.class)).isEqualTo(3);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM status.record_step WHERE series = 'fl.in'"
                + " AND state = 'failed'", Long.class)).isZero();
        assertThat(inputs).containsKey(failedRecnums.get(0));

        // and with nothing failed a retry says so; a retry other than failed is refused at launch
        JobRun nothing = jobs.runToEnd("flaky", Map.of("retry", "failed"), Duration.ofSeconds(60));
        assertThat(nothing.status()).isEqualTo("FAILED");
        assertThat(nothing.exitDescription()).contains("no record failed in any step of pipeline 'flaky'",
                "nothing to retry");
        assertThatThrownBy(() -> jobs.start("flaky", Map.of("retry", "all")))
                .isInstanceOf(JobRequestException.class).hasMessageContaining("retry: 'all' is not 'failed'");
    }

    long status(String step, String state) {
        return jdbc.queryForObject("SELECT count(*) FROM status.record_step WHERE step = ? AND state = ?", Long.class,
                step, state);
    }

    @Test
    void eachStepKeepsItsRecordsStatusAndRetryFailedTakesEachStepsFailedRecordsOnly() throws Exception {
        // given 4 records, and the pipeline second failing at the 2nd record of its second step (chunks of 1)
        input("tw.in", 4);
        JobRun failed = jobs.runToEnd("second", Map.of(), Duration.ofSeconds(60));
        assertThat(failed.status()).isEqualTo("FAILED");

        // then each step kept its records' status under its own name: step 1 all good; step 2 one good, one failed
        // with the reason, the two it never reached still queued
        assertThat(status("second:step1.rescale", "good")).isEqualTo(4);
        assertThat(status("second:step2.rescale", "good")).isEqualTo(1);
        assertThat(status("second:step2.rescale", "failed")).isEqualTo(1);
        assertThat(status("second:step2.rescale", "queued")).isEqualTo(2);
        assertThat(jdbc.queryForObject("SELECT reason FROM status.record_step WHERE step = 'second:step2.rescale'"
                + " AND state = 'failed'", String.class)).contains("failing at item 2");
        long failedA = jdbc.queryForObject("SELECT recnum FROM status.record_step WHERE step = 'second:step2.rescale'"
                + " AND state = 'failed'", Long.class);
        long aRows = rows("tw.a");

        // when it is run again with retry=failed
        JobRun retried = jobs.runToEnd("second", Map.of("retry", "failed"), Duration.ofSeconds(60));

        // then step 1, where nothing failed, was passed; step 2 rescaled exactly the record that failed in it
        assertThat(retried.status()).as("%s", retried).isEqualTo("COMPLETED");
        assertThat(retried.steps()).extracting(JobRun.Step::name, JobRun.Step::exitCode).containsExactly(
                org.assertj.core.groups.Tuple.tuple("step1.rescale", "COMPLETED"),
                org.assertj.core.groups.Tuple.tuple("step2.rescale", "COMPLETED"));
        assertThat(rows("tw.a")).as("step 1 made nothing new").isEqualTo(aRows);
        assertThat(rows("tw.b")).isEqualTo(2);
        assertThat(jdbc.queryForList("SELECT src_recnum FROM tw.b", Long.class)).contains(failedA);
        assertThat(status("second:step2.rescale", "good")).isEqualTo(2);
        assertThat(status("second:step2.rescale", "failed")).isZero();
        assertThat(status("second:step2.rescale", "queued")).as("never reached, never failed: not retried")
                .isEqualTo(2);
    }

    @Test
    void stoppingAPipelineStopsTheJobOfItsStepAndARestartGoesOn() throws Exception {
        // given 12 records, and the pipeline stoppable (its first step slow) running
        Map<Long, double[]> inputs = input("sp.in", 12);
        JobRun started = jobs.start("stoppable", Map.of());
        JobRun child = awaitChild("rescale", started);
        await(Duration.ofSeconds(30), () -> status("stoppable:step1.rescale", "good") >= 1 ? true : null);

        // when the pipeline is stopped
        jobs.stop(started.executionId());

        // then the job of its step stopped at a chunk boundary, and the pipeline ended STOPPED, without its 2nd step
        JobRun stopped = org.drmsbatch.jobs.JobTests.awaitEnd(jobs, started.executionId(), 60);
        assertThat(stopped.status()).as("%s", stopped).isEqualTo("STOPPED");
        assertThat(jobs.view(child.executionId()).status()).isEqualTo("STOPPED");
        assertThat(stopped.steps()).extracting(JobRun.Step::name).containsExactly("step1.rescale");
        long made = rows("sp.a");
        assertThat(made).isPositive().isLessThan(12);
        assertThat(status("stoppable:step1.rescale", "good")).isEqualTo(made);

        // and its restart resumes the same job instance and completes, one record per input in each step
        JobRun done = org.drmsbatch.jobs.JobTests.awaitEnd(jobs,
                jobs.restart(started.executionId(), Map.of()).executionId(), 120);
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        assertThat(jobs.recent("rescale", 2)).extracting(JobRun::instanceId).contains(child.instanceId());
        assertThat(rows("sp.a")).isEqualTo(12);
        assertOnePerInput(List.of("sp.in", "sp.a", "sp.b"), inputs, 1, 0);
    }

    /** The rescale execution the pipeline execution's first step started, once it runs. */
    JobRun awaitChild(String job, JobRun pipeline) throws InterruptedException {
        return await(Duration.ofSeconds(30), () -> jobs.recent(job, 5).stream()
                .filter(r -> r.parameters().getOrDefault("run", "").startsWith("stoppable-")
                        && r.status().equals("STARTED")).findFirst().orElse(null));
    }

    /** The first non-null value of {@code value}, polled every 50 ms; fails after {@code timeout}. */
    static <T> T await(Duration timeout, java.util.function.Supplier<T> value) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T v = value.get();
            if (v != null) {
                return v;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not reached within " + timeout);
            }
            Thread.sleep(50);
        }
    }
}
