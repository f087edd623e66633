package org.drmsbatch.buffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import org.drmsbatch.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A real {@code kill -9} of a child JVM while it stores from many threads and at each step of a snapshot: reopening
 * gives counters equal to the files on disk, every acknowledged chunk present and intact, and either the whole
 * buffer or the whole snapshot.
 */
class DataBufferKillTest {

    @TempDir
    Path dir;

    private static final class Child implements AutoCloseable {
        final Process process;
        final BlockingQueue<String> lines;

        Child(Path dir, Path stderr, String... args) throws IOException {
            ChildJvm jvm = ChildJvm.start(BufferKillChild.class, stderr, args);
            process = jvm.process();
            lines = jvm.lines();
        }

        String next(Path stderr) throws Exception {
            String l = lines.poll(60, TimeUnit.SECONDS);
            assertThat(l).as("child output (stderr: %s)", Files.exists(stderr) ? Files.readString(stderr) : "")
                    .isNotNull().isNotEqualTo("EOF");
            return l;
        }

        void kill() throws Exception {
            process.destroyForcibly();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    @Test
    void aBufferOpenInAnotherProcessIsRefusedNamingThatProcess() throws Exception {
        Path stderr = dir.resolve("child.err");
        Path buf = dir.resolve("buffer");
        try (Child child = new Child(buf, stderr, "store", buf.toString(), "1")) {
            assertThat(child.next(stderr)).isEqualTo("OPEN");
            assertThatThrownBy(() -> DataBuffer.open(buf, 2000, 1 << 20))
                    .isInstanceOf(BufferInUseException.class)
                    .hasMessageContaining("in use by another process (pid " + child.process.pid() + " on ")
                    .hasMessageContaining("POST /api/jobs/collect");
            child.kill();
        }
        // the owner died: the lock went with it
        try (DataBuffer b = DataBuffer.open(buf, 2000, 1 << 20)) {
            assertThat(b.stats().files()).isEqualTo(b.fileNames().size());
        }
    }

    @Test
    void killedWhileStoringFromManyThreads() throws Exception {
        Path stderr = dir.resolve("child.err");
        Path buf = dir.resolve("buffer");
        Set<String> acknowledged = new HashSet<>();
        try (Child child = new Child(buf, stderr, "store", buf.toString(), "8")) {
            assertThat(child.next(stderr)).isEqualTo("OPEN");
            while (acknowledged.size() < 300) {
                String l = child.next(stderr);
                assertThat(l).startsWith("STORED ");
                acknowledged.add(l.split(" ")[1]);
            }
            child.kill();
            for (String l; (l = child.lines.poll()) != null; ) {
                if (l.startsWith("STORED ")) {
                    acknowledged.add(l.split(" ")[1]);
                }
            }
        }
        try (DataBuffer b = DataBuffer.open(buf, 2000, 1 << 20)) {
            List<String> names = b.fileNames();
            assertThat(names).containsAll(acknowledged);
            long bytes = 0;
            for (String n : names) {
                assertThat(b.read(n).h()).hasSize(300); // complete, valid
                bytes += Files.size(b.dataDirectory().resolve(n));
            }
            assertThat(b.stats()).isEqualTo(new BufferStats(names.size(), bytes));
            try (var l = Files.list(b.dataDirectory())) {
                assertThat(l.map(p -> p.getFileName().toString())).allMatch(n -> n.matches("gwb\\d{19}\\.json"));
            }
            Set<String> logged = new HashSet<>();
            b.logEntries().stream().filter(e -> e.get("event").asString().equals("store"))
                    .forEach(e -> logged.add(e.get("name").asString()));
            assertThat(logged).containsAll(acknowledged);
            // and it goes on storing, with names that do not collide
            StoredChunk next = b.store(DataBufferTest.chunk(300, 0));
            assertThat(names).doesNotContain(next.name());
            assertThat(b.stats().files()).isEqualTo(names.size() + 1);
        }
    }

    @ParameterizedTest(name = "killed at {0}")
    @ValueSource(strings = {"manifest", "moved 1", "moved 4", "moved 7", "renamed", "reset"})
    void killedDuringASnapshot(String step) throws Exception {
        Path stderr = dir.resolve("child.err");
        Path buf = dir.resolve("buffer");
        List<StoredChunk> stored = new ArrayList<>();
        try (DataBuffer b = DataBuffer.open(buf, 2000, 1 << 20)) {
            for (int i = 0; i < 7; i++) {
                stored.add(b.store(DataBufferTest.chunk(100, i)));
            }
        }
        try (Child child = new Child(buf, stderr, "snapshot", buf.toString(), step)) {
            assertThat(child.next(stderr)).isEqualTo("OPEN");
            assertThat(child.next(stderr)).isEqualTo("AT " + step);
            child.kill();
        }
        try (DataBuffer b = DataBuffer.open(buf, 2000, 1 << 20)) {
            // at every step the manifest was written, so reopening finishes the snapshot: the whole snapshot
            List<Snapshot> snaps = b.snapshots();
            assertThat(snaps).hasSize(1);
            Snapshot s = snaps.get(0);
            assertThat(s.files()).extracting(Snapshot.Entry::name)
                    .containsExactlyElementsOf(stored.stream().map(StoredChunk::name).toList());
            for (Snapshot.Entry e : s.files()) {
                assertThat(Snapshots.sha256(s.directory().resolve(e.name()))).isEqualTo(e.sha256());
            }
            assertThat(b.fileNames()).isEmpty();
            assertThat(b.stats()).isEqualTo(BufferStats.EMPTY);
            assertThat(b.state()).isEqualTo(BufferState.OPERATIONAL);
            try (var l = Files.list(b.snapshotsDirectory())) {
                assertThat(l.map(p -> p.getFileName().toString())).containsExactly(s.name());
            }
            if (step.equals("renamed")) { // renamed, not yet reset: the recovery's note names the snapshot
                String notes = b.logEntries().stream().filter(e -> e.get("event").asString().equals("recover"))
                        .map(e -> e.get("notes").toString()).reduce("", String::concat);
                assertThat(notes).contains("reset the buffer after the snapshot " + s.name());
            }
        }
    }

    @Test
    void aSnapshotKilledBeforeItsManifestLeavesTheWholeBufferFrozen() throws Exception {
        Path buf = dir.resolve("buffer");
        List<StoredChunk> stored = new ArrayList<>();
        try (DataBuffer b = DataBuffer.open(buf, 2000, 1 << 20)) {
            for (int i = 0; i < 3; i++) {
                stored.add(b.store(DataBufferTest.chunk(100, i)));
            }
            b.freeze("u", "t");
        }
        // what a crash between "snapshot under way" and the manifest leaves: the state names it, a directory
        // with a half-written manifest, one file already linked in (cannot happen, but must not be lost either)
        Path state = buf.resolve("state.json");
        Files.writeString(state, Files.readString(state).replace("\"snapshot\":null", "\"snapshot\":\"20990101T000000Z\""));
        Path work = buf.resolve("snapshots/.inprogress-20990101T000000Z");
        Files.createDirectories(work);
        Files.writeString(work.resolve("manifest.json.tmp"), "{\"name\":");
        Files.move(buf.resolve("data").resolve(stored.get(0).name()), work.resolve(stored.get(0).name()));
        try (DataBuffer b = DataBuffer.open(buf, 2000, 1 << 20)) {
            assertThat(b.fileNames()).containsExactlyElementsOf(stored.stream().map(StoredChunk::name).toList());
            assertThat(b.stats().files()).isEqualTo(3);
            assertThat(b.state()).isEqualTo(BufferState.FROZEN);
            assertThat(b.snapshots()).isEmpty();
            try (var l = Files.list(b.snapshotsDirectory())) {
                assertThat(l).isEmpty();
            }
            // calling it again does the job
            Snapshot s = b.snapshot("again", "again");
            assertThat(s.files()).hasSize(3);
            assertThat(b.stats()).isEqualTo(BufferStats.EMPTY);
        }
    }
}
