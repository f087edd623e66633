package org.drmsbatch.segments;

import java.lang.reflect.Field;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

import nom.tam.fits.FitsFactory;

/**
 * Sizes nom-tam-fits' tile (de)compression thread pool to the machine. nom-tam creates a fixed pool of twice the
 * processor count on first use, which halves Rice decompression speed on 2 cores (specs/performance-notes.md), and
 * offers no setter; so before its first use we install a pool of {@code max(1, processors - 1)} daemon threads.
 * If that fails (another nom-tam version), nom-tam's own pool is used.
 */
final class NomTamThreads {

    private static final Logger LOG = Logger.getLogger(NomTamThreads.class.getName());
    private static final AtomicBoolean DONE = new AtomicBoolean();

    private NomTamThreads() {
    }

    /** Threads the pool gets on this machine. */
    static int poolSize() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
    }

    static void sizeToMachine() {
        if (DONE.get() || !DONE.compareAndSet(false, true)) {
            return;
        }
        try {
            Field f = FitsFactory.class.getDeclaredField("threadPool");
            f.setAccessible(true);
            synchronized (FitsFactory.class) {
                if (f.get(null) == null) {
                    ExecutorService pool = Executors.newFixedThreadPool(poolSize(), r -> {
                        Thread t = new Thread(r, "nom-tam-tiles");
                        t.setDaemon(true);
                        return t;
                    });
                    f.set(null, pool);
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(Level.FINE, "cannot size nom-tam-fits' thread pool; using its default", e);
        }
    }
}
