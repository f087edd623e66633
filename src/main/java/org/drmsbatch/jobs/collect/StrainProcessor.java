package org.drmsbatch.jobs.collect;

import org.drmsbatch.buffer.Chunk;
import org.drmsbatch.segments.Rescale;
import org.springframework.batch.infrastructure.item.ItemProcessor;

/**
 * Turns a buffered chunk into a strain record: T_START (the chunk's t0 counted from the epoch), NSAMPLES, DT, and
 * DATAMIN, DATAMAX, DATAMEAN, DATARMS of h.
 * {@code failAt} (1-based, 0 for never) makes the processing of that item of this step execution fail, for tests
 * of restart; {@code delayMillis} slows each item down (for tests that kill a running job).
 */
public class StrainProcessor implements ItemProcessor<BufferedChunk, StrainRecord> {

    private final String detector;
    private final double epoch;
    private final long failAt;
    private final long delayMillis;
    private long seen;

    /** @param epoch the DRMS time (TAI seconds since 1977.01.01) that chunks' t0 counts from */
    public StrainProcessor(String detector, double epoch, long failAt, long delayMillis) {
        this.detector = detector;
        this.epoch = epoch;
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
        return toRecord(detector, epoch, item.name(), item.chunk());
    }

    /** The record of a chunk whose t0 counts from {@code epoch} (DRMS time). */
    public static StrainRecord toRecord(String detector, double epoch, String source, Chunk c) {
        double[] h = c.h();
        Rescale.Statistics st = Rescale.Statistics.of(h);
        return new StrainRecord(detector, epoch + c.t0(), c.dt(), h.length, st.min(), st.max(), st.mean(), st.rms(),
                source, h);
    }
}
