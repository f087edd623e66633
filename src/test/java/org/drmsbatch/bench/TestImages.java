package org.drmsbatch.bench;

import java.util.Random;

/** Images with realistic entropy for the benchmarks (so that compression and checksums see real data). */
public final class TestImages {

    private TestImages() {
    }

    /** An n&times;n limb-darkened solar disk with granulation-like noise, reproducible from its seed. */
    public static float[] solarDisk(int n, int seed) {
        float[] a = new float[n * n];
        Random rnd = new Random(seed);
        double c = (n - 1) / 2.0;
        double r0 = n * 0.45;
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                double r = Math.hypot(x - c, y - c) / r0;
                double v = r < 1 ? 3000 * (0.4 + 0.6 * Math.sqrt(1 - r * r)) : 20;
                a[y * n + x] = (float) (v + rnd.nextGaussian() * 15);
            }
        }
        return a;
    }
}
