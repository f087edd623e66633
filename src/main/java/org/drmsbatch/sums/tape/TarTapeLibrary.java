package org.drmsbatch.sums.tape;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A tape library whose volumes are tar files in a directory ({@code <directory>/<label>.tar}), each tape file a run
 * of tar entries {@code <name>/...} written with Commons Compress, so that a volume is a tar file GNU tar reads. The
 * drives and their costs are modelled ({@link TapeModel}): every mount, unmount, seek and byte streamed adds its
 * modelled seconds to the {@link #counters() counters}, and the caller waits that time multiplied by the time scale
 * (1 real time, 0 no waiting).
 *
 * <p>A volume always ends with tar's end-of-archive blocks after its last tape file; an append overwrites them and
 * writes them again after the new file. The committed end of a volume is kept by the caller (in the catalog,
 * {@link TapeArchive}): {@link Drive#truncate} cuts off whatever a run that never committed wrote past it.
 */
public class TarTapeLibrary implements TapeLibrary {

    /** A volume label: letters, digits, - and _, at most 32 (also what {@link RemoteTapeLibrary} keeps). */
    static final Pattern LABEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,31}");
    /** tar's end of archive: two zero blocks. */
    private static final int EOF_BYTES = 1024;
    private static final int BLOCK = 512;

    private final Path directory;
    private final TapeModel model;
    private final double timeScale;
    private final Slot[] drives;
    private long mounts;
    private long unmounts;
    private long seeks;
    private long bytesRead;
    private long bytesWritten;
    private double seconds;

    /** A drive's hardware state, guarded by the library's lock. */
    private static final class Slot {
        final int index;
        String volume;
        boolean inUse;
        long position;

        Slot(int index) {
            this.index = index;
        }
    }

    /**
     * @param directory where the volumes are (made when missing)
     * @param drives    how many drives
     * @param model     the time model (its capacity is the volumes' capacity)
     * @param timeScale how much of the modelled time to wait: 1 real time, 0 none
     */
    public TarTapeLibrary(Path directory, int drives, TapeModel model, double timeScale) {
        if (drives < 1) {
            throw new IllegalArgumentException("a tape library needs at least one drive");
        }
        if (timeScale < 0) {
            throw new IllegalArgumentException("the time scale must be >= 0");
        }
        this.directory = directory;
        this.model = model;
        this.timeScale = timeScale;
        this.drives = new Slot[drives];
        for (int i = 0; i < drives; i++) {
            this.drives[i] = new Slot(i);
        }
    }

    public Path directory() {
        return directory;
    }

    /** The tar file of a volume. */
    public Path file(String volume) {
        if (volume == null || !LABEL.matcher(volume).matches()) {
            throw new TapeException("Not a volume label: '" + volume + "' (letters, digits, '-' and '_', at most 32)");
        }
        return directory.resolve(volume + ".tar");
    }

    @Override
    public int drives() {
        return drives.length;
    }

    @Override
    public TapeModel model() {
        return model;
    }

    @Override
    public void create(String volume) {
        Path file = file(volume);
        try {
            Files.createDirectories(directory);
            if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                throw new TapeException("Volume " + volume + " exists already in " + directory);
            }
            Path tmp = Files.createTempFile(directory, volume, ".tmp");
            try {
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    ch.write(ByteBuffer.allocate(EOF_BYTES));
                    ch.force(true);
                }
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
            forceDirectory(directory);
        } catch (IOException e) {
            throw new TapeException("Cannot create volume " + volume + " in " + directory + ": " + e, e);
        }
    }

    @Override
    public boolean has(String volume) {
        return Files.isRegularFile(file(volume), LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public Drive mount(String volume) throws InterruptedException {
        if (!has(volume)) {
            throw new TapeException("Volume " + volume + " is not in the tape library (" + file(volume) + " missing)");
        }
        Slot slot;
        String unloaded = null;
        long unloadedAt = 0;
        synchronized (this) {
            while (true) {
                Slot holding = null;
                Slot empty = null;
                Slot idle = null;
                for (Slot s : drives) {
                    if (volume.equals(s.volume)) {
                        holding = s;
                    } else if (!s.inUse && s.volume == null && empty == null) {
                        empty = s;
                    } else if (!s.inUse && idle == null) {
                        idle = s;
                    }
                }
                if (holding != null) {
                    if (!holding.inUse) {
                        holding.inUse = true;
                        return new TarDrive(holding, volume); // loaded already: no cost
                    }
                } else if (empty != null || idle != null) {
                    slot = empty != null ? empty : idle;
                    unloaded = slot.volume;
                    unloadedAt = slot.position;
                    slot.inUse = true;
                    slot.volume = volume; // reserved: nobody else mounts it meanwhile
                    slot.position = 0;
                    break;
                }
                wait();
            }
        }
        double s = model.mountSeconds();
        if (unloaded != null) {
            s += model.unmountSeconds(unloadedAt);
        }
        account(s, 1, unloaded != null ? 1 : 0, 0, 0, 0);
        try {
            pause(s);
        } catch (TapeException e) {
            release(slot, true);
            throw new InterruptedException("interrupted while mounting " + volume);
        }
        return new TarDrive(slot, volume);
    }

    private synchronized void release(Slot slot, boolean unload) {
        slot.inUse = false;
        if (unload) {
            slot.volume = null;
            slot.position = 0;
        }
        notifyAll();
    }

    @Override
    public synchronized List<DriveState> driveStates() {
        List<DriveState> out = new ArrayList<>();
        for (Slot s : drives) {
            out.add(new DriveState(s.index, s.volume, s.inUse, s.position));
        }
        return out;
    }

    @Override
    public synchronized TapeCounters counters() {
        return new TapeCounters(mounts, unmounts, seeks, bytesRead, bytesWritten, seconds);
    }

    @Override
    public synchronized void close() {
        for (Slot s : drives) {
            if (!s.inUse) {
                s.volume = null;
                s.position = 0;
            }
        }
        notifyAll();
    }

    private synchronized void account(double s, int mount, int unmount, int seek, long read, long written) {
        seconds += s;
        mounts += mount;
        unmounts += unmount;
        seeks += seek;
        bytesRead += read;
        bytesWritten += written;
    }

    /** Waits the modelled seconds times the time scale. */
    private void pause(double modelled) {
        long nanos = (long) (modelled * timeScale * 1e9);
        if (nanos <= 0) {
            return;
        }
        try {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TapeException("Interrupted while the tape drive was busy");
        }
    }

    private static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException notSupported) {
            // some file systems cannot sync a directory
        }
    }

    /**
     * The bytes {@link Drive#append} writes for {@code directory} as tape file {@code name} ({@link TarFormat#bytes}):
     * exact, so that a volume's room is decided right.
     */
    @Override
    public long tapeBytes(String name, Path directory) {
        return TarFormat.bytes(name, directory);
    }

    /** A mounted volume in a drive. */
    private final class TarDrive implements Drive {
        private final Slot slot;
        private final String volume;
        private final Path file;
        private FileChannel channel;
        /** Where the next tape file is appended; -1 until {@link #truncate} says where the committed end is. */
        private long dataEnd = -1;
        private boolean closed;

        TarDrive(Slot slot, String volume) {
            this.slot = slot;
            this.volume = volume;
            this.file = file(volume);
        }

        @Override
        public String volume() {
            return volume;
        }

        private FileChannel channel() throws IOException {
            if (closed) {
                throw new IllegalStateException("drive released");
            }
            if (channel == null) {
                try {
                    channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
                } catch (NoSuchFileException e) {
                    throw new TapeException("Volume " + volume + " is gone from the tape library (" + file + ")");
                }
            }
            return channel;
        }

        /** Moves the head, adding the seek's modelled time. */
        private void seek(long to) {
            long from;
            synchronized (TarTapeLibrary.this) {
                from = slot.position;
                slot.position = to;
            }
            if (from != to) {
                double s = model.seekSeconds(from, to);
                account(s, 0, 0, 1, 0, 0);
                pause(s);
            }
        }

        private void streamed(long to, long read, long written) {
            synchronized (TarTapeLibrary.this) {
                slot.position = to;
            }
            double s = model.streamSeconds(read + written);
            account(s, 0, 0, 0, read, written);
            pause(s);
        }

        @Override
        public void truncate(long end) {
            try {
                FileChannel ch = channel();
                long size = ch.size();
                if (size < end) {
                    throw new TapeException("Volume " + volume + " ends at byte " + size + ", before its last committed"
                            + " tape file's end (" + end + "): the volume is damaged");
                }
                seek(end);
                ch.truncate(end);
                ch.write(ByteBuffer.allocate(EOF_BYTES), end);
                dataEnd = end;
            } catch (IOException e) {
                throw new TapeException("Cannot position volume " + volume + " at byte " + end + ": " + e, e);
            }
        }

        @Override
        public TapeFile append(int fileNumber, String name, Path dir) {
            if (dataEnd < 0) {
                throw new IllegalStateException("truncate the volume to its committed end before appending");
            }
            seek(dataEnd);
            long start = dataEnd;
            try {
                FileChannel ch = channel();
                ch.position(start);
                TarFormat.Written written = TarFormat.write(Channels.newOutputStream(ch), name, dir);
                long bytes = written.bytes();
                if (bytes % BLOCK != 0) {
                    throw new TapeException("Tape file " + fileNumber + " on " + volume + " is not whole blocks ("
                            + bytes + " bytes)");
                }
                if (start + bytes + EOF_BYTES > model.capacity()) {
                    throw new TapeException("Volume " + volume + " is full: tape file " + fileNumber + " (" + name
                            + ", " + bytes + " bytes) would end at byte " + (start + bytes + EOF_BYTES)
                            + " with tar's end blocks, past its capacity of " + model.capacity() + " bytes");
                }
                // tar's end of archive after it, overwritten by the next append; nothing after that
                ch.write(ByteBuffer.allocate(EOF_BYTES), start + bytes);
                ch.truncate(start + bytes + EOF_BYTES);
                dataEnd = start + bytes;
                streamed(dataEnd, 0, bytes);
                return new TapeFile(volume, fileNumber, start, bytes, written.md5());
            } catch (IOException e) {
                endAt(dataEnd);
                throw new TapeException("Cannot write tape file " + fileNumber + " (" + name + ") to volume " + volume
                        + ": " + e, e);
            } catch (RuntimeException e) {
                endAt(dataEnd);
                throw e;
            }
        }

        /**
         * After a failed append: the volume ends again with tar's end blocks at {@code end}, so that what the
         * append wrote is gone at once (a failure to do so is left for the next truncate).
         */
        private void endAt(long end) {
            try {
                FileChannel ch = channel();
                ch.truncate(end);
                ch.write(ByteBuffer.allocate(EOF_BYTES), end);
            } catch (IOException | RuntimeException ignored) {
                // the committed end is the caller's: its next truncate cuts this off
            }
        }

        @Override
        public void force() {
            try {
                channel().force(true);
            } catch (IOException e) {
                throw new TapeException("Cannot force volume " + volume + " to the medium: " + e, e);
            }
        }

        @Override
        public void read(TapeFile tf, String name, Path target) {
            if (!tf.volume().equals(volume)) {
                throw new IllegalArgumentException("tape file of " + tf.volume() + " read on " + volume);
            }
            seek(tf.position());
            String where = "tape file " + tf.fileNumber() + " of volume " + volume;
            try {
                FileChannel ch = channel();
                if (ch.size() < tf.position() + tf.bytes()) {
                    throw new TapeException("Volume " + volume + " ends at byte " + ch.size() + ", before the end of "
                            + where + " (" + (tf.position() + tf.bytes()) + ")");
                }
                TarFormat.Restored restored = TarFormat.restore(Channels.newInputStream(ch.position(tf.position())),
                        tf.bytes(), where, name, target);
                streamed(tf.position() + restored.bytes(), restored.bytes(), 0);
                restored.check(tf, where);
            } catch (IOException e) {
                throw new TapeException("Cannot read " + where + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                if (channel != null) {
                    channel.close();
                }
            } catch (IOException ignored) {
                // nothing was left unwritten: appends are forced by force()
            } finally {
                release(slot, false);
            }
        }
    }
}
