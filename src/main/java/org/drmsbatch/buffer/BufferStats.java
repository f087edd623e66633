package org.drmsbatch.buffer;

/**
 * The counters: how many chunk files the buffer holds and their bytes (glitchflow's {@code n_itm} and
 * {@code buff_size}).
 */
public record BufferStats(long files, long bytes) {

    public static final BufferStats EMPTY = new BufferStats(0, 0);

    BufferStats plus(long fileBytes) {
        return new BufferStats(files + 1, bytes + fileBytes);
    }
}
