package org.drmsbatch.buffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The buffer's {@code .lock} file, locked while a process has the buffer open (one process owns a buffer) and
 * saying who that is ({@code pid <n> on <host>}), for the message another process gets.
 */
final class BufferLock {

    static final String LOCK = ".lock";

    private final FileChannel channel;
    private final FileLock lock;

    private BufferLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks the buffer in {@code dir} and writes this process into the file.
     *
     * @throws BufferInUseException when another process holds it
     * @throws IllegalStateException when this process holds it already
     */
    static BufferLock acquire(Path dir) throws IOException {
        FileChannel channel = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            channel.close();
            throw new IllegalStateException("the data buffer " + dir + " is already open in this process");
        }
        if (lock == null) {
            channel.close();
            String owner = "";
            try {
                owner = Files.readString(dir.resolve(LOCK), StandardCharsets.UTF_8).trim();
            } catch (IOException e) {
                // unknown owner
            }
            throw new BufferInUseException("the data buffer " + dir + " is in use by another process"
                    + (owner.isEmpty() ? "" : " (" + owner + ")") + "; one process owns a buffer: run the jobs "
                    + "that use it in that process (e.g. POST /api/jobs/collect to its drms serve) or stop it first");
        }
        try { // say who owns it, for the message above
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + " on " + hostName() + "\n")
                    .getBytes(StandardCharsets.UTF_8)), 0);
        } catch (IOException e) {
            // only the message would lack the owner
        }
        return new BufferLock(channel, lock);
    }

    /** Releases the lock and closes the file. */
    void release() throws IOException {
        lock.release();
        channel.close();
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "this host";
        }
    }
}
