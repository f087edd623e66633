package org.drmsbatch.buffer;

import java.time.Instant;

/**
 * The state of the buffer and who set it: the user and token that froze it (glitchflow's {@code "databuf"} when it
 * was (re)opened), when, and the counters at the moment of asking.
 */
public record BufferStatus(BufferState state, String user, String token, Instant since, BufferStats stats) {
}
