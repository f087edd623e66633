package org.drmsbatch.sums.tape;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * A tape library: volumes in slots and a few drives. A volume is read or written only while it is mounted in a
 * drive; {@link #mount} waits for a free drive. This is all the SUMS side ({@link TapeArchive}, the archive and
 * stage jobs) asks of a library, so another backend can sit behind it: an LTFS mount (a volume is a mounted
 * directory), or a site's HSM (mount and seek cost nothing, the append and read go to its transfer API).
 *
 * <p>{@link TarTapeLibrary} keeps each volume as one tar file in a directory and models the time a real library
 * takes ({@link TapeModel}).
 */
public interface TapeLibrary extends AutoCloseable {

    /** How many drives the library has: how many volumes can be read or written at once. */
    int drives();

    /** The time model, for planning ({@link ReadPlan}) and reports. */
    TapeModel model();

    /** Adds a blank volume with this label to a free slot. */
    void create(String volume);

    /** Whether a volume of this label is in the library. */
    boolean has(String volume);

    /**
     * Mounts a volume in a drive (one that holds it already costs nothing), waiting until a drive is free and the
     * volume is not in another drive. Closing the drive releases it; the volume stays loaded until the drive is
     * needed for another one.
     */
    Drive mount(String volume) throws InterruptedException;

    /**
     * The bytes {@link Drive#append} would write on a volume for {@code directory} as tape file {@code name}: what
     * {@link TapeArchive} decides a volume's room with. This default counts the files' bytes only, right for a
     * backend that adds nothing around them; a library that writes a format around them says exactly how much.
     */
    default long tapeBytes(String name, Path directory) {
        try (Stream<Path> s = Files.walk(directory)) {
            long total = 0;
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    total += Files.size(p);
                }
            }
            return total;
        } catch (IOException e) {
            throw new TapeException("Cannot read " + directory + " to archive it: " + e, e);
        }
    }

    /** The drives now: which volume each holds, whether in use, the head's position. */
    List<DriveState> driveStates();

    /** What the library has done since it started: mounts, seeks, bytes and modelled seconds. */
    TapeCounters counters();

    /** Unloads every drive. */
    @Override
    void close();

    /** A drive with a volume mounted, for one user at a time until {@link #close()}. */
    interface Drive extends AutoCloseable {

        /** The mounted volume's label. */
        String volume();

        /**
         * Cuts the volume back to {@code end}, its last committed tape file's end (a write that never committed is
         * dropped), and positions the head there for appends.
         */
        void truncate(long end);

        /**
         * Appends a tape file holding the files under {@code directory}, named {@code name/...} on the volume, at the
         * head's position. It is complete but not yet durable: {@link #force} makes it so.
         */
        TapeFile append(int fileNumber, String name, Path directory);

        /** Forces what was appended to the medium. */
        void force();

        /**
         * Reads a tape file written by {@link #append} with that {@code name} into {@code target} (which must exist),
         * checking its length and MD5. A file that cannot be read or whose checksum differs is a
         * {@link TapeException} saying why; what was restored into {@code target} is then the caller's to remove.
         */
        void read(TapeFile file, String name, Path target);

        /** Releases the drive. */
        @Override
        void close();
    }

    /** A drive's state: the loaded volume (null: empty), whether someone uses it, the head's byte position. */
    record DriveState(int drive, String volume, boolean inUse, long position) {
    }

    /**
     * Counters of a library's work. Seconds are modelled drive time (summed over drives), whatever the time scale.
     */
    record TapeCounters(long mounts, long unmounts, long seeks, long bytesRead, long bytesWritten,
                        double modelledSeconds) {
    }
}
