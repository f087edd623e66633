package org.drmsbatch.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import nom.tam.fits.Fits;
import nom.tam.util.ArrayFuncs;
import org.drmsbatch.bench.Bench;
import org.drmsbatch.config.ClusterProperties;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.SeriesCatalog;
import org.drmsbatch.drms.query.RecordSets;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.jobs.KillHarness;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.drmsbatch.sums.Sums;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * The rescale job over the cluster (README "Cluster"): 64 &times; 4096&sup2; float32 images (4.3 GB;
 * {@code -Dbench.images=N} for fewer) rescaled in this process (2 partitions on 2 threads; 1 thread too) and by 1, 2
 * and 3 {@code drms worker} processes on loopback through the real RabbitMQ (6 partitions, so that each worker count
 * divides them), all on one database, one home and one disk; then, apart, what a partition costs on the cluster:
 * 64 small images (64&times;64) in 8 and in 64 partitions on one worker, next to 1 and 8 partitions in this process.
 * Skipped, saying so, where no broker answers (as the cluster tests).
 *
 * <p>The worker processes are started once, before the rounds, and stay up (warm) across them: the first set (1
 * worker) on one queue, the second (2 workers) on a second queue and the third (3 workers) on a third; the side of a
 * round points this process, the manager, at that side's queue (a {@link Broker} whose queue the benchmark switches),
 * so that exactly that many workers take its partitions. JVM start-up is never timed. A side's figure is the job's
 * wall time (its start to its end in the job repository, every step), and each run's output is checked: exactly one
 * clone per input record (SQL counts over every version of the output series) and three records' files read back
 * with nom-tam-fits equal to 2.5 x &minus; 1 of the input; the output series is deleted after each run (not timed).
 * The cluster's timing knobs are set for a benchmark: {@code poll-interval=100ms} (how often the manager looks for
 * its partitions' ends), {@code heartbeat=1s}, {@code dead-after=60s} (a worker slowed by the disk is not declared
 * dead); each worker JVM gets {@code -Xmx1536m} ({@code -Dbench.worker-heap}): six of them with the default heap, a
 * quarter of the RAM each, are more than the machine has. Run with
 * {@code ./mvnw -o -Pbench test -Dtest=ClusterBenchmark}.
 */
@Tag("benchmark")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = {"drms.cluster.enabled=true",
        "drms.cluster.heartbeat=1s", "drms.cluster.dead-after=60s", "drms.cluster.poll-interval=100ms",
        "drms.cluster.send-timeout=60s"})
class ClusterBenchmark {

    static final boolean BROKER = ClusterTests.brokerAnswers();
    static final int IMAGES = Integer.getInteger("bench.images", 64);
    static final int SIDE = 4096;
    static final int REMOTE_PARTITIONS = 6;
    /** Each worker's heap: six of them share the machine (with the JVM default, a quarter of RAM each, they do not). */
    static final String WORKER_HEAP = System.getProperty("bench.worker-heap", "1536m");
    static final int SMALL = 64;
    static final String SERIES = "clb.img";
    static final String SMALL_SERIES = "clb.small";
    static final String BROKER_URL = ClusterTests.brokerUrl();
    static final KillHarness HARNESS = KillHarness.create("drms-cluster-bench");
    /** The queue of the set of 1, 2 and 3 workers. */
    static final List<String> QUEUES = List.of(ClusterTests.newQueue(), ClusterTests.newQueue(),
            ClusterTests.newQueue());
    static final List<ClusterTests.WorkerProcesses> SETS = new ArrayList<>();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        HARNESS.register(registry);
        registry.add("drms.cluster.broker-url", () -> BROKER_URL);
        registry.add("drms.cluster.queue", () -> QUEUES.get(0));
    }

    /** The manager's broker, pointed at one set of workers' queue at a time. */
    @TestConfiguration(proxyBeanMethods = false)
    static class Queues {
        @Bean
        @Primary
        SwitchedBroker switchedBroker(CachingConnectionFactory clusterConnections, ClusterProperties properties) {
            Map<String, Broker> byQueue = new HashMap<>();
            for (String q : QUEUES) {
                byQueue.put(q, new Broker(new RabbitTemplate(clusterConnections), q, properties.sendTimeout(),
                        JsonMapper.builder().build(), properties.shownBroker()));
            }
            return new SwitchedBroker(byQueue, properties);
        }
    }

    static final class SwitchedBroker extends Broker {
        private final Map<String, Broker> byQueue;
        private volatile String queue = QUEUES.get(0);

        SwitchedBroker(Map<String, Broker> byQueue, ClusterProperties properties) {
            super(null, QUEUES.get(0), properties.sendTimeout(), JsonMapper.builder().build(),
                    properties.shownBroker());
            this.byQueue = byQueue;
        }

        void use(String q) {
            queue = q;
        }

        @Override
        public String queue() {
            return queue;
        }

        @Override
        public void send(PartitionRequest request) throws InterruptedException {
            byQueue.get(queue).send(request);
        }
    }

    @BeforeAll
    static void broker() {
        assumeTrue(BROKER, ClusterTests.SKIPPED);
    }

    @AfterAll
    static void cleanUp() throws Exception {
        for (ClusterTests.WorkerProcesses w : SETS) {
            w.close();
        }
        if (BROKER) {
            QUEUES.forEach(ClusterTests::deleteQueue);
        }
        Sums.deleteTree(HARNESS.home());
    }

    @Autowired
    Drms drms;
    @Autowired
    JobControl jobs;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    SwitchedBroker broker;

    int runs;
    /** The partition timings of every checked remote run of the large images, by side. */
    final Map<String, List<Timing>> timings = new HashMap<>();

    @Test
    void rescaleOnOneTwoAndThreeWorkersNextToOneProcess() throws Exception {
        System.out.println("ClusterBenchmark: disk before the fixture: " + free());
        long t0 = System.nanoTime();
        images(SERIES, IMAGES, SIDE);
        images(SMALL_SERIES, SMALL, 64);
        System.out.printf(Locale.ROOT, "ClusterBenchmark: fixture of %d x %d² written in %.1f s%n", IMAGES, SIDE,
                (System.nanoTime() - t0) / 1e9);
        for (int set = 1; set <= 3; set++) {
            ClusterTests.WorkerProcesses w = new ClusterTests.WorkerProcesses(HARNESS.url(), HARNESS.home(),
                    BROKER_URL, QUEUES.get(set - 1), "drms.cluster.heartbeat=1s", "drms.cluster.dead-after=60s")
                    // measured workers compile as a production JVM does (not the tests' quick-start options)
                    .jvmOptions("-Xmx" + WORKER_HEAP, "-XX:TieredStopAtLevel=4", "-XX:+UseG1GC", "-XX:-UseSerialGC");
            SETS.add(w);
            for (int i = 0; i < set; i++) {
                w.start();
            }
        }
        double mb = IMAGES * (double) SIDE * SIDE * 4 / 1e6;

        Bench.Result large = new Bench("ClusterBenchmark", IMAGES + " x 4096² float32 (" + Math.round(mb)
                + " MB in, as much out); the rescale job's wall time, all steps")
                .time("one process, 1 thread", "s", () -> rescale(SERIES, IMAGES, 1, 0))
                .time("one process, 2 threads", "s", () -> rescale(SERIES, IMAGES, 2, 0))
                .time("1 worker", "s", () -> rescale(SERIES, IMAGES, REMOTE_PARTITIONS, 1))
                .time("2 workers", "s", () -> rescale(SERIES, IMAGES, REMOTE_PARTITIONS, 2))
                .time("3 workers", "s", () -> rescale(SERIES, IMAGES, REMOTE_PARTITIONS, 3))
                .compare("1 worker", "one process, 1 thread")
                .compare("2 workers", "one process, 2 threads")
                .compare("3 workers", "one process, 2 threads")
                .compare("2 workers", "1 worker")
                .compare("3 workers", "1 worker")
                .note("a ratio above 1: the first side is faster (it is the second's time / the first's)")
                .note("remote sides: " + REMOTE_PARTITIONS + " partitions, chunkSize 2, drms worker processes on"
                        + " loopback kept up across rounds, RabbitMQ on " + ClusterTests.BROKER_HOST
                        + "; one process: partitions=1 and 2 on threads; all on one disk and one PostgreSQL")
                .note("each run checked: one clone per record (SQL count of rows and of distinct N over every"
                        + " version), 3 records' files read back with nom-tam-fits = 2.5 x - 1 of the input")
                .run();

        Bench.Result small = new Bench("ClusterBenchmark-partition", SMALL + " x 64² float32 images: what a"
                + " partition costs; the rescale job's wall time, all steps")
                .rounds(7)
                .time("one process, 1 partition", "s", () -> rescale(SMALL_SERIES, SMALL, 1, 0))
                .time("one process, 8 partitions", "s", () -> rescale(SMALL_SERIES, SMALL, 8, 0))
                .time("1 worker, 8 partitions", "s", () -> rescale(SMALL_SERIES, SMALL, 8, 1))
                .time("1 worker, 64 partitions", "s", () -> rescale(SMALL_SERIES, SMALL, 64, 1))
                .compare("1 worker, 8 partitions", "one process, 8 partitions")
                .note("same checks of each run as above; one worker runs its partitions one after the other")
                .run();

        report(large, small);
    }

    /**
     * The per-partition cost and the projection to N hosts, from the two tables and the partitions' timestamps.
     */
    void report(Bench.Result large, Bench.Result small) {
        double[] r64 = small.figures("1 worker, 64 partitions");
        double[] r8 = small.figures("1 worker, 8 partitions");
        double[] l1 = small.figures("one process, 1 partition");
        double[] perPartition = new double[r64.length];
        double[] intercept = new double[r64.length];
        for (int i = 0; i < r64.length; i++) {
            perPartition[i] = (r64[i] - r8[i]) / (64 - 8);
            intercept[i] = r8[i] - 8 * perPartition[i];
        }
        List<Timing> tiny = timings.getOrDefault(SMALL_SERIES + "/64/1", List.of());
        List<Timing> one = timings.getOrDefault(SERIES + "/" + REMOTE_PARTITIONS + "/1", List.of());
        StringBuilder t = new StringBuilder("==== ClusterBenchmark: messaging overhead and projection\n");
        t.append(String.format(Locale.ROOT, "  the small images on one worker, wall = a + b x partitions (per round,"
                        + " from its 8- and 64-partition runs): b, what one partition more costs, median %.1f ms"
                        + " (%.1f–%.1f); a, the rest, median %.0f ms (%.0f–%.0f), next to %.0f ms for the whole"
                        + " job in this process with 1 partition%n", 1e3 * Bench.median(perPartition),
                1e3 * min(perPartition), 1e3 * max(perPartition), 1e3 * Bench.median(intercept),
                1e3 * min(intercept), 1e3 * max(intercept), 1e3 * Bench.median(l1)));
        if (!tiny.isEmpty()) {
            t.append(String.format(Locale.ROOT, "  from the timestamps of the 64-partition runs (%d runs, the warm-up's included; medians"
                            + " over partitions): manager's send (DB row + publish + broker confirm) %.1f ms;"
                            + " a worker's gap between its partitions (ack, next delivery, claim, step set-up) %.1f"
                            + " ms; first partition sent -> claimed %.1f ms; last partition's end -> job end %.0f"
                            + " ms (poll-interval 100 ms)%n",
                    tiny.size(), median(tiny, Timing::sendMs), median(tiny, Timing::gapMs),
                    median(tiny, Timing::firstClaimMs), median(tiny, Timing::tailMs)));
        }
        if (!one.isEmpty()) {
            double serial = median(one, x -> x.leadMs() + x.tailMs()) / 1e3;
            double busy = median(one, Timing::busyMs) / 1e3;
            double wall = large.median("1 worker");
            double o = Math.max(0, Bench.median(perPartition));
            double local = large.median("one process, 1 thread");
            t.append(String.format(Locale.ROOT, "  the 1-worker runs of the large images (median of %d, the warm-up's included): wall %.1f"
                            + " s = serial part %.2f s (job start -> first partition's start, last partition's end"
                            + " -> job end) + partitions' work %.1f s + gaps%n", one.size(), wall, serial, busy));
            t.append("  projection to N hosts, one worker each, P = N partitions: T(N) = serial + work / N +"
                    + " per-partition cost; assumes the shared storage's bandwidth grows with the hosts (each"
                    + " host's reads and writes as fast as this one's alone) and the catalog is not the limit:\n");
            for (int n : new int[] {1, 2, 4, 8, 16, 32}) {
                double tn = serial + busy / n + o;
                t.append(String.format(Locale.ROOT, "    N = %2d: %.1f s, speed-up %.1f x over one process on one"
                        + " thread (%.1f s)%n", n, tn, local / tn, local));
            }
            t.append(String.format(Locale.ROOT, "  with a shared storage no faster than this machine's one disk,"
                    + " the work does not divide: every N stays near the measured %.1f s (see the 2 and 3"
                    + " worker sides)%n", wall));
        }
        t.append("====");
        System.out.println(t);
        try {
            java.nio.file.Files.writeString(java.nio.file.Path.of("target", "bench", "ClusterBenchmark-overhead.txt"),
                    t + System.lineSeparator());
        } catch (java.io.IOException e) {
            System.out.println("(could not write target/bench/ClusterBenchmark-overhead.txt: " + e + ")");
        }
    }

    /** Where a remote run's time went, from the job repository and {@code drms.cluster_partition}. */
    record Timing(double leadMs, double tailMs, double busyMs, double gapMs, double sendMs, double firstClaimMs) {
    }

    static double median(List<Timing> ts, java.util.function.ToDoubleFunction<Timing> f) {
        return Bench.median(ts.stream().mapToDouble(f).toArray());
    }

    static double min(double[] v) {
        return java.util.Arrays.stream(v).min().orElse(Double.NaN);
    }

    static double max(double[] v) {
        return java.util.Arrays.stream(v).max().orElse(Double.NaN);
    }

    static String jsd(String name, int side) {
        return """
                Seriesname: %s
                Unitsize: 16
                PrimeKeys: N
                Keyword: N, int, variable, record, DRMS_MISSING_VALUE, %%d, none, "number"
                Keyword: DATAMIN, double, variable, record, DRMS_MISSING_VALUE, %%g, none, "min"
                Keyword: DATAMAX, double, variable, record, DRMS_MISSING_VALUE, %%g, none, "max"
                Keyword: DATAMEAN, double, variable, record, DRMS_MISSING_VALUE, %%g, none, "mean"
                Keyword: DATARMS, double, variable, record, DRMS_MISSING_VALUE, %%g, none, "rms"
                Data: image, variable, float, 2, %d, %d, DN, fits, "", 0.0, 1.0, "image"
                """.formatted(name, side, side);
    }

    /** Pixel i of image n: cheap to make, different in every image, exact in float32. */
    static float pixel(int n, int i) {
        return (float) ((i * 31L + n * 7L) % 4000) * 0.75f;
    }

    void images(String series, int records, int side) {
        drms.createSeries(new JsdParser().parse(series + ".jsd", jsd(series, side)), true);
        for (int done = 0; done < records; ) {
            int n = Math.min(records - done, 4);
            int first = done;
            drms.inSession(s -> {
                List<Record> rs = s.create(series, n);
                for (int k = 0; k < n; k++) {
                    float[] a = new float[side * side];
                    for (int i = 0; i < a.length; i++) {
                        a[i] = pixel(first + k, i);
                    }
                    rs.get(k).set("N", first + k);
                    rs.get(k).write("image", SegmentArray.ofFloats(a, side, side));
                }
                s.close(rs, DrmsSession.Action.INSERT);
                return null;
            });
            done += n;
        }
    }

    /**
     * Seconds the rescale job ran (its start to its end, all steps) into a new series, in this process
     * ({@code workers} 0) or on the set of that many workers; then its output checked and deleted.
     */
    double rescale(String series, int records, int partitions, int workers) throws Exception {
        String out = series + "_r" + (runs++);
        if (workers > 0) {
            SETS.get(workers - 1).assertAlive();
            broker.use(QUEUES.get(workers - 1));
        }
        JobRun r = JobTests.awaitEnd(jobs, jobs.start("rescale", Map.of("ds", series, "out", out, "alpha", "2.5",
                "beta", "-1", "chunkSize", "2", "partitions", Integer.toString(partitions), "remote",
                Boolean.toString(workers > 0))).executionId(), 600);
        assertThat(r.status()).as("%s", r).isEqualTo("COMPLETED");
        double seconds = (r.endTime().toEpochMilli() - r.startTime().toEpochMilli()) / 1e3;
        check(out, records);
        if (workers > 0) {
            timings.computeIfAbsent(series + "/" + partitions + "/" + workers, k -> new ArrayList<>())
                    .add(timing(r, workers));
        }
        drms.deleteSeries(out, false);
        return seconds;
    }

    /** Exactly one clone per record (SQL), and three records' files = 2.5 x - 1 read back with nom-tam-fits. */
    void check(String out, int records) throws Exception {
        Map<String, Object> counts = jdbc.queryForMap("SELECT count(*) AS rows, count(DISTINCT n) AS sources,"
                + " min(n) AS lo, max(n) AS hi FROM " + SeriesCatalog.table(drms.describeSeries(out)));
        assertThat(((Number) counts.get("rows")).longValue()).as("rows of %s, every version", out)
                .isEqualTo(records);
        assertThat(((Number) counts.get("sources")).longValue()).as("distinct N in %s", out).isEqualTo(records);
        assertThat(((Number) counts.get("lo")).intValue()).isZero();
        assertThat(((Number) counts.get("hi")).intValue()).isEqualTo(records - 1);
        for (int n : new int[] {runs % records, records / 2, records - 1 - runs % records}) {
            Record rec = new RecordSets(drms).open(out + "[" + n + "]", 0).get(0);
            float[] got;
            try (Fits f = new Fits(rec.segmentPath("image").toFile())) {
                got = (float[]) ArrayFuncs.flatten(f.getHDU(0).getKernel());
            }
            assertThat(got.length).as("%s[%d] values", out, n).isIn(SIDE * SIDE, 64 * 64);
            for (int i = n % 997; i < got.length; i += 997) {
                double want = 2.5 * pixel(n, i) - 1;
                assertThat((double) got[i]).as("%s[%d] value %d", out, n, i)
                        .isCloseTo(want, org.assertj.core.data.Offset.offset(Math.abs(want) * 1e-6 + 1e-6));
            }
        }
    }

    Timing timing(JobRun r, int workers) {
        List<Map<String, Object>> rows = jdbc.queryForList("""
                SELECT p.worker_id, p.sent, p.claimed, s.start_time, s.end_time
                FROM drms.cluster_partition p JOIN batch_step_execution s ON s.step_execution_id = p.step_execution_id
                WHERE p.job_execution_id = ? ORDER BY p.sent""", r.executionId());
        assertThat(rows).as("partitions sent").hasSize((int) r.steps().stream()
                .filter(s -> s.name().startsWith("rescaleWorker:")).count());
        assertThat(rows.stream().map(x -> x.get("worker_id")).distinct().count()).as("workers that ran one")
                .isLessThanOrEqualTo(workers);
        Instant firstStart = rows.stream().map(x -> at(x, "start_time")).min(Comparator.naturalOrder())
                .orElseThrow();
        Instant lastEnd = rows.stream().map(x -> at(x, "end_time")).max(Comparator.naturalOrder()).orElseThrow();
        double busy = rows.stream().mapToDouble(x -> ms(at(x, "start_time"), at(x, "end_time"))).sum();
        Map<Object, List<Map<String, Object>>> byWorker = new HashMap<>();
        rows.forEach(x -> byWorker.computeIfAbsent(x.get("worker_id"), k -> new ArrayList<>()).add(x));
        List<Double> gaps = new ArrayList<>();
        for (List<Map<String, Object>> ss : byWorker.values()) {
            ss.sort(Comparator.comparing(x -> at(x, "start_time")));
            for (int i = 1; i < ss.size(); i++) {
                gaps.add(ms(at(ss.get(i - 1), "end_time"), at(ss.get(i), "start_time")));
            }
        }
        Instant firstSent = at(rows.get(0), "sent");
        Instant lastSent = at(rows.get(rows.size() - 1), "sent");
        double send = rows.size() > 1 ? ms(firstSent, lastSent) / (rows.size() - 1) : Double.NaN;
        double firstClaim = ms(firstSent, at(rows.get(0), "claimed"));
        return new Timing(ms(r.startTime(), firstStart), ms(lastEnd, r.endTime()), busy,
                gaps.isEmpty() ? 0 : Bench.median(gaps.stream().mapToDouble(Double::doubleValue).toArray()),
                send, firstClaim);
    }

    static Instant at(Map<String, Object> row, String column) {
        Object v = row.get(column);
        return v instanceof Timestamp t ? t.toInstant() : ((java.time.OffsetDateTime) v).toInstant();
    }

    static double ms(Instant a, Instant b) {
        return Duration.between(a, b).toNanos() / 1e6;
    }

    static String free() {
        java.io.File f = HARNESS.home().toFile();
        return String.format(Locale.ROOT, "%.1f GB free under %s", f.getUsableSpace() / 1e9, f);
    }
}
