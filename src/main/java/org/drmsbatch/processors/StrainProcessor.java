package org.drmsbatch.processors;

import org.drmsbatch.buffer.Chunk;
import org.drmsbatch.readers.BufferedChunk;
import org.springframework.batch.infrastructure.item.ItemProcessor;

/**
 * Turns a buffered chunk into a strain record: NSAMPLES, DT, and DATAMIN, DATAMAX, DATAMEAN, DATARMS of h.
 * {@code failAt} (1-based, 0 for never) makes the processing of that item of this step execution fail, for tests
 * of restart; {@code delayMillis} slows each item down (for tests that kill a running job).
 */
public class StrainProcessor implements ItemProcessor<BufferedChunk, StrainRecord> {

    private final String detector;
    private final long failAt;
    private final long delayMillis;
    private long seen;

    public StrainProcessor(String detector, long failAt) {
        this(detector, failAt, 0);
    }

    public StrainProcessor(String detector, long failAt, long delayMillis) {
        this.detector = detector;
        this.failAt = failAt;
        this.delayMillis = delayMillis;
    }

    @Override
    public StrainRecord process(BufferedChunk item) throws InterruptedException {
        if (delayMillis > 0) {
            Thread.sleep(delayMillis);
        }
        seen++;
        if (failAt > 0 && seen == failAt) {
            throw new IllegalStateException("failing at item " + seen + " (" + item.name() + ") as asked (failAt)");
        }
        return toRecord(detector, item.name(), item.chunk());
    }

    /** The record of a chunk. */
    public static StrainRecord toRecord(String detector, String source, Chunk c) {
        double[] h = c.h();
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double sum = 0;
        double sumSq = 0;
        for (double v : h) {
            min = Math.min(min, v);
            max = Math.max(max, v);
            sum += v;
            sumSq += v * v;
        }
        int n = h.length;
        return new StrainRecord(detector, c.t0(), c.dt(), n, min, max, sum / n, Math.sqrt(sumSq / n), source, h);
    }
}
