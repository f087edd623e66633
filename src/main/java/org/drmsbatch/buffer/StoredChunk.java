package org.drmsbatch.buffer;

/** A chunk the buffer stored: its file name ({@code gwb<nanoseconds>.json}) and its size in bytes. */
public record StoredChunk(String name, long bytes) {
}
