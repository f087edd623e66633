package org.drmsbatch.export;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import tools.jackson.databind.json.JsonMapper;

/**
 * The lists of an export's written files, one per partition of the export step:
 * {@code .export-manifest-<partition>.jsonl} in the export directory, one JSON line
 * {@code {"record","filename","bytes","set","recnum"}} per file, appended chunk by chunk. Each partition's step saves
 * its manifest's length at each commit; a restart truncates it to the saved length, so the lines of a chunk that did
 * not commit are gone (its files are written again under the same names). No two partitions write the same
 * manifest; the package step reads them all ({@link #readAll}), in the record-set order.
 */
public final class ExportManifest {

    /** The one manifest of an export written before the step was partitioned: never read, removed as a stray. */
    public static final String FILE = ".export-manifest.jsonl";
    private static final String PREFIX = ".export-manifest-";
    private static final String SUFFIX = ".jsonl";

    /**
     * One exported file.
     *
     * @param record   the JSOC record spec ({@code series[pk]...{segment}})
     * @param filename its name in the export directory
     * @param bytes    its size
     * @param set      the index of the query's record set the record was read for
     * @param recnum   the record's recnum
     */
    public record Entry(String record, String filename, long bytes, int set, long recnum) {

        /** A file of no particular place in the order (first record set, recnum 0). */
        public Entry(String record, String filename, long bytes) {
            this(record, filename, bytes, 0, 0);
        }
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ExportManifest() {
    }

    /** The manifest of partition {@code partition} (letters, digits, {@code _ -}). */
    public static Path path(Path directory, String partition) {
        if (!partition.matches("[A-Za-z0-9_-]+")) {
            throw new IllegalArgumentException("bad partition name '" + partition + "'");
        }
        return directory.resolve(PREFIX + partition + SUFFIX);
    }

    /** Whether a file of an export directory is a partition's manifest. */
    public static boolean isManifest(String filename) {
        return filename.startsWith(PREFIX) && filename.endsWith(SUFFIX)
                && filename.length() > PREFIX.length() + SUFFIX.length();
    }

    /** The partitions' manifests in the directory, by name. */
    public static List<Path> manifests(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(p -> isManifest(p.getFileName().toString()) && Files.isRegularFile(p)).sorted()
                    .toList();
        }
    }

    /** Cuts a partition's manifest to {@code length} bytes (creating it when missing) and returns its entries. */
    public static List<Entry> truncate(Path directory, String partition, long length) throws IOException {
        Path p = path(directory, partition);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            if (ch.size() < length) {
                throw new IOException(p + " is shorter (" + ch.size() + " bytes) than the " + length
                        + " bytes committed: the export directory was changed by someone else");
            }
            ch.truncate(length);
        }
        return read(p);
    }

    /** The entries of a partition's manifest (none when it does not exist), in the order written. */
    public static List<Entry> read(Path directory, String partition) throws IOException {
        return read(path(directory, partition));
    }

    /**
     * The entries of every partition's manifest in the record-set order: by record set, then recnum, the files of a
     * record in the order written. The same for any number of partitions, and never the order they ended in.
     */
    public static List<Entry> readAll(Path directory) throws IOException {
        List<Entry> all = new ArrayList<>();
        for (Path p : manifests(directory)) {
            all.addAll(read(p));
        }
        // stable: a record's files keep their order (a record is in one partition only)
        all.sort(Comparator.comparingInt(Entry::set).thenComparingLong(Entry::recnum));
        return all;
    }

    /** Removes every partition's manifest. */
    public static void deleteAll(Path directory) throws IOException {
        for (Path p : manifests(directory)) {
            Files.deleteIfExists(p);
        }
    }

    private static List<Entry> read(Path p) throws IOException {
        List<Entry> out = new ArrayList<>();
        if (!Files.exists(p)) {
            return out;
        }
        for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                out.add(JSON.readValue(line, Entry.class));
            }
        }
        return out;
    }

    /** Appends entries at the end of a partition's manifest; returns its new length. */
    public static long append(Path directory, String partition, List<Entry> entries) {
        StringBuilder sb = new StringBuilder();
        for (Entry e : entries) {
            sb.append(JSON.writeValueAsString(e)).append('\n');
        }
        Path p = path(directory, partition);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ByteBuffer b = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true); // the length returned is committed with the chunk: it must survive a crash
            return ch.size();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + p, e);
        }
    }
}
