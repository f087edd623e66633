package org.drmsbatch.sums.tape;

/**
 * The time a tape library takes, as modelled seconds: a mount (robot move, load and thread), an unmount (rewind,
 * unload, robot move back), a seek (a fixed locate time plus a part of the full-length seek in proportion to the
 * distance) and streaming. Defaults are LTO-9 full-height drives (specs/performance-notes.md). The order of work
 * decides the total: one mount per volume and reads in position order cost a fraction of reads in request order.
 *
 * @param mountSeconds    robot move plus load and thread, before the first byte
 * @param unmountSeconds  unload plus robot move back to the slot (the rewind is added by distance)
 * @param locateSeconds   the fixed part of any seek
 * @param fullSeekSeconds added for a seek over the volume's whole capacity, in proportion to the distance
 * @param bytesPerSecond  streaming rate once positioned
 * @param capacity        bytes a volume holds (a seek's distance is a fraction of it)
 */
public record TapeModel(double mountSeconds, double unmountSeconds, double locateSeconds, double fullSeekSeconds,
                        double bytesPerSecond, long capacity) {

    public TapeModel {
        if (bytesPerSecond <= 0 || capacity <= 0) {
            throw new IllegalArgumentException("a tape's streaming rate and capacity must be positive");
        }
    }

    /** LTO-9: 32 s mount, 45 s unmount, 8 s + up to 80 s seeks, 400 MB/s, 18 TB. */
    public static TapeModel lto9() {
        return new TapeModel(32, 45, 8, 80, 400e6, 18_000_000_000_000L);
    }

    public TapeModel withCapacity(long bytes) {
        return new TapeModel(mountSeconds, unmountSeconds, locateSeconds, fullSeekSeconds, bytesPerSecond, bytes);
    }

    /** Seconds to move the head from one byte position to another (none when it is there already). */
    public double seekSeconds(long from, long to) {
        if (from == to) {
            return 0;
        }
        return locateSeconds + fullSeekSeconds * Math.min(1.0, Math.abs(to - from) / (double) capacity);
    }

    /** Seconds to read or write {@code bytes} once positioned. */
    public double streamSeconds(long bytes) {
        return bytes / bytesPerSecond;
    }

    /** Seconds to unmount a volume whose head is at {@code position} (rewind, then unload). */
    public double unmountSeconds(long position) {
        return (position == 0 ? 0 : seekSeconds(position, 0)) + unmountSeconds;
    }
}
