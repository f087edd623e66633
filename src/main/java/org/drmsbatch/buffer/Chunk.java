package org.drmsbatch.buffer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One chunk of strain: samples {@code h} taken every {@code dt} seconds from {@code t0}; on disk and on the wire
 * {@code {"h": [...], "t": [t0, dt]}}. Validated on construction: h non-empty and finite, t0 finite, dt finite and
 * positive.
 */
public record Chunk(double[] h, double t0, double dt) {

    public Chunk {
        if (h == null || h.length == 0) {
            throw new InvalidChunkException("h must be a non-empty array of numbers", "/h", 0, 0);
        }
        for (int i = 0; i < h.length; i++) {
            if (!Double.isFinite(h[i])) {
                throw new InvalidChunkException("h[" + i + "] is not a finite number", "/h/" + i, 0, 0);
            }
        }
        if (!Double.isFinite(t0)) {
            throw new InvalidChunkException("t0 is not a finite number", "/t/0", 0, 0);
        }
        if (!Double.isFinite(dt) || dt <= 0) {
            throw new InvalidChunkException("dt must be a finite number > 0, not " + dt, "/t/1", 0, 0);
        }
    }

    /** Parses and validates a body; see {@link ChunkParser}. */
    public static Chunk parse(byte[] json) {
        return ChunkParser.parse(json);
    }

    /** The canonical JSON of this chunk, {@code {"h":[…],"t":[t0,dt]}}: what the buffer stores. */
    public byte[] toJson() {
        StringBuilder b = new StringBuilder(16 + h.length * 24);
        b.append("{\"h\":[");
        for (int i = 0; i < h.length; i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append(h[i]);
        }
        b.append("],\"t\":[").append(t0).append(',').append(dt).append("]}");
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Chunk c && Arrays.equals(h, c.h) && Double.compare(t0, c.t0) == 0
                && Double.compare(dt, c.dt) == 0;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(h) * 31 + Double.hashCode(t0) * 17 + Double.hashCode(dt);
    }

    @Override
    public String toString() {
        return "Chunk[" + h.length + " samples, t0=" + t0 + ", dt=" + dt + "]";
    }
}
