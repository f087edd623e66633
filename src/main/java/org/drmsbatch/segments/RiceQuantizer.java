package org.drmsbatch.segments;

/**
 * Quantises a tile of float32 pixels to integers the way CFITSIO does for tile compression with
 * {@code SUBTRACTIVE_DITHER_1} ({@code fits_quantize_float} of its {@code quantize.c}), so that the same pixels,
 * quantisation level and dither seed give the same integers, ZSCALE and ZZERO as CFITSIO (fpack, astropy).
 *
 * <ul>
 * <li>The noise is the smallest non-zero of the 2nd-, 3rd- and 5th-order median absolute differences along the
 *     tile's rows (each row's median, then the median over rows), computed in float as CFITSIO does; ZSCALE (the
 *     step) is that noise / q.</li>
 * <li>ZZERO is the minimum rounded to a multiple of the step; without nulls the values are
 *     {@code round((x - zzero) / step + r - 0.5)}, r from CFITSIO's table of 10 000 pseudo-random floats, starting
 *     at an offset given by the tile number + ZDITHER0 - 1.</li>
 * <li>Null pixels (NaN and infinities, CFITSIO's test) become {@value #NULL_VALUE}; the range is then shifted next
 *     to it.</li>
 * <li>A tile whose noise is zero (e.g. all values equal), or whose range does not fit in an int, is not quantised
 *     ({@link #quantize} returns false): CFITSIO then stores it losslessly.</li>
 * </ul>
 * Not thread-safe: one quantiser per thread.
 */
final class RiceQuantizer {

    static final int NULL_VALUE = -2147483647;
    private static final int N_RESERVED_VALUES = 10;
    private static final int N_RANDOM = 10000;
    private static final float[] RANDOM = randoms();

    private float[] d2 = new float[0];
    private float[] d3 = new float[0];
    private float[] d5 = new float[0];
    private double[] rows2 = new double[0];
    private double[] rows3 = new double[0];
    private double[] rows5 = new double[0];

    /** ZSCALE and ZZERO of the last quantised tile, and whether it had nulls. */
    double scale;
    double zero;
    boolean anyNull;

    /** CFITSIO's dither table: a Park–Miller sequence from seed 1. */
    private static float[] randoms() {
        float[] r = new float[N_RANDOM];
        double a = 16807.0;
        double m = 2147483647.0;
        double seed = 1;
        for (int i = 0; i < N_RANDOM; i++) {
            double t = a * seed;
            seed = t - m * (int) (t / m);
            r[i] = (float) (seed / m);
        }
        if ((int) seed != 1043618065) {
            throw new IllegalStateException("dither sequence differs from CFITSIO's");
        }
        return r;
    }

    /** CFITSIO's null test for floats: exponent all ones (NaN or infinite). */
    static boolean isNull(float v) {
        return (Float.floatToRawIntBits(v) & 0x7F800000) == 0x7F800000;
    }

    /**
     * Quantises the tile {@code f[0, nx * ny)} ({@code nx} pixels per row) into {@code out}.
     *
     * @param row    the tile's number from 1 plus ZDITHER0 - 1: where the dither starts
     * @param qlevel the quantisation level q (> 0): step = noise / q
     * @return false when the tile cannot be quantised (to be stored losslessly)
     */
    boolean quantize(long row, float[] f, int nx, int ny, float qlevel, int[] out) {
        int n = nx * ny;
        if (n <= 1) {
            return false;
        }
        anyNull = false;
        for (int i = 0; i < n; i++) {
            if (isNull(f[i])) {
                anyNull = true;
                break;
            }
        }
        Noise noise = noise(f, nx, ny, anyNull);
        float minval = noise.min;
        float maxval = noise.max;
        double stdev;
        if (anyNull && noise.ngood == 0) {
            minval = 0;
            maxval = 1;
            stdev = 1;
        } else {
            stdev = noise.n3;
            if (noise.n2 != 0 && noise.n2 < stdev) {
                stdev = noise.n2;
            }
            if (noise.n5 != 0 && noise.n5 < stdev) {
                stdev = noise.n5;
            }
        }
        // minval and maxval are floats, and so are their differences and sums, as in CFITSIO
        double delta = stdev / (double) qlevel;
        if (delta == 0) {
            return false;
        }
        if ((maxval - minval) / delta > 2. * 2147483647. - N_RESERVED_VALUES) {
            return false;
        }
        int iseed = (int) ((row - 1) % N_RANDOM);
        int next = (int) (RANDOM[iseed] * 500.);
        double zeropt;
        if (noise.ngood == n) {
            if ((maxval - minval) / delta < 2147483647. - N_RESERVED_VALUES) {
                long q = (long) (minval / delta + 0.5);
                zeropt = q * delta;
            } else {
                zeropt = (minval + maxval) / 2.;
            }
        } else {
            zeropt = minval - delta * (NULL_VALUE + N_RESERVED_VALUES);
        }
        boolean nulls = noise.ngood != n;
        for (int i = 0; i < n; i++) {
            float v = f[i];
            if (nulls && isNull(v)) {
                out[i] = NULL_VALUE;
            } else {
                out[i] = nint(((double) v - zeropt) / delta + RANDOM[next] - 0.5);
            }
            next++;
            if (next == N_RANDOM) {
                iseed++;
                if (iseed == N_RANDOM) {
                    iseed = 0;
                }
                next = (int) (RANDOM[iseed] * 500f);
            }
        }
        scale = delta;
        zero = zeropt;
        return true;
    }

    private static int nint(double x) {
        return x >= 0 ? (int) (x + 0.5) : (int) (x - 0.5);
    }

    private record Noise(long ngood, float min, float max, double n2, double n3, double n5) {
    }

    /**
     * The 2nd-, 3rd- and 5th-order MAD noise, the number of good pixels and their range (CFITSIO's
     * {@code FnNoise5_float}, including its quirks: constant runs are skipped but counted, the 2nd-order median is
     * taken over the 3rd-order count).
     */
    private Noise noise(float[] a, int nx, int ny, boolean nullcheck) {
        if (nx < 9) {
            nx = nx * ny;
            ny = 1;
        }
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        long ngood = 0;
        if (nx < 9) {
            for (int i = 0; i < nx; i++) {
                float v = a[i];
                if (!(nullcheck && isNull(v))) {
                    if (v < min) {
                        min = v;
                    }
                    if (v > max) {
                        max = v;
                    }
                    ngood++;
                }
            }
            return new Noise(ngood, min, max, 0, 0, 0);
        }
        if (d2.length < nx) {
            d2 = new float[nx];
            d3 = new float[nx];
            d5 = new float[nx];
        }
        if (rows2.length < ny) {
            rows2 = new double[ny];
            rows3 = new double[ny];
            rows5 = new double[ny];
        }
        int nrows = 0;
        int nrows2 = 0;
        float[] v = new float[9];
        for (int r = 0; r < ny; r++) {
            int base = r * nx;
            int i = 0;
            // the first 8 good pixels of the row
            int got = 0;
            while (got < 8) {
                if (nullcheck) {
                    while (i < nx && isNull(a[base + i])) {
                        i++;
                    }
                }
                if (i == nx) {
                    break;
                }
                float x = a[base + i];
                v[got++] = x;
                ngood++;
                if (x < min) {
                    min = x;
                }
                if (x > max) {
                    max = x;
                }
                i++;
            }
            if (got < 8) {
                continue;
            }
            float v1 = v[0], v2 = v[1], v3 = v[2], v4 = v[3], v5 = v[4], v6 = v[5], v7 = v[6], v8 = v[7];
            int nvals = 0;
            int nvals2 = 0;
            for (; i < nx; i++) {
                if (nullcheck) {
                    while (i < nx && isNull(a[base + i])) {
                        i++;
                    }
                }
                if (i == nx) {
                    break;
                }
                float v9 = a[base + i];
                if (v9 < min) {
                    min = v9;
                }
                if (v9 > max) {
                    max = v9;
                }
                if (!(v5 == v6 && v6 == v7)) {
                    d2[nvals2++] = Math.abs(v5 - v7);
                }
                if (!(v3 == v4 && v4 == v5 && v5 == v6 && v6 == v7)) {
                    d3[nvals] = Math.abs((2 * v5) - v3 - v7);
                    d5[nvals] = Math.abs((6 * v5) - (4 * v3) - (4 * v7) + v1 + v9);
                    nvals++;
                } else {
                    ngood++;
                }
                v1 = v2;
                v2 = v3;
                v3 = v4;
                v4 = v5;
                v5 = v6;
                v6 = v7;
                v7 = v8;
                v8 = v9;
            }
            ngood += nvals;
            if (nvals == 0) {
                continue;
            } else if (nvals == 1) {
                if (nvals2 == 1) {
                    rows2[nrows2++] = d2[0];
                }
                rows3[nrows] = d3[0];
                rows5[nrows] = d5[0];
            } else {
                if (nvals2 > 1) {
                    rows2[nrows2++] = select(d2, nvals); // sic: CFITSIO takes nvals values here
                }
                rows3[nrows] = select(d3, nvals);
                rows5[nrows] = select(d5, nvals);
            }
            nrows++;
        }
        double n3 = median(rows3, nrows);
        double n5 = median(rows5, nrows);
        double n2 = median(rows2, nrows2);
        return new Noise(ngood, min, max, 1.0483579 * n2, 0.6052697 * n3, 0.1772048 * n5);
    }

    /** The median of the first n values (mean of the middle two for even n), 0 for none; sorts them. */
    private static double median(double[] x, int n) {
        if (n == 0) {
            return 0;
        }
        if (n == 1) {
            return x[0];
        }
        java.util.Arrays.sort(x, 0, n);
        return (x[(n - 1) / 2] + x[n / 2]) / 2.;
    }

    private final int[] histogram = new int[2048];
    private float[] bin = new float[0];

    /**
     * The element of rank (n - 1) / 2 of {@code x[0, n)}, non-negative values (what CFITSIO's quick_select returns).
     * Non-negative floats order as their bit patterns: a histogram of the bits between the smallest and the largest
     * finds the bin holding that rank, and a quickselect among that bin's few values the element; about three times
     * faster than a quickselect over all values, whose comparisons the processor cannot predict.
     */
    float select(float[] x, int n) {
        int k = (n - 1) / 2;
        if (n < 256) {
            return quickSelect(x, n, k);
        }
        int lo = Integer.MAX_VALUE;
        int hi = 0;
        for (int i = 0; i < n; i++) {
            int b = Float.floatToRawIntBits(x[i]);
            lo = Math.min(lo, b);
            hi = Math.max(hi, b);
        }
        int shift = 0;
        while (((hi - lo) >>> shift) >= histogram.length) {
            shift++;
        }
        java.util.Arrays.fill(histogram, 0);
        for (int i = 0; i < n; i++) {
            histogram[(Float.floatToRawIntBits(x[i]) - lo) >>> shift]++;
        }
        int below = 0;
        int target = 0;
        while (below + histogram[target] <= k) {
            below += histogram[target++];
        }
        int m = histogram[target];
        if (bin.length < m) {
            bin = new float[Math.max(m, 256)];
        }
        int j = 0;
        for (int i = 0; i < n; i++) {
            if (((Float.floatToRawIntBits(x[i]) - lo) >>> shift) == target) {
                bin[j++] = x[i];
            }
        }
        return quickSelect(bin, m, k - below);
    }

    /** The element of rank k of {@code x[0, n)} (reorders x). */
    static float quickSelect(float[] x, int n, int k) {
        int lo = 0;
        int hi = n - 1;
        while (hi > lo) {
            int mid = (lo + hi) >>> 1;
            // median of three as pivot, moved to lo
            if (x[mid] > x[hi]) {
                swap(x, mid, hi);
            }
            if (x[lo] > x[hi]) {
                swap(x, lo, hi);
            }
            if (x[mid] > x[lo]) {
                swap(x, mid, lo);
            }
            float pivot = x[lo];
            int i = lo;
            int j = hi + 1;
            while (true) {
                do {
                    i++;
                } while (i <= hi && x[i] < pivot);
                do {
                    j--;
                } while (x[j] > pivot);
                if (i >= j) {
                    break;
                }
                swap(x, i, j);
            }
            swap(x, lo, j);
            if (j == k) {
                return x[k];
            } else if (j < k) {
                lo = j + 1;
            } else {
                hi = j - 1;
            }
        }
        return x[k];
    }

    private static void swap(float[] x, int i, int j) {
        float t = x[i];
        x[i] = x[j];
        x[j] = t;
    }
}
