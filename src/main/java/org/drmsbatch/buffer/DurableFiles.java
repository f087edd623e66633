package org.drmsbatch.buffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * How the buffer puts bytes on disk so that a crash leaves the old content or the new, never half: write, force,
 * rename, force the directory.
 */
final class DurableFiles {

    private DurableFiles() {
    }

    /** Writes a temporary file, forces it, renames it over {@code target} and forces the directory. */
    static void writeAtomically(Path target, byte[] content) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            write(c, content);
            c.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceDirectory(target.getParent());
    }

    /** Writes all of {@code bytes} at the channel's position (nothing forced). */
    static void write(FileChannel c, byte[] bytes) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
            c.write(buf);
        }
    }

    /** Forces a directory, so that the renames and removals in it survive a crash. */
    static void forceDirectory(Path dir) throws IOException {
        try (FileChannel c = FileChannel.open(dir, StandardOpenOption.READ)) {
            c.force(true);
        } catch (IOException e) {
            // some platforms cannot open a directory for fsync; the rename is then as durable as they make it
            if (!System.getProperty("os.name", "").toLowerCase().contains("win")) {
                throw e;
            }
        }
    }
}
