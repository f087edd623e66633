package org.drmsbatch.buffer;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.core.json.JsonFactory;

/**
 * One chunk of strain: samples {@code h} taken every {@code dt} seconds from {@code t0}; on disk and on the wire
 * {@code {"h": [...], "t": [t0, dt]}}. Validated on construction: h non-empty and finite, t0 finite, dt finite and
 * positive.
 */
public record Chunk(double[] h, double t0, double dt) {

    /**
     * Writes doubles with Jackson's Schubfach writer: the format of {@link Double#toString(double)} with the shortest
     * digits that read back to the same double (as Java 19+ prints them), about five times faster than Java 17's
     * {@code Double.toString}, which was most of the cost of storing a large chunk.
     */
    private static final JsonFactory JSON = JsonFactory.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
            .build();

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
        ByteArrayOutputStream out = new ByteArrayOutputStream(32 + h.length * 24);
        try (JsonGenerator g = JSON.createGenerator(ObjectWriteContext.empty(), out)) {
            g.writeStartObject();
            g.writeName("h");
            g.writeArray(h, 0, h.length);
            g.writeName("t");
            g.writeStartArray();
            g.writeNumber(t0);
            g.writeNumber(dt);
            g.writeEndArray();
            g.writeEndObject();
        }
        return out.toByteArray();
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
