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
 * @param token     the token of the request ({@link DataBuffer#snapshot}: one snapshot per token)
 */
public record Snapshot(String name, Path directory, List<Entry> files, String user, String token) {

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
