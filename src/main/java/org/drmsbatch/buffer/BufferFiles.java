package org.drmsbatch.buffer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The chunk files of a data buffer as a reader sees them (the collect job's): listed, read, and taken out of the
 * buffer when they cannot be read. The process that owns the buffer reads them through its {@link DataBuffer}; a
 * process that shares the buffer's directory without owning it (a collect worker of the cluster, on the same host
 * or another one mounting it at the same path) through {@link DataBuffer#files}'s view of the directory.
 */
public interface BufferFiles {

    /** Where the buffered chunk files are ({@code <buffer>/data}). */
    Path dataDirectory();

    /** Where {@link #reject} puts chunk files that cannot be read ({@code <buffer>/rejected}). */
    Path rejectedDirectory();

    /** The names of the buffered chunk files, in name order (which is arrival order). */
    List<String> fileNames() throws IOException;

    /** One buffered chunk by file name. */
    Chunk read(String name) throws IOException;

    /** The t0 of one buffered chunk by file name, read without converting its samples. */
    double t0(String name) throws IOException;

    /**
     * Takes a chunk file that cannot be read out of the buffer: into {@link #rejectedDirectory} next to a
     * {@code <name>.reason} file saying why.
     *
     * @return the file's new place, or null when it was not in the buffer
     */
    Path reject(String name, String reason) throws IOException;

    /**
     * Whether a rejection here is counted and logged by the buffer at once ({@link DataBuffer}); else the owner
     * learns of it later ({@link DataBuffer#rejectedElsewhere}).
     */
    default boolean owner() {
        return false;
    }
}
