package org.drmsbatch.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import nom.tam.fits.BasicHDU;
import nom.tam.fits.Fits;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.Record;
import org.drmsbatch.export.ExportRoot;
import org.drmsbatch.jobs.FaultInjectionTestConfiguration;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.jobs.KillHarness;
import org.drmsbatch.jobs.export.ExportJobConfiguration;
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
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A remote export against a real RabbitMQ (skipped, saying so, where none answers): this test's context is the
 * manager, two {@code drms worker} processes on loopback write the partitions' files into the manager's export
 * directory (one database, one home), and the manager packages them.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = {
        FaultInjectionTestConfiguration.PROPERTY, "drms.cluster.enabled=true", "drms.cluster.heartbeat=500ms",
        "drms.cluster.dead-after=3s", "drms.cluster.poll-interval=100ms", "drms.cluster.send-timeout=60s"})
class ClusterExportTest {

    static final boolean BROKER = ClusterTests.brokerAnswers();
    static final KillHarness HARNESS = KillHarness.create("drms-cluster-export-test");
    static final String QUEUE = ClusterTests.newQueue();
    static final int RECORDS = 16;
    static final String REQUEST = "JSOC_20261206_000417";
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
    @Autowired
    ExportRoot root;

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
    void twoWorkersExportEveryRecordOnceInFourPartitions() throws Exception {
        // given 16 images and two workers
        ClusterTests.images(drms, RECORDS);
        workers.start();
        workers.start();

        // when an export sends its 4 partitions to the cluster (2 records a chunk, 100 ms a record)
        JobRun run = jobs.start(ExportJobConfiguration.JOB, Map.of("requestId", REQUEST, "ds",
                ClusterTests.SERIES + "[]", "partitions", "4", "remote", "true", "chunkSize", "2", "delay",
                "100,java.lang.Long,false"));
        JobRun done = JobTests.awaitEnd(jobs, run.executionId(), 120);

        // then it completes, its 4 partitions run by both workers, together writing each record once
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        List<JobRun.Step> partitions = done.steps().stream()
                .filter(s -> s.name().startsWith(ExportJobConfiguration.WORKER_STEP + ":")).toList();
        assertThat(partitions).hasSize(4).allSatisfy(s -> assertThat(s.status()).isEqualTo("COMPLETED"));
        assertThat(partitions.stream().mapToLong(JobRun.Step::write).sum()).isEqualTo(RECORDS);
        List<String> ran = jdbc.queryForList("""
                SELECT DISTINCT worker_id FROM drms.cluster_partition WHERE job_execution_id = ?""", String.class,
                run.executionId());
        assertThat(ran).as("the workers that ran a partition").hasSize(2);
        assertThat(done.exitDescription()).contains(RECORDS + " files in");

        // and the index lists one file per record, in recnum order, each file there and holding its image
        Path dir = root.directory(REQUEST);
        JsonNode index = JsonMapper.builder().build().readTree(Files.readString(dir.resolve("index.json")));
        List<Record> records = drms.read(s -> s.open(ClusterTests.SERIES, 0));
        List<String> expected = records.stream().map(Record::recnum).sorted()
                .map(n -> ClusterTests.SERIES + "." + n + ".image.fits").toList();
        List<String> names = new java.util.ArrayList<>();
        index.get("data").forEach(d -> names.add(d.get("filename").asString()));
        assertThat(names).isEqualTo(expected);
        Set<Integer> seen = new HashSet<>();
        for (String name : names) {
            float[][] y;
            int n;
            try (Fits f = new Fits(dir.resolve(name).toFile())) {
                BasicHDU<?> hdu = f.readHDU();
                n = hdu.getHeader().getIntValue("N");
                y = (float[][]) hdu.getKernel();
            }
            assertThat(seen.add(n)).as("image %d exported once", n).isTrue();
            for (int k = 0; k < 64 * 64; k++) {
                assertThat(y[k / 64][k % 64]).as("%s pixel %d", name, k).isEqualTo(n + k / 4096f);
            }
        }
        assertThat(seen).hasSize(RECORDS);
        // nothing but the files, the index and the request's marker
        try (Stream<Path> s = Files.list(dir)) {
            Set<String> present = new HashSet<>(s.map(p -> p.getFileName().toString()).toList());
            Set<String> allowed = new HashSet<>(names);
            allowed.addAll(List.of("index.json", "index.txt", ".export-request"));
            assertThat(present).as("no temporary, leftover or manifest file").isEqualTo(allowed);
        }
    }
}
