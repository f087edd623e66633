package org.drmsbatch.jobs.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.drmsbatch.buffer.BufferState;
import org.drmsbatch.buffer.BufferStats;
import org.drmsbatch.buffer.Chunk;
import org.drmsbatch.buffer.DataBuffer;
import org.drmsbatch.buffer.Snapshot;
import org.drmsbatch.buffer.StoredChunk;
import org.drmsbatch.jobs.KillHarness;
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

    static final KillHarness HARNESS = KillHarness.create("drms-snapshot-kill-test");
    static final Path BUFFER = HARNESS.home().resolve("buffer");

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        HARNESS.register(registry);
    }

    @Autowired
    JobControl jobs;
    @Autowired
    ObjectProvider<DataBuffer> buffer;

    @ParameterizedTest(name = "killed at {0}")
    @ValueSource(strings = {"manifest", "moved 2", "renamed", "reset"})
    void aKilledSnapshotIsFinishedByTheRestart(String step) throws Exception {
        // given 5 files in the buffer (the child owns it while it runs)
        String run = "kill-" + step.replace(' ', '-');
        List<StoredChunk> stored = new ArrayList<>();
        int before;
        try (DataBuffer b = DataBuffer.open(BUFFER, 1L << 30, 1 << 20)) {
            before = b.snapshots().size();
            for (int i = 0; i < 5; i++) {
                stored.add(b.store(new Chunk(new double[] {i, i + 0.5, -i}, 1000.0 + i, 0.25)));
            }
        }

        // when the snapshot job is killed as its snapshot reaches `step`
        long killed = HARNESS.killAt("AT ", SnapshotJobChild.class, run, step);
        assertThat(jobs.view(killed).status()).isEqualTo("STARTED");

        // then the restart completes
        JobRun done = KillHarness.restart(jobs, killed, Map.of());
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");

        // with exactly one new snapshot holding every buffered file, whole, and an empty OPERATIONAL buffer
        DataBuffer b = buffer.getObject(); // the context's buffer: the restarted job opened it
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
