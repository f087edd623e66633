package org.drmsbatch.jobs.rescale;

import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.Semaphore;

import org.drmsbatch.drms.Record;
import org.drmsbatch.segments.Rescale;

/**
 * A record on its way to its clone: the source record and its rescaled segments, which {@link RescaleProcessor}
 * reads and rescales ahead of the writer on a reading thread of its own (or, for a segment reached through a link,
 * on the writer's thread when asked: following a link queries the catalog in the chunk's session).
 *
 * <p>Read-ahead is bounded: a record's segments are read only once it holds one of its processor's look-ahead
 * permits, given back by {@link #release} when its clone is written or the write of its chunk fails, so that at most
 * that many records' arrays are held at once whatever the chunk size. (A chunk whose processing fails fails its
 * step, which closes the processor and with it the reading thread; a restart starts with a new processor.) A
 * record can be written once: the worker step is not fault-tolerant, so a chunk is never written again.
 */
final class RescaledRecord {

    private final Record source;
    private final Semaphore lookAhead;
    private FutureTask<Rescale.Result[]> work;
    private boolean holdsPermit;
    private boolean released;

    private RescaledRecord(Record source, Semaphore lookAhead) {
        this.source = source;
        this.lookAhead = lookAhead;
    }

    /** Reads and rescales on {@code reading} once a look-ahead permit is free. */
    static RescaledRecord ahead(Record source, RescaleProcessor.Work rescale, Semaphore lookAhead,
            Executor reading) {
        RescaledRecord r = new RescaledRecord(source, lookAhead);
        r.work = new FutureTask<>(() -> {
            lookAhead.acquire();
            r.acquired();
            return rescale.apply(source);
        });
        reading.execute(r.work);
        return r;
    }

    /** Reads and rescales on the thread that first asks for {@link #results}. */
    static RescaledRecord whenAsked(Record source, RescaleProcessor.Work rescale) {
        RescaledRecord r = new RescaledRecord(source, null);
        r.work = new FutureTask<>(() -> rescale.apply(source));
        return r;
    }

    Record source() {
        return source;
    }

    /** The rescaled segments, in the order of the job's segments; waits for them. */
    Rescale.Result[] results() throws InterruptedException {
        FutureTask<Rescale.Result[]> w;
        synchronized (this) {
            w = work;
        }
        if (w == null) {
            throw new IllegalStateException("the rescaled segments of " + source + " were released");
        }
        w.run(); // here: a link's segments; for one still queued on the reading thread, that work done here instead
        try {
            return w.get();
        } catch (CancellationException e) {
            throw new IllegalStateException("the rescale of " + source + " was cancelled", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private synchronized void acquired() {
        if (released) {
            lookAhead.release();
            throw new CancellationException("released before it was read");
        }
        holdsPermit = true;
    }

    /**
     * Lets go of the rescaled segments (written, or their chunk failed): stops the work if it has not finished
     * and gives the look-ahead permit back. Idempotent.
     */
    synchronized void release() {
        released = true;
        if (work != null) {
            work.cancel(true);
            work = null;
        }
        if (holdsPermit) {
            holdsPermit = false;
            lookAhead.release();
        }
    }
}
