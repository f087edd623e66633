package org.drmsbatch.jobs.collect;

import org.drmsbatch.buffer.Chunk;

/** A chunk read from the data buffer, with the name of its file there. */
public record BufferedChunk(String name, Chunk chunk) {
}
