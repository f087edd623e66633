package org.drmsbatch.buffer;

import java.nio.file.Path;
import java.util.List;

/**
 * A snapshot of the buffer: the directory {@code snapshots/<name>} holding the chunk files and
 * {@code manifest.json}.
 *
 * @param name      UTC time to the second, {@code yyyyMMdd'T'HHmmss'Z'}, with {@code -2}, {@code -3}… when taken
 *                  again in the same second
 * @param directory where it is
 * @param files     the manifest: each file with its size and SHA-256
 * @param user      who asked for it
 * @param token     their token
 * @param request   the request id it was taken for, or null ({@link DataBuffer#snapshot(String, String, String)}:
 *                  one snapshot per request)
 */
public record Snapshot(String name, Path directory, List<Entry> files, String user, String token, String request) {

    public Snapshot {
        files = List.copyOf(files);
    }

    public long bytes() {
        return files.stream().mapToLong(Entry::bytes).sum();
    }

    /** One chunk file of a snapshot: name, bytes and the SHA-256 of its content (lower-case hex). */
    public record Entry(String name, long bytes, String sha256) {
    }
}
