package org.drmsbatch.buffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The buffered chunks: one file {@code data/gwb<nanoseconds>.json} each, and their counters. A chunk is written to a temporary file, forced, renamed into {@code data/} and the directory forced, so a file in
 * {@code data/} is always complete. Takes no lock: {@link DataBuffer} decides who may write when.
 */
final class ChunkStore {

    static final String DATA = "data";
    private static final String TMP = ".tmp-";
    private static final Pattern CHUNK_NAME = Pattern.compile("gwb(\\d{1,19})\\.json");

    private final Path data;
    private final AtomicReference<BufferStats> stats = new AtomicReference<>(BufferStats.EMPTY);
    private final AtomicLong lastNanos = new AtomicLong();
    /** Renames into data/ done, and how many of them a force of the directory is known to cover. */
    private final AtomicLong renamed = new AtomicLong();
    private volatile long renamesForced;
    private final Object forcingDirectory = new Object();

    ChunkStore(Path bufferDirectory) {
        this.data = bufferDirectory.resolve(DATA);
    }

    Path directory() {
        return data;
    }

    static boolean isChunkName(String name) {
        return CHUNK_NAME.matcher(name).matches();
    }

    static void requireChunkName(String name) {
        if (!isChunkName(name)) {
            throw new IllegalArgumentException("not a chunk file name: " + name);
        }
    }

    /**
     * Writes {@code content} as a new chunk file, durably, and counts it. The forces of the directory that make the
     * renames durable are shared by the writers of the moment (a group commit): a writer whose rename another's
     * force already covered does not force again.
     */
    StoredChunk write(byte[] content) throws IOException {
        String name = "gwb" + nextNanos() + ".json";
        Path tmp = data.resolve(TMP + name);
        try {
            try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                DurableFiles.write(c, content);
                c.force(true);
            }
            Files.move(tmp, data.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        forceRenames(renamed.incrementAndGet());
        stats.accumulateAndGet(null, (s, ignored) -> s.plus(content.length));
        return new StoredChunk(name, content.length);
    }

    /** Returns once a force of data/ that began after rename number {@code mine} has ended. */
    private void forceRenames(long mine) throws IOException {
        if (renamesForced >= mine) {
            return;
        }
        synchronized (forcingDirectory) {
            if (renamesForced >= mine) {
                return;
            }
            long upTo = renamed.get(); // every rename counted here is done: the force below covers it
            DurableFiles.forceDirectory(data);
            renamesForced = upTo;
        }
    }

    /** Nanoseconds since the epoch, strictly increasing in this buffer (and past every name already in data/). */
    private long nextNanos() {
        Instant now = Instant.now();
        long wall = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        return lastNanos.accumulateAndGet(wall, (last, w) -> Math.max(last + 1, w));
    }

    /**
     * Moves a chunk file out of the buffer to {@code target} and counts the buffer again (rather than decrementing:
     * a file that cannot be read may not have come through {@link #write}). Neither directory is forced.
     */
    void moveOut(String name, Path target) throws IOException {
        Files.move(data.resolve(name), target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        stats.set(count());
    }

    /** The counters (consistent: files and bytes of the same moment). */
    BufferStats stats() {
        return stats.get();
    }

    void setStats(BufferStats counted) {
        stats.set(counted);
    }

    /** The chunk files, in name order (which is arrival order). */
    List<Path> files() throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(data)) {
            for (Path p : ds) {
                if (isChunkName(p.getFileName().toString())) {
                    out.add(p);
                }
            }
        }
        out.sort(null);
        return out;
    }

    /** Reads one chunk file's bytes by name. */
    byte[] bytes(String name) throws IOException {
        requireChunkName(name);
        return Files.readAllBytes(data.resolve(name));
    }

    /**
     * The t0 of one chunk file by name: from its last bytes when it ends with its t member
     * ({@link ChunkParser#tailT0}, every file stored from a plain body or as canonical JSON), else from all of it
     * ({@link ChunkParser#t0}). Its samples are not read.
     */
    double t0(String name) throws IOException {
        requireChunkName(name);
        try (FileChannel c = FileChannel.open(data.resolve(name), StandardOpenOption.READ)) {
            long size = c.size();
            ByteBuffer tail = ByteBuffer.allocate((int) Math.min(size, ChunkParser.TAIL));
            long from = size - tail.capacity();
            while (tail.hasRemaining() && c.read(tail, from + tail.position()) > 0) {
                // positional reads until the tail is in
            }
            if (!tail.hasRemaining()) {
                double t0 = ChunkParser.tailT0(tail.array());
                if (!Double.isNaN(t0)) {
                    return t0;
                }
            }
        }
        return ChunkParser.t0(bytes(name));
    }

    /** Counts the chunk files on disk (files moved away meanwhile are not counted). */
    BufferStats count() throws IOException {
        long files = 0;
        long bytes = 0;
        for (Path p : files()) {
            try {
                bytes += Files.size(p);
                files++;
            } catch (NoSuchFileException e) {
                // moved away meanwhile
            }
        }
        return new BufferStats(files, bytes);
    }

    /** At open: removes the temporary files of writes a crash interrupted, returning their names. */
    List<String> removeUnfinished() throws IOException {
        List<String> removed = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(data, TMP + "*")) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
                removed.add(p.getFileName().toString());
            }
        }
        return removed;
    }

    /** At open: new names continue after the newest name already on disk. */
    void continueNaming() throws IOException {
        long max = 0;
        for (Path p : files()) {
            Matcher m = CHUNK_NAME.matcher(p.getFileName().toString());
            if (m.matches()) {
                try {
                    max = Math.max(max, Long.parseLong(m.group(1)));
                } catch (NumberFormatException e) {
                    // 19 digits over Long.MAX_VALUE: not one of ours
                }
            }
        }
        lastNanos.set(max);
    }
}
