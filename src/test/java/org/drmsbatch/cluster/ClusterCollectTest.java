package org.drmsbatch.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import nom.tam.fits.BasicHDU;
import nom.tam.fits.Fits;
import nom.tam.fits.ImageHDU;
import nom.tam.image.compression.hdu.CompressedImageHDU;
import nom.tam.util.ArrayFuncs;
import org.drmsbatch.buffer.BufferBusyException;
import org.drmsbatch.buffer.Chunk;
import org.drmsbatch.buffer.DataBuffer;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.SeriesCatalog;
import org.drmsbatch.drms.time.DrmsTime;
import org.drmsbatch.jobs.FaultInjectionTestConfiguration;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.jobs.KillHarness;
import org.drmsbatch.jobs.collect.CollectJobConfiguration;
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
 * A collect whose partitions run on the cluster's workers, against a real RabbitMQ (skipped, as {@link ClusterTest}
 * is, where none answers): this test's context is the manager and owns the data buffer; two {@code drms worker}
 * processes share its directory ({@code drms.buffer.directory}) and read the slices the manager listed.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = {
        FaultInjectionTestConfiguration.PROPERTY, "drms.cluster.enabled=true", "drms.cluster.heartbeat=500ms",
        "drms.cluster.dead-after=3s", "drms.cluster.poll-interval=100ms", "drms.cluster.send-timeout=60s",
        "drms.buffer.max-size=1GB"})
class ClusterCollectTest {

    static final boolean BROKER = ClusterTests.brokerAnswers();
    static final KillHarness HARNESS = KillHarness.create("drms-cluster-collect-test");
    static final String QUEUE = ClusterTests.newQueue();
    static final double GPS_EPOCH = DrmsTime.parse(CollectJobConfiguration.GPS_EPOCH);
    static ClusterTests.WorkerProcesses workers;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        String buffer = HARNESS.home().resolve("shared-buffer").toString();
        registry.add("drms.buffer.directory", () -> buffer);
        workers = ClusterTests.register(registry, HARNESS, ClusterTests.brokerUrl(), QUEUE,
                "drms.buffer.directory=" + buffer);
    }

    @BeforeAll
    static void broker() {
        assumeTrue(BROKER, ClusterTests.SKIPPED);
    }

    @Autowired
    JobControl jobs;
    @Autowired
    DataBuffer buffer;
    @Autowired
    Drms drms;
    @Autowired
    JdbcTemplate jdbc;

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

    long committed(long execution) {
        return jobs.view(execution).steps().stream()
                .filter(s -> s.name().startsWith(CollectJobConfiguration.WORKER_STEP + ":"))
                .mapToLong(JobRun.Step::commit).sum();
    }

    /** The samples of a record's strain segment, read back with nom-tam-fits. */
    static double[] samples(Record r) throws Exception {
        try (Fits fits = new Fits(r.segmentPath("strain").toFile())) {
            for (BasicHDU<?> hdu = fits.readHDU(); hdu != null; hdu = fits.readHDU()) {
                if (hdu instanceof CompressedImageHDU c) {
                    hdu = c.asImageHDU();
                }
                if (hdu instanceof ImageHDU img && img.getKernel() != null) {
                    return (double[]) ArrayFuncs.convertArray(ArrayFuncs.flatten(img.getKernel()), double.class);
                }
            }
        }
        throw new AssertionError("no image in " + r.segmentPath("strain"));
    }

    @Test
    void twoWorkersSharingTheBufferCollectEveryChunkOnce() throws Exception {
        // given 40 chunks of 200 samples (t0 = 2000 + 5 i) and a corrupt file in the buffer, and two workers
        Random random = new Random(31);
        Map<Double, Chunk> chunks = new HashMap<>();
        for (int i = 0; i < 40; i++) {
            double[] h = new double[200];
            for (int k = 0; k < h.length; k++) {
                h[k] = 1e-21 * random.nextGaussian();
            }
            Chunk c = new Chunk(h, 2000.0 + 5 * i, 1.0 / 4096);
            buffer.store(c);
            chunks.put(GPS_EPOCH + c.t0(), c);
        }
        String corrupt = "gwb" + (System.currentTimeMillis() * 1_000_000L + 999_999) + ".json";
        Files.writeString(buffer.dataDirectory().resolve(corrupt), "{\"h\": [1, ", StandardCharsets.UTF_8);
        List<String> files = new ArrayList<>(buffer.fileNames());
        files.remove(corrupt);
        workers.start();
        workers.start();

        // when a collect sends its 4 partitions (40 ms a chunk) to the cluster
        JobRun run = jobs.start("collect", Map.of("run", "remote", "series", "clu.strain", "chunkSize", "3",
                "partitions", "4", "remote", "true", "delay", "40,java.lang.Long,false"));
        ClusterTests.await("a committed chunk", 120, () -> committed(run.executionId()) >= 1);

        // then, while the workers read, the manager holds the buffer: a snapshot is refused naming the collect
        assertThatThrownBy(buffer::checkNotHeld).isInstanceOf(BufferBusyException.class)
                .hasMessageContaining("collect execution " + run.executionId());

        // and it completes, every chunk collected exactly once with its values, by both workers
        JobRun done = JobTests.awaitEnd(jobs, run.executionId(), 120);
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        assertThat(done.exitDescription()).contains("40 records collected in this execution from 41 chunk files,"
                + " 1 rejected");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM " + SeriesCatalog.table(drms.describeSeries(
                "clu.strain")), Long.class)).isEqualTo(40);
        List<Record> records = drms.read(s -> s.open("clu.strain", 0));
        assertThat(records).extracting(r -> r.format("SOURCE")).containsExactlyInAnyOrderElementsOf(files);
        assertThat(records).extracting(r -> r.getTime("T_START"))
                .containsExactlyInAnyOrderElementsOf(chunks.keySet());
        for (Record r : records) {
            Chunk c = chunks.get(r.getTime("T_START"));
            double min = Double.MAX_VALUE;
            double max = -Double.MAX_VALUE;
            double sum = 0;
            for (double v : c.h()) {
                min = Math.min(min, v);
                max = Math.max(max, v);
                sum += v;
            }
            assertThat(r.getInt("NSAMPLES")).isEqualTo(200);
            assertThat(r.getDouble("DATAMIN")).isEqualTo(min);
            assertThat(r.getDouble("DATAMAX")).isEqualTo(max);
            assertThat(r.getDouble("DATAMEAN")).isCloseTo(sum / 200, within(1e-30));
        }
        Record sample = records.get(records.size() / 2);
        assertThat(samples(sample)).containsExactly(chunks.get(sample.getTime("T_START")).h());
        assertThat(new org.drmsbatch.drms.query.RecordSets(drms).open(done.output(), 0)).hasSize(40);
        assertThat(jdbc.queryForList("""
                SELECT DISTINCT worker_id FROM drms.cluster_partition WHERE job_execution_id = ?""", String.class,
                run.executionId())).as("the workers that ran a partition").hasSize(2);

        // and the corrupt file, rejected by a worker, is in rejected/ once, counted and logged by the buffer's owner
        assertThat(buffer.rejectedDirectory().resolve(corrupt)).exists();
        assertThat(buffer.dataDirectory().resolve(corrupt)).doesNotExist();
        assertThat(buffer.stats().files()).isEqualTo(40);
        assertThat(buffer.logEntries()).filteredOn(e -> e.get("event").asString().equals("reject")
                && e.get("name").asString().equals(corrupt)).hasSize(1);
        assertThat(buffer.holders()).as("the collect no longer holds the buffer").isEmpty();
    }
}
