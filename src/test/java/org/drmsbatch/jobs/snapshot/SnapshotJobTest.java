package org.drmsbatch.jobs.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.buffer.BufferState;
import org.drmsbatch.buffer.Chunk;
import org.drmsbatch.buffer.DataBuffer;
import org.drmsbatch.buffer.Snapshot;
import org.drmsbatch.buffer.SnapshotSteps;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The snapshot job: the buffered files move into snapshots/<name> with a manifest; the buffer is empty and open. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class SnapshotJobTest {

    static final Path HOME = JobTests.newHome("drms-snapshot-test");

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
    JobRepository repository;

    JobRun awaitEnd(long id) throws InterruptedException {
        return JobTests.awaitEnd(jobs, id, 60);
    }

    List<String> store(int n) throws Exception {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            names.add(buffer.store(new Chunk(new double[] {i, i + 0.5, -i}, 100.0 + i, 0.25)).name());
        }
        return names;
    }

    StepExecution step(long executionId) {
        return repository.getJobExecution(executionId).getStepExecutions().iterator().next();
    }

    @Test
    void snapshotMovesTheFilesWithAManifestAndReopensTheBuffer() throws Exception {
        List<String> names = store(5);
        buffer.freeze("trainer", "t-1"); // frozen, as /train leaves it

        JobRun run = awaitEnd(jobs.start("snapshot", Map.of("run", "s1")).executionId());
        assertThat(run.status()).as("%s", run).isEqualTo("COMPLETED");

        assertThat(buffer.fileNames()).isEmpty();
        assertThat(buffer.stats().files()).isZero();
        assertThat(buffer.stats().bytes()).isZero();
        assertThat(buffer.state()).isEqualTo(BufferState.OPERATIONAL);

        StepExecution step = step(run.executionId());
        String name = step.getExecutionContext().getString("snapshot.name");
        assertThat(step.getExecutionContext().getInt("snapshot.files")).isEqualTo(5);
        assertThat(step.getExitStatus().getExitDescription()).contains(name).contains("5 files");

        Path dir = buffer.snapshotsDirectory().resolve(name);
        JsonNode manifest = JsonMapper.builder().build().readTree(Files.readString(dir.resolve("manifest.json")));
        List<String> listed = manifest.get("files").valueStream().map(f -> f.get("name").asString()).toList();
        assertThat(listed).containsExactlyInAnyOrderElementsOf(names);
        for (JsonNode f : manifest.get("files")) {
            Path file = dir.resolve(f.get("name").asString());
            assertThat(file).exists();
            assertThat(Files.size(file)).isEqualTo(f.get("bytes").asLong());
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
            assertThat(f.get("sha256").asString()).isEqualTo(sha);
        }

        // the buffer takes chunks again, and a second snapshot gets another name
        List<String> more = store(2);
        JobRun second = awaitEnd(jobs.start("snapshot", Map.of("run", "s2")).executionId());
        assertThat(second.status()).isEqualTo("COMPLETED");
        String name2 = step(second.executionId()).getExecutionContext().getString("snapshot.name");
        assertThat(name2).isNotEqualTo(name);
        assertThat(buffer.snapshotsDirectory().resolve(name2).resolve(more.get(0))).exists();
        assertThat(buffer.fileNames()).isEmpty();
    }

    @ParameterizedTest(name = "failed at {0}")
    @ValueSource(strings = {"manifest", "moved 2", "renamed", "reset"})
    void aSnapshotThatFailedMidwayIsFinishedByItsRestartWithNoExtraSnapshot(String at) throws Exception {
        // given 5 buffered files and a snapshot job that fails (in this process) as its snapshot reaches `at`
        List<String> names = store(5);
        int before = buffer.snapshots().size();
        String run = "fail-" + at.replace(' ', '-');
        AtomicBoolean armed = new AtomicBoolean(true);
        SnapshotSteps.listen(buffer, step -> {
            if (step.equals(at) && armed.getAndSet(false)) {
                throw new IllegalStateException("disk trouble at " + step);
            }
        });
        try {
            JobRun failed = awaitEnd(jobs.start("snapshot", Map.of("run", run)).executionId());
            assertThat(failed.status()).as("%s", failed).isEqualTo("FAILED");

            // when it is restarted
            JobRun done = awaitEnd(jobs.restart(failed.executionId(), Map.of()).executionId());

            // then there is exactly one new snapshot, holding every file, and the buffer is empty and open
            assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
            List<Snapshot> snaps = buffer.snapshots();
            assertThat(snaps).hasSize(before + 1);
            Snapshot s = snaps.get(snaps.size() - 1);
            assertThat(s.token()).isEqualTo(run);
            assertThat(s.files()).extracting(Snapshot.Entry::name).containsExactlyElementsOf(names);
            assertThat(step(done.executionId()).getExecutionContext().getString("snapshot.name")).isEqualTo(s.name());
            assertThat(buffer.fileNames()).isEmpty();
            assertThat(buffer.state()).isEqualTo(BufferState.OPERATIONAL);
        } finally {
            SnapshotSteps.listen(buffer, step -> { });
        }
    }
}
