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
import java.util.List;

import tools.jackson.databind.json.JsonMapper;

/**
 * The list of an export's written files, {@code .export-manifest.jsonl} in the export directory: one JSON line
 * {@code {"record","filename","bytes"}} per file, appended chunk by chunk. The step saves its length at each
 * commit; a restart truncates it to the saved length, so the lines of a chunk that did not commit are gone (its
 * files are written again under the same names).
 */
public final class ExportManifest {

    public static final String FILE = ".export-manifest.jsonl";

    /** One exported file. */
    public record Entry(String record, String filename, long bytes) {
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ExportManifest() {
    }

    public static Path path(Path directory) {
        return directory.resolve(FILE);
    }

    /** Cuts the manifest to {@code length} bytes (creating it when missing) and returns its entries. */
    public static List<Entry> truncate(Path directory, long length) throws IOException {
        Path p = path(directory);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            if (ch.size() < length) {
                throw new IOException(p + " is shorter (" + ch.size() + " bytes) than the " + length
                        + " bytes committed: the export directory was changed by someone else");
            }
            ch.truncate(length);
        }
        return read(directory);
    }

    /** The entries of the manifest (none when it does not exist). */
    public static List<Entry> read(Path directory) throws IOException {
        Path p = path(directory);
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

    /** Appends entries at the end; returns the new length. */
    public static long append(Path directory, List<Entry> entries) {
        StringBuilder sb = new StringBuilder();
        for (Entry e : entries) {
            sb.append(JSON.writeValueAsString(e)).append('\n');
        }
        try (FileChannel ch = FileChannel.open(path(directory), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ByteBuffer b = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true); // the length returned is committed with the chunk: it must survive a crash
            return ch.size();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + path(directory), e);
        }
    }
}
