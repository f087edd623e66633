package org.drmsbatch.buffer;

/**
 * The answer of {@link DataBuffer#train}: {@code frozen} when the byte count reached the threshold and the buffer is
 * now FROZEN (with the counters after freezing), else the buffer is still filling (WAITING).
 */
public record TrainDecision(boolean frozen, BufferStats stats) {
}
