package org.drmsbatch.jobs.collect;

import org.drmsbatch.buffer.Chunk;
import org.drmsbatch.jobs.ChunkHooks;
import org.drmsbatch.segments.Rescale;
import org.springframework.batch.infrastructure.item.ItemProcessor;

/**
 * Turns a buffered chunk into a strain record: T_START (the chunk's t0 counted from the epoch), NSAMPLES, DT, and
 * DATAMIN, DATAMAX, DATAMEAN, DATARMS of h.
 * Each item reaches the step's {@link ChunkHooks.Hook} before it is processed (none in the product).
 */
public class StrainProcessor implements ItemProcessor<BufferedChunk, StrainRecord> {

    private final String detector;
    private final double epoch;
    private final ChunkHooks.Hook hook;
    private long seen;

    /** @param epoch the DRMS time (TAI seconds since 1977.01.01) that chunks' t0 counts from */
    public StrainProcessor(String detector, double epoch, ChunkHooks.Hook hook) {
        this.detector = detector;
        this.epoch = epoch;
        this.hook = hook;
    }

    @Override
    public StrainRecord process(BufferedChunk item) throws Exception {
        hook.reached(++seen, item.name());
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
