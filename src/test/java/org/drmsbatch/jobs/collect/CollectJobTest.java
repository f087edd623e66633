package org.drmsbatch.jobs.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import nom.tam.fits.BasicHDU;
import nom.tam.fits.Fits;
import nom.tam.fits.ImageHDU;
import nom.tam.image.compression.hdu.CompressedImageHDU;
import nom.tam.util.ArrayFuncs;
import org.drmsbatch.TestDatabase;
import org.drmsbatch.buffer.BufferState;
import org.drmsbatch.buffer.Chunk;
import org.drmsbatch.buffer.DataBuffer;
import org.drmsbatch.buffer.Snapshot;
import org.drmsbatch.cluster.Cluster;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.SeriesCatalog;
import org.drmsbatch.drms.time.DrmsTime;
import org.drmsbatch.jobs.FaultInjectionTestConfiguration;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRequestException;
import org.drmsbatch.schedules.JobRun;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The collect job: buffered chunks become gw.strain records, a corrupt file is rejected, a restart resumes. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE,
        properties = FaultInjectionTestConfiguration.PROPERTY)
class CollectJobTest {

    static final double GPS_EPOCH = DrmsTime.parse(CollectJobConfiguration.GPS_EPOCH);

    static final Path HOME = JobTests.newHome("drms-collect-test");

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry, HOME);
        registry.add("drms.buffer.max-size", () -> "1GB");
    }

    @Autowired
    JobControl jobs;
    @Autowired
    DataBuffer buffer;
    @Autowired
    Drms drms;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    org.springframework.batch.core.repository.JobRepository jobRepository;

    @BeforeEach
    void emptyBuffer() throws IOException {
        buffer.snapshot("test", "clean");
    }

    /** Stores n chunks of 300 samples, t0 = 1000 + 10 i (stored in reverse time order), and returns them by t0. */
    List<Chunk> storeChunks(int n, long seed) throws IOException {
        java.util.Random random = new java.util.Random(seed);
        List<Chunk> chunks = new ArrayList<>();
        for (int i = n - 1; i >= 0; i--) {
            double[] h = new double[300];
            for (int k = 0; k < h.length; k++) {
                h[k] = 1e-21 * (random.nextGaussian() + 0.5 * Math.sin(k * 0.1));
            }
            Chunk c = new Chunk(h, 1000.0 + 10 * i, 1.0 / 4096);
            buffer.store(c);
            chunks.add(c);
        }
        chunks.sort(Comparator.comparingDouble(Chunk::t0));
        return chunks;
    }

    JobRun awaitEnd(long id) throws InterruptedException {
        return JobTests.awaitEnd(jobs, id, 120);
    }

    List<Record> latest(String series) {
        return drms.read(s -> s.open(series, 0));
    }

    long allVersions(String series) {
        return jdbc.queryForObject("SELECT count(*) FROM " + SeriesCatalog.table(drms.describeSeries(series)),
                Long.class);
    }

    /** D* directories on the partitions that sums.sum_main does not know. */
    Set<String> orphanedUnits() throws IOException {
        return JobTests.orphanedUnits(drms, jdbc, true);
    }

    static double[] readFits(Path file) throws Exception {
        try (Fits fits = new Fits(file.toFile())) {
            for (BasicHDU<?> hdu = fits.readHDU(); hdu != null; hdu = fits.readHDU()) {
                if (hdu instanceof CompressedImageHDU c) {
                    hdu = c.asImageHDU();
                }
                if (hdu instanceof ImageHDU img && img.getKernel() != null) {
                    Object k = img.getKernel();
                    return (double[]) ArrayFuncs.convertArray(ArrayFuncs.flatten(k), double.class);
                }
            }
        }
        throw new AssertionError("no image in " + file);
    }

    @Test
    void collectsEveryChunkInTimeOrderAndRejectsACorruptFile() throws Exception {
        List<Chunk> chunks = storeChunks(24, 1);
        // a corrupt file among them, named like a chunk
        String corrupt = "gwb" + (System.currentTimeMillis() * 1_000_000L + 999_999) + ".json";
        Files.writeString(buffer.dataDirectory().resolve(corrupt), "{\"h\": [1, 2, ", StandardCharsets.UTF_8);

        JobRun run = awaitEnd(jobs.start("collect", Map.of("run", "all", "chunkSize", "10")).executionId());
        assertThat(run.status()).as("%s", run).isEqualTo("COMPLETED");
        JobRun.Step step = run.steps().get(0);
        assertThat(step.read()).isEqualTo(24);
        assertThat(step.write()).isEqualTo(24);
        assertThat(step.readSkip()).isEqualTo(1);
        assertThat(step.skip()).isEqualTo(1);

        Path rejected = buffer.rejectedDirectory();
        assertThat(rejected.resolve(corrupt)).exists();
        assertThat(buffer.dataDirectory().resolve(corrupt)).doesNotExist();
        assertThat(Files.readString(rejected.resolve(corrupt + ".reason"))).contains(corrupt).isNotBlank();
        // the buffer's counters hold the 24 good chunks, not the rejected file
        assertThat(buffer.stats().files()).isEqualTo(24);
        assertThat(buffer.logEntries()).anyMatch(e -> e.get("event").asString().equals("reject")
                && e.get("name").asString().equals(corrupt));

        List<Record> records = latest("gw.strain");
        assertThat(records).hasSize(24);
        assertThat(allVersions("gw.strain")).isEqualTo(24);
        Map<Double, Record> byT0 = new HashMap<>();
        records.forEach(r -> byT0.put(r.getTime("T_START"), r));
        for (Chunk c : chunks) {
            Record r = byT0.get(GPS_EPOCH + c.t0()); // t0 is GPS seconds by default
            assertThat(DrmsTime.format(GPS_EPOCH + c.t0(), "GPS", 3)).startsWith("1980.01.06_00:");
            assertThat(r).as("record of t0=%s", c.t0()).isNotNull();
            double[] h = c.h();
            double min = Double.MAX_VALUE, max = -Double.MAX_VALUE, sum = 0, sq = 0;
            for (double v : h) {
                min = Math.min(min, v);
                max = Math.max(max, v);
                sum += v;
                sq += v * v;
            }
            assertThat(r.format("DETECTOR")).isEqualTo("H1");
            assertThat(r.getInt("NSAMPLES")).isEqualTo(300);
            assertThat(r.getDouble("DT")).isEqualTo(1.0 / 4096);
            assertThat(r.getDouble("DATAMIN")).isEqualTo(min);
            assertThat(r.getDouble("DATAMAX")).isEqualTo(max);
            assertThat(r.getDouble("DATAMEAN")).isCloseTo(sum / h.length, within(1e-30));
            assertThat(r.getDouble("DATARMS")).isCloseTo(Math.sqrt(sq / h.length), within(1e-30));
            assertThat(r.format("SOURCE")).startsWith("gwb");
        }
        // one strain segment read back with nom-tam-fits
        Chunk first = chunks.get(0);
        Record r = byT0.get(GPS_EPOCH + first.t0());
        Path file = r.segmentPath("strain");
        assertThat(file).exists();
        assertThat(readFits(file)).containsExactly(first.h());
        assertThat(r.dimensions("strain")).containsExactly(300);
        assertThat(orphanedUnits()).isEmpty();
    }

    @Test
    void theStatisticsOfTheLargestDoublesAreFinite() throws Exception {
        double big = 1.7e308;
        buffer.store(new Chunk(new double[] {big, -big, big, big}, 5000, 1.0 / 4096));
        JobRun run = awaitEnd(jobs.start("collect", Map.of("run", "huge", "series", "gw.strain_huge")).executionId());
        assertThat(run.status()).as("%s", run).isEqualTo("COMPLETED");
        List<Record> records = latest("gw.strain_huge");
        assertThat(records).hasSize(1);
        Record r = records.get(0);
        assertThat(r.getDouble("DATAMIN")).isEqualTo(-big);
        assertThat(r.getDouble("DATAMAX")).isEqualTo(big);
        // (3 big - big) / 4 and sqrt(4 big^2 / 4)
        assertThat(r.getDouble("DATAMEAN")).isCloseTo(big / 2, within(Math.ulp(big)));
        assertThat(r.getDouble("DATARMS")).isCloseTo(big, within(Math.ulp(big)));
    }

    @Test
    void anEpochGivenAsADrmsTimeIsWhatT0CountsFrom() throws Exception {
        List<Chunk> chunks = storeChunks(3, 7);
        String event = "2015.09.14_09:50:45_UTC";
        JobRun run = awaitEnd(jobs.start("collect", Map.of("run", "epoch", "series", "gw.strain_epoch",
                "epoch", event)).executionId());
        assertThat(run.status()).as("%s", run).isEqualTo("COMPLETED");
        // the job names the records it made (a pipeline's next step takes them)
        String output = jobRepository.getJobExecution(run.executionId()).getExecutionContext()
                .getString(CollectJobConfiguration.OUTPUT);
        assertThat(output).startsWith("gw.strain_epoch[? recnum BETWEEN ");
        assertThat(new org.drmsbatch.drms.query.RecordSets(drms).open(output, 0)).hasSize(3);
        assertThat(latest("gw.strain_epoch").stream().map(r -> r.getTime("T_START")).sorted().toList())
                .containsExactlyElementsOf(chunks.stream().map(c -> DrmsTime.parse(event) + c.t0()).toList());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "epoch=2015.13.14_00:00:00_UTC | epoch '2015.13.14_00:00:00_UTC' is not a DRMS time",
            "chunkSize=0                   | chunkSize: 0 is outside 1..100000",
            "chunkSize=ten                 | chunkSize: 'ten' is not a whole number",
            "colour=blue                   | unknown parameter(s) colour (this job takes chunkSize, delay, detector, epoch, failAt, partitions, remote, run, series)",
            "partitions=0                  | partitions: 0 is outside 1..8",
            "partitions=9                  | partitions: 9 is outside 1..8",
            "partitions=two                | partitions: 'two' is not a whole number",
            "remote=maybe                  | remote: 'maybe' is neither true nor false",
            "remote=true                   | " + Cluster.NOT_CONFIGURED})
    void badParametersAreRefusedBeforeTheJobStarts(String param, String message) {
        int before = jobs.recent("collect", 10_000).size();
        String[] kv = param.split("=", 2);
        assertThatThrownBy(() -> jobs.start("collect", Map.of("run", "refused", kv[0], kv[1])))
                .isInstanceOf(JobRequestException.class).hasMessageContaining(message);
        assertThat(jobs.recent("collect", 10_000)).hasSize(before);
    }

    @Test
    void aStoppedRunRestartsAfterItsLastCommittedChunk() throws Exception {
        List<Chunk> chunks = storeChunks(120, 3);
        long id = jobs.start("collect", Map.of("run", "stop", "series", "gw.strain_stop", "chunkSize", "10",
                "delay", "10,java.lang.Long,false")).executionId();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (jobs.view(id).steps().isEmpty() || jobs.view(id).steps().get(0).commit() < 2) {
            assertThat(System.nanoTime()).as("two commits within a minute").isLessThan(deadline);
            Thread.sleep(20);
        }
        jobs.stop(id);
        JobRun stopped = awaitEnd(id);
        assertThat(stopped.status()).as("%s", stopped).isEqualTo("STOPPED");
        long written = stopped.steps().get(0).write();
        assertThat(written).isLessThan(120);
        assertThat(latest("gw.strain_stop")).hasSize((int) written);

        JobRun done = awaitEnd(jobs.restart(id, Map.of("delay", "0")).executionId());
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        assertThat(done.steps().get(0).read()).isEqualTo(120 - written);
        assertThat(allVersions("gw.strain_stop")).isEqualTo(120);
        assertThat(latest("gw.strain_stop").stream().map(r -> r.getTime("T_START")).sorted().toList())
                .containsExactlyElementsOf(chunks.stream().map(c -> GPS_EPOCH + c.t0()).toList());
    }

    @Test
    void aRestartAfterAFailureGivesExactlyOneRecordPerChunk() throws Exception {
        List<Chunk> chunks = storeChunks(25, 2);
        Map<String, String> params = Map.of("run", "restart", "series", "gw.strain_restart", "chunkSize", "10",
                "detector", "L1", "failAt", "15,java.lang.Long,false");
        JobRun failed = awaitEnd(jobs.start("collect", params).executionId());
        assertThat(failed.status()).as("%s", failed).isEqualTo("FAILED");
        assertThat(failed.steps().get(0).write()).isEqualTo(10);
        assertThat(latest("gw.strain_restart")).hasSize(10);
        assertThat(orphanedUnits()).isEmpty();

        JobRun done = awaitEnd(jobs.restart(failed.executionId(), Map.of("failAt", "0", "partitions", "2"))
                .executionId());
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        assertThat(done.instanceId()).isEqualTo(failed.instanceId());
        assertThat(done.steps().get(0).read()).isEqualTo(15);
        assertThat(done.steps().get(0).write()).isEqualTo(15);

        List<Record> records = latest("gw.strain_restart");
        assertThat(records).hasSize(25);
        assertThat(allVersions("gw.strain_restart")).isEqualTo(25);
        assertThat(records.stream().map(r -> r.getTime("T_START")).sorted().toList())
                .containsExactlyElementsOf(chunks.stream().map(c -> GPS_EPOCH + c.t0()).toList());
        assertThat(records).allSatisfy(r -> assertThat(r.format("DETECTOR")).isEqualTo("L1"));
        assertThat(orphanedUnits()).isEmpty();
    }

    /** Waits until the collect execution has committed at least {@code commits} chunks (it is reading the buffer). */
    void awaitCommits(long id, int commits) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (jobs.view(id).steps().isEmpty() || jobs.view(id).steps().get(0).commit() < commits) {
            assertThat(jobs.view(id).ended()).as("execution %s ended before %s commits", id, commits).isFalse();
            assertThat(System.nanoTime()).as("%s commits within a minute", commits).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    /** The buffered file names in the order the collect reads them (t0, read back from the files here). */
    List<String> filesByT0() throws IOException {
        Map<String, Double> t0 = new HashMap<>();
        for (String n : buffer.fileNames()) {
            t0.put(n, buffer.read(n).t0());
        }
        return t0.keySet().stream().sorted(Comparator.comparing((String n) -> t0.get(n))
                .thenComparing(Comparator.naturalOrder())).toList();
    }

    @Test
    void aSnapshotAskedForWhileACollectRunsIsRefusedNamingItAndTheCollectMissesNothing() throws Exception {
        // given a collect slowed down to 50 ms a chunk, reading 60 buffered chunks
        List<Chunk> chunks = storeChunks(60, 11);
        List<String> files = buffer.fileNames();
        long collect = jobs.start("collect", Map.of("run", "held", "series", "gw.strain_held", "chunkSize", "5",
                "delay", "50,java.lang.Long,false")).executionId();
        awaitCommits(collect, 1);

        // when a snapshot is asked for in the middle of it
        JobRun snapshot = awaitEnd(jobs.start("snapshot", Map.of("run", "during-collect")).executionId());

        // then the snapshot is refused, naming the collect, and has changed nothing
        assertThat(snapshot.status()).as("%s", snapshot).isEqualTo("FAILED");
        assertThat(snapshot.exitDescription()).contains("in use by collect execution " + collect);
        assertThat(buffer.snapshots()).extracting(Snapshot::token).doesNotContain("during-collect");
        assertThat(buffer.state()).isEqualTo(BufferState.OPERATIONAL);

        // and the collect reads and writes every chunk, skipping none
        JobRun done = awaitEnd(collect);
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        assertThat(done.steps().get(0).read()).isEqualTo(60);
        assertThat(done.steps().get(0).readSkip()).isZero();
        assertThat(latest("gw.strain_held").stream().map(r -> r.getTime("T_START")).sorted().toList())
                .containsExactlyElementsOf(chunks.stream().map(c -> GPS_EPOCH + c.t0()).toList());
        assertThat(buffer.fileNames()).containsExactlyElementsOf(files);
        assertThat(buffer.holders()).as("the collect no longer holds the buffer").isEmpty();

        // and the snapshot, restarted once the collect has ended, takes them all
        JobRun again = awaitEnd(jobs.restart(snapshot.executionId(), Map.of()).executionId());
        assertThat(again.status()).as("%s", again).isEqualTo("COMPLETED");
        Snapshot taken = buffer.snapshots().get(buffer.snapshots().size() - 1);
        assertThat(taken.token()).isEqualTo("during-collect");
        assertThat(taken.files()).extracting(Snapshot.Entry::name).containsExactlyInAnyOrderElementsOf(files);
        assertThat(buffer.fileNames()).isEmpty();
    }

    @Test
    void aChunkMovedAwayDuringACollectFailsItNamingTheChunk() throws Exception {
        // given a collect slowed down to 30 ms a chunk, reading 40 buffered chunks
        List<Chunk> chunks = storeChunks(40, 12);
        List<String> order = filesByT0();
        String lastRead = order.get(order.size() - 1);
        long collect = jobs.start("collect", Map.of("run", "moved", "series", "gw.strain_moved", "chunkSize", "5",
                "delay", "30,java.lang.Long,false")).executionId();
        awaitCommits(collect, 1);

        // when the file it would read last is moved out of the buffer behind its back
        Path away = Files.createTempDirectory("drms-moved-chunk").resolve(lastRead);
        Files.move(buffer.dataDirectory().resolve(lastRead), away);

        // then the collect fails naming that file, rather than complete having skipped it
        JobRun failed = awaitEnd(collect);
        assertThat(failed.status()).as("%s", failed).isEqualTo("FAILED");
        assertThat(failed.exitDescription()).contains(lastRead).contains("gone from its data/ directory");
        assertThat(buffer.holders()).as("the failed collect no longer holds the buffer").isEmpty();
        JobRun.Step step = failed.steps().get(0);
        assertThat(step.readSkip()).isZero();
        assertThat(step.write()).isLessThan(40);
        assertThat(latest("gw.strain_moved").stream().map(r -> r.getTime("T_START")).sorted().toList())
                .containsExactlyElementsOf(chunks.subList(0, (int) step.write()).stream()
                        .map(c -> GPS_EPOCH + c.t0()).toList());

        // and a restart collects the chunks still in the buffer
        JobRun done = awaitEnd(jobs.restart(collect, Map.of("delay", "0")).executionId());
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        assertThat(latest("gw.strain_moved").stream().map(r -> r.getTime("T_START")).sorted().toList())
                .containsExactlyElementsOf(chunks.subList(0, 39).stream().map(c -> GPS_EPOCH + c.t0()).toList());
    }

    @Test
    void twoCollectsReadingTogetherBothSkipTheCorruptFileThatOneOfThemRejected() throws Exception {
        // given 10 chunks and a corrupt file, read by two collects at once (into two series)
        List<Chunk> chunks = storeChunks(10, 13);
        String corrupt = "gwb" + (System.currentTimeMillis() * 1_000_000L + 999_998) + ".json";
        Files.writeString(buffer.dataDirectory().resolve(corrupt), "{\"h\": [1, ", StandardCharsets.UTF_8);
        long first = jobs.start("collect", Map.of("run", "twin-1", "series", "gw.strain_twin1", "chunkSize", "2",
                "delay", "40,java.lang.Long,false")).executionId();
        awaitCommits(first, 1);
        long second = jobs.start("collect", Map.of("run", "twin-2", "series", "gw.strain_twin2", "chunkSize", "2",
                "delay", "40,java.lang.Long,false")).executionId();

        // then both complete: the corrupt file, rejected by whichever came to it first, is a skip for both
        for (long id : List.of(first, second)) {
            JobRun done = awaitEnd(id);
            assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
            assertThat(done.steps().get(0).write()).isEqualTo(10);
            assertThat(done.steps().get(0).readSkip()).isEqualTo(1);
        }
        assertThat(buffer.rejectedDirectory().resolve(corrupt)).exists();
        for (String series : List.of("gw.strain_twin1", "gw.strain_twin2")) {
            assertThat(latest(series).stream().map(r -> r.getTime("T_START")).sorted().toList())
                    .containsExactlyElementsOf(chunks.stream().map(c -> GPS_EPOCH + c.t0()).toList());
        }
    }

    // ------------------------------------------------------------------------------------------------ partitions

    /** The partitions' steps of a run. */
    static List<JobRun.Step> partitions(JobRun run) {
        return run.steps().stream().filter(s -> s.name().startsWith(CollectJobConfiguration.WORKER_STEP + ":"))
                .toList();
    }

    /** The records of a series by T_START. */
    Map<Double, Record> byTStart(String series) {
        Map<Double, Record> out = new HashMap<>();
        for (Record r : latest(series)) {
            assertThat(out.put(r.getTime("T_START"), r)).as("a second record of T_START %s", r.getTime("T_START"))
                    .isNull();
        }
        return out;
    }

    @Test
    void threePartitionsCollectEveryFileOnceAsOneStepDoes() throws Exception {
        // given 30 chunks and a corrupt file among them
        List<Chunk> chunks = storeChunks(30, 21);
        String corrupt = "gwb" + (System.currentTimeMillis() * 1_000_000L + 999_997) + ".json";
        Files.writeString(buffer.dataDirectory().resolve(corrupt), "{\"h\": [1, 2, ", StandardCharsets.UTF_8);

        // when a collect reads them in 3 partitions
        JobRun run = awaitEnd(jobs.start("collect", Map.of("run", "p3", "series", "gw.strain_p3", "chunkSize", "4",
                "partitions", "3")).executionId());

        // then it completes, each partition having read its slice of the 31 files
        assertThat(run.status()).as("%s", run).isEqualTo("COMPLETED");
        assertThat(run.steps().get(0).name()).isEqualTo(CollectJobConfiguration.STEP);
        assertThat(partitions(run)).hasSize(3).allSatisfy(p -> {
            assertThat(p.status()).isEqualTo("COMPLETED");
            assertThat(p.read() + p.readSkip()).isBetween(10L, 11L);
        });
        assertThat(partitions(run).stream().mapToLong(JobRun.Step::write).sum()).isEqualTo(30);
        assertThat(partitions(run).stream().mapToLong(JobRun.Step::readSkip).sum()).isEqualTo(1);
        assertThat(run.exitDescription()).contains("30 records collected in this execution from 31 chunk files,"
                + " 1 rejected");

        // and the corrupt file was rejected once, with its reason, and counted and logged by the buffer
        assertThat(buffer.rejectedDirectory().resolve(corrupt)).exists();
        assertThat(buffer.dataDirectory().resolve(corrupt)).doesNotExist();
        assertThat(Files.readString(buffer.rejectedDirectory().resolve(corrupt + ".reason"))).contains(corrupt);
        assertThat(buffer.stats().files()).isEqualTo(30);
        assertThat(buffer.logEntries()).filteredOn(e -> e.get("event").asString().equals("reject")
                && e.get("name").asString().equals(corrupt)).hasSize(1);
        assertThat(buffer.holders()).as("the collect no longer holds the buffer").isEmpty();

        // and one record per chunk, with the keywords and values one step gives them
        JobRun one = awaitEnd(jobs.start("collect", Map.of("run", "p1", "series", "gw.strain_p1", "chunkSize", "4"))
                .executionId());
        assertThat(one.status()).as("%s", one).isEqualTo("COMPLETED");
        assertThat(one.steps()).extracting(JobRun.Step::name).containsExactly(CollectJobConfiguration.STEP);
        Map<Double, Record> p3 = byTStart("gw.strain_p3");
        Map<Double, Record> p1 = byTStart("gw.strain_p1");
        assertThat(allVersions("gw.strain_p3")).isEqualTo(30);
        assertThat(p3.keySet()).containsExactlyInAnyOrderElementsOf(
                chunks.stream().map(c -> GPS_EPOCH + c.t0()).toList()).isEqualTo(p1.keySet());
        for (Map.Entry<Double, Record> e : p3.entrySet()) {
            Record a = e.getValue();
            Record b = p1.get(e.getKey());
            for (String k : List.of("DETECTOR", "SOURCE", "NSAMPLES", "DT", "DATAMIN", "DATAMAX", "DATAMEAN",
                    "DATARMS")) {
                assertThat(a.format(k)).as("%s of T_START %s", k, e.getKey()).isEqualTo(b.format(k));
            }
        }
        for (Chunk c : List.of(chunks.get(0), chunks.get(14), chunks.get(29))) {
            Record r = p3.get(GPS_EPOCH + c.t0());
            assertThat(readFits(r.segmentPath("strain"))).containsExactly(c.h());
        }

        // and output.ds names every partition's records
        String output = jobRepository.getJobExecution(run.executionId()).getExecutionContext()
                .getString(CollectJobConfiguration.OUTPUT);
        assertThat(output).startsWith("gw.strain_p3[? recnum BETWEEN ");
        assertThat(new org.drmsbatch.drms.query.RecordSets(drms).open(output, 0)).hasSize(30);
        assertThat(orphanedUnits()).isEmpty();
    }

    /** Waits until the partitions of a collect execution have committed at least {@code commits} chunks. */
    void awaitPartitionCommits(long id, int commits) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (partitions(jobs.view(id)).stream().mapToLong(JobRun.Step::commit).sum() < commits) {
            assertThat(jobs.view(id).ended()).as("execution %s ended before %s commits", id, commits).isFalse();
            assertThat(System.nanoTime()).as("%s commits within a minute", commits).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void aSnapshotAskedForWhileAPartitionedCollectRunsIsRefusedNamingIt() throws Exception {
        // given a collect in 3 partitions slowed down to 80 ms a chunk
        List<Chunk> chunks = storeChunks(60, 22);
        List<String> files = buffer.fileNames();
        long collect = jobs.start("collect", Map.of("run", "p-held", "series", "gw.strain_pheld", "chunkSize", "3",
                "partitions", "3", "delay", "80,java.lang.Long,false")).executionId();
        awaitPartitionCommits(collect, 1);

        // when a snapshot is asked for in the middle of it, then it is refused naming the collect
        JobRun snapshot = awaitEnd(jobs.start("snapshot", Map.of("run", "during-p-collect")).executionId());
        assertThat(snapshot.status()).as("%s", snapshot).isEqualTo("FAILED");
        assertThat(snapshot.exitDescription()).contains("in use by collect execution " + collect);
        assertThat(buffer.fileNames()).containsExactlyElementsOf(files);

        // and the collect reads every chunk
        JobRun done = awaitEnd(collect);
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        assertThat(byTStart("gw.strain_pheld").keySet()).containsExactlyInAnyOrderElementsOf(
                chunks.stream().map(c -> GPS_EPOCH + c.t0()).toList());
        assertThat(buffer.holders()).as("the collect no longer holds the buffer").isEmpty();
    }

    @Test
    void aFailedPartitionedCollectRestartsEachPartitionWithItsSlice() throws Exception {
        // given 30 chunks, collected in 3 partitions of which each fails at its 8th file (after 2 commits of 3)
        List<Chunk> chunks = storeChunks(30, 23);
        List<String> files = buffer.fileNames();
        JobRun failed = awaitEnd(jobs.start("collect", Map.of("run", "p-restart", "series", "gw.strain_prestart",
                "chunkSize", "3", "partitions", "3,java.lang.Long,false", "failAt", "8,java.lang.Long,false"))
                .executionId());
        assertThat(failed.status()).as("%s", failed).isEqualTo("FAILED");
        assertThat(failed.exitDescription()).contains("failing at item 8");
        assertThat(partitions(failed)).hasSize(3).allSatisfy(p -> assertThat(p.write()).isEqualTo(6));
        assertThat(latest("gw.strain_prestart")).hasSize(18);
        assertThat(buffer.holders()).as("the failed collect no longer holds the buffer").isEmpty();

        // when chunks arrive meanwhile and the run is restarted asking for 2 partitions (it keeps the first run's 3)
        storeChunks(4, 24);
        JobRun done = awaitEnd(jobs.restart(failed.executionId(), Map.of("failAt", "0", "partitions", "2"))
                .executionId());

        // then each partition resumes its own slice after its last commit, and the new chunks are left for later
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        assertThat(partitions(done)).hasSize(3).allSatisfy(p -> {
            assertThat(p.read()).isEqualTo(4);
            assertThat(p.write()).isEqualTo(4);
        });
        Map<Double, Record> records = byTStart("gw.strain_prestart");
        assertThat(allVersions("gw.strain_prestart")).isEqualTo(30);
        assertThat(records.keySet()).containsExactlyInAnyOrderElementsOf(
                chunks.stream().map(c -> GPS_EPOCH + c.t0()).toList());
        assertThat(records.values().stream().map(r -> r.format("SOURCE")).toList())
                .containsExactlyInAnyOrderElementsOf(files);
        String output = jobRepository.getJobExecution(done.executionId()).getExecutionContext()
                .getString(CollectJobConfiguration.OUTPUT);
        assertThat(new org.drmsbatch.drms.query.RecordSets(drms).open(output, 0)).hasSize(30);
        assertThat(orphanedUnits()).isEmpty();
    }

    @Test
    void remotePartitionsAreCheckedAgainstTheRemoteLimitAndRefusedWithoutACluster() {
        int before = jobs.recent("collect", 10_000).size();
        assertThatThrownBy(() -> jobs.start("collect", Map.of("run", "refused-remote", "remote", "true",
                "partitions", "300"))).isInstanceOf(JobRequestException.class)
                .hasMessageContaining("partitions: 300 is outside 1..256");
        assertThatThrownBy(() -> jobs.start("collect", Map.of("run", "refused-remote", "remote", "true",
                "partitions", "4"))).isInstanceOf(JobRequestException.class)
                .hasMessageContaining(Cluster.NOT_CONFIGURED);
        assertThat(jobs.recent("collect", 10_000)).hasSize(before);
    }
}
