package org.drmsbatch.segments;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/** Writes a file under a temporary name in the target directory and renames it, so no half file has the final name. */
public final class AtomicFile {

    public interface Writer {
        void writeTo(Path temp) throws IOException;
    }

    private AtomicFile() {
    }

    public static void write(Path target, Writer writer) throws IOException {
        write(target, writer, false);
    }

    /**
     * As {@link #write(Path, Writer)}, and durable: the content is forced to disk before the rename and the
     * directory after it, so after a crash the final name has the whole content or is absent. (Segment files do
     * not need it: their storage unit is synced before its catalog rows commit.)
     */
    public static void writeDurably(Path target, Writer writer) throws IOException {
        write(target, writer, true);
    }

    private static void write(Path target, Writer writer, boolean durable) throws IOException {
        Path temp = writeTemp(target, writer);
        commit(temp, target, durable);
        if (durable) {
            forceDirectory(target.toAbsolutePath().getParent());
        }
    }

    /**
     * The first half of {@link #writeDurably}, for a writer that overlaps the next file's writing with this one's
     * {@link #commit}: writes under a temporary name beside {@code target} and returns it (deleted if the writer
     * fails). No name but the temporary one is visible yet.
     */
    public static Path writeTemp(Path target, Writer writer) throws IOException {
        Path abs = target.toAbsolutePath();
        Path temp = abs.resolveSibling("." + abs.getFileName() + ".part-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        boolean done = false;
        try {
            writer.writeTo(temp);
            done = true;
            return temp;
        } finally {
            if (!done) {
                Files.deleteIfExists(temp);
            }
        }
    }

    /**
     * The second half: forces {@code temp}'s content to disk and renames it to {@code target} (deleting it if
     * either fails), so the final name has the whole content or is absent. The rename itself is durable only once
     * the directory is forced ({@link #forceDirectory}, once for any number of files).
     */
    public static void commit(Path temp, Path target) throws IOException {
        commit(temp, target, true);
    }

    private static void commit(Path temp, Path target, boolean durable) throws IOException {
        Path abs = target.toAbsolutePath();
        boolean done = false;
        try {
            if (durable) {
                try (FileChannel c = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                    c.force(true);
                }
            }
            try {
                Files.move(temp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(temp);
            }
        }
    }

    /** Forces a directory's entries (the renames into it) to disk. */
    public static void forceDirectory(Path directory) throws IOException {
        try (FileChannel d = FileChannel.open(directory, StandardOpenOption.READ)) {
            d.force(true);
        }
    }
}
