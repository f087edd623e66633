package org.drmsbatch.jobs.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.drmsbatch.buffer.BufferFiles;
import org.drmsbatch.buffer.Chunk;
import org.drmsbatch.buffer.DataBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/** The reader with its reads ahead, against a real buffer directory: same chunks, skips and failures as without. */
class BufferChunkReaderTest {

    @TempDir
    Path dir;

    static Chunk chunk(int i) {
        double[] h = new double[1000];
        for (int k = 0; k < h.length; k++) {
            h[k] = 1e-21 * Math.sin((i * 1000 + k) * 0.01) + i;
        }
        return new Chunk(h, 100.0 + i, 1 / 4096.0);
    }

    @Test
    void readsAheadInOrderRejectsABadFileAndFailsOnOneGoneWhenItsTurnComes() throws Exception {
        try (DataBuffer buffer = DataBuffer.open(dir, 1L << 40, 1 << 20)) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                names.add(buffer.store(chunk(i).toJson()).name());
            }
            // a file damaged on disk: its t0 lists, its samples do not parse
            Files.writeString(buffer.dataDirectory().resolve(names.get(7)),
                    "{\"h\": [1, 2, true], \"t\": [107.0, 0.000244140625]}", StandardCharsets.US_ASCII);
            BufferChunkReader reader = new BufferChunkReader(buffer, "test", 8, 2);
            reader.open(new ExecutionContext());
            try {
                for (int i = 0; i < 20; i++) {
                    if (i == 7) {
                        assertThatThrownBy(reader::read).isInstanceOf(RejectedChunkException.class)
                                .hasMessageContaining(names.get(7)).hasMessageContaining("h[2] is a boolean");
                        assertThat(buffer.rejectedDirectory().resolve(names.get(7))).exists();
                        continue;
                    }
                    BufferedChunk c = reader.read();
                    assertThat(c.name()).isEqualTo(names.get(i));
                    assertThat(c.chunk()).isEqualTo(chunk(i));
                }
                // chunk 20 and the next ones are read ahead by now; one moved away before its turn fails the read
                Files.move(buffer.dataDirectory().resolve(names.get(21)),
                        Files.createDirectories(dir.resolve("away")).resolve(names.get(21)));
                assertThat(reader.read().name()).isEqualTo(names.get(20));
                assertThatThrownBy(reader::read).isInstanceOf(MissingChunkException.class)
                        .hasMessageContaining(names.get(21));
                for (int i = 22; i < 30; i++) {
                    assertThat(reader.read().chunk()).isEqualTo(chunk(i));
                }
                assertThat(reader.read()).isNull();
            } finally {
                reader.close();
            }
            assertThat(buffer.holders()).isEmpty();
            assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("collect-read-")
                    && t.isAlive());
        }
    }

    @Test
    void aSliceIsReadThroughAViewOfTheDirectoryAndARestartResumesItWithoutTheFilesGoneMeanwhile() throws Exception {
        // given 10 chunks, one of them damaged, in a buffer this process does not have open (another process's)
        List<String> names = new ArrayList<>();
        try (DataBuffer buffer = DataBuffer.open(dir, 1L << 40, 1 << 20)) {
            for (int i = 0; i < 10; i++) {
                names.add(buffer.store(chunk(i).toJson()).name());
            }
        }
        Files.writeString(dir.resolve("data").resolve(names.get(3)),
                "{\"h\": [1, true], \"t\": [103.0, 0.000244140625]}", StandardCharsets.US_ASCII);
        BufferFiles files = DataBuffer.files(dir);
        assertThat(files.owner()).as("a view of a buffer this process has not open").isFalse();
        List<String> slice = names.subList(2, 9);

        // when a partition reads its slice up to the damaged file and one after it, then fails
        ExecutionContext context = new ExecutionContext();
        BufferChunkReader reader = new BufferChunkReader(files, slice, "test", 2, 1);
        reader.open(context);
        try {
            assertThat(reader.read().chunk()).isEqualTo(chunk(2));
            assertThatThrownBy(reader::read).isInstanceOf(RejectedChunkException.class)
                    .hasMessageContaining(names.get(3));
            assertThat(reader.read().chunk()).isEqualTo(chunk(4));
            reader.update(context);
        } finally {
            reader.close();
        }
        assertThat(files.rejectedDirectory().resolve(names.get(3))).exists();
        assertThat(context.getString(BufferChunkReader.REJECTED)).isEqualTo(names.get(3));

        // then a file of its slice gone before its turn fails a first run naming it
        Path away = Files.createDirectories(dir.resolve("away"));
        Files.move(dir.resolve("data").resolve(names.get(6)), away.resolve(names.get(6)));
        BufferChunkReader first = new BufferChunkReader(files, slice.subList(3, 7), "test", 0, 0);
        first.open(new ExecutionContext());
        try {
            assertThat(first.read().chunk()).isEqualTo(chunk(5));
            assertThatThrownBy(first::read).isInstanceOf(MissingChunkException.class)
                    .hasMessageContaining(names.get(6));
        } finally {
            first.close();
        }

        // and the restart of the partition resumes after its position, without that file, and nothing beyond
        BufferChunkReader again = new BufferChunkReader(files, slice, "test", 2, 1);
        again.open(context);
        try {
            List<Chunk> read = new ArrayList<>();
            for (BufferedChunk c = again.read(); c != null; c = again.read()) {
                read.add(c.chunk());
            }
            assertThat(read).containsExactly(chunk(5), chunk(7), chunk(8));
            again.update(context);
        } finally {
            again.close();
        }
        assertThat(context.containsKey(BufferChunkReader.REJECTED)).as("told at the end of the first run").isFalse();

        // and the buffer's owner, told of the rejection, logs it once with its reason
        try (DataBuffer buffer = DataBuffer.open(dir, 1L << 40, 1 << 20)) {
            assertThat(DataBuffer.files(dir)).isSameAs(buffer);
            assertThat(buffer.rejectedElsewhere(List.of(names.get(3), names.get(4)))).containsExactly(names.get(3));
            assertThat(buffer.logEntries()).filteredOn(e -> e.get("event").asString().equals("reject"))
                    .singleElement().satisfies(e -> {
                        assertThat(e.get("name").asString()).isEqualTo(names.get(3));
                        assertThat(e.get("reason").asString()).contains("boolean");
                    });
            assertThat(buffer.stats().files()).isEqualTo(8);
        }
    }
}
