package org.drmsbatch.jobs.snapshot;

import org.drmsbatch.jobs.JobTests;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.drmsbatch.ChildJvm;
import org.drmsbatch.TestDatabase;
import org.drmsbatch.buffer.BufferState;
import org.drmsbatch.buffer.BufferStats;
import org.drmsbatch.buffer.Chunk;
import org.drmsbatch.buffer.DataBuffer;
import org.drmsbatch.buffer.Snapshot;
import org.drmsbatch.buffer.StoredChunk;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The {@code snapshot} job killed (SIGKILL) in a child JVM at several steps of its snapshot, then restarted here:
 * the restart completes, and there is exactly one snapshot holding every buffered file (intact), the buffer is
 * empty and OPERATIONAL — never a mix of buffer and snapshot. Each case gets a fresh context, because the
 * context's buffer, once opened for the restart, holds the buffer's lock.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_EACH_TEST_METHOD)
class SnapshotKillTest {

    static final String URL = TestDatabase.newDatabase();
    static final Path HOME = JobTests.newHome("drms-snapshot-kill-test");
    static final Path BUFFER = HOME.resolve("buffer");

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> URL);
        registry.add("spring.datasource.username", TestDatabase::user);
        registry.add("drms.home", HOME::toString);
    }

    @Autowired
    JobControl jobs;
    @Autowired
    ObjectProvider<DataBuffer> buffer;

    @ParameterizedTest(name = "killed at {0}")
    @ValueSource(strings = {"manifest", "moved 2", "renamed", "reset"})
    void aKilledSnapshotIsFinishedByTheRestart(String step) throws Exception {
        String run = "kill-" + step.replace(' ', '-');
        List<StoredChunk> stored = new ArrayList<>();
        int before;
        try (DataBuffer b = DataBuffer.open(BUFFER, 1L << 30, 1 << 20)) { // the child owns it while it runs
            before = b.snapshots().size();
            for (int i = 0; i < 5; i++) {
                stored.add(b.store(new Chunk(new double[] {i, i + 0.5, -i}, 1000.0 + i, 0.25)));
            }
        }

        Path stderr = HOME.resolve("child-" + run + ".err");
        ChildJvm child = ChildJvm.start(SnapshotJobChild.class, stderr, URL, TestDatabase.user(), HOME.toString(),
                run, step);
        long id = -1;
        try {
            for (String l = ""; !l.startsWith("AT "); ) {
                l = child.lines().poll(90, TimeUnit.SECONDS);
                assertThat(l).as("child output (stderr: %s)", Files.exists(stderr) ? Files.readString(stderr) : "")
                        .isNotNull().isNotEqualTo(ChildJvm.EOF);
                if (l.startsWith("EXECUTION ")) {
                    id = Long.parseLong(l.substring(10).trim());
                }
            }
            assertThat(id).isPositive();
        } finally {
            child.process().destroyForcibly();
            assertThat(child.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(jobs.view(id).status()).isEqualTo("STARTED");

        JobRun done = JobTests.awaitEnd(jobs, jobs.restart(id, Map.of()).executionId(), 60);
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");

        { // the context's buffer: the restarted job opened it
            DataBuffer b = buffer.getObject();
            List<Snapshot> snaps = b.snapshots();
            assertThat(snaps).hasSize(before + 1);
            Snapshot s = snaps.get(snaps.size() - 1);
            assertThat(s.token()).isEqualTo(run);
            assertThat(s.request()).startsWith("snapshot:");
            assertThat(s.files()).extracting(Snapshot.Entry::name)
                    .containsExactlyElementsOf(stored.stream().map(StoredChunk::name).toList());
            for (Snapshot.Entry e : s.files()) {
                assertThat(Files.size(s.directory().resolve(e.name()))).isEqualTo(e.bytes());
            }
            assertThat(Chunk.parse(Files.readAllBytes(s.directory().resolve(s.files().get(4).name()))).h())
                    .containsExactly(4, 4.5, -4);
            assertThat(b.fileNames()).isEmpty();
            assertThat(b.stats()).isEqualTo(BufferStats.EMPTY);
            assertThat(b.state()).isEqualTo(BufferState.OPERATIONAL);
            try (var l = Files.list(b.snapshotsDirectory())) {
                assertThat(l.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("."));
            }
        }
    }
}
