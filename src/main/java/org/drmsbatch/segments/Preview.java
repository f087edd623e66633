package org.drmsbatch.segments;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

import javax.imageio.ImageIO;

/**
 * A grey-scale preview of a 2-D image, as astronomers look at one: the values clipped to their 0.5 and 99.5
 * percentiles (ds9's "99.5%" scale: a few hot pixels or cosmic rays do not wash the image out), or to IRAF's zscale
 * limits ({@link #zscale}: the sky's noise spread over the grey levels), and mapped linearly
 * to 0..255; NaN (DRMS MISSING) black; down-sampled by block averages so that the longer side is at most
 * {@code maxSide} pixels; row 0 of the array (FITS's first row, y = 1) at the bottom, as ds9 and DS9-like viewers
 * show it. Written as PNG with javax.imageio.
 */
public final class Preview {

    /** Default lower and upper clipping percentiles. */
    public static final double LOW_PERCENTILE = 0.5;
    public static final double HIGH_PERCENTILE = 99.5;

    private Preview() {
    }

    /**
     * The clipping limits: the values at the given percentiles of the finite values (nearest rank), or {0, 0} when
     * none is finite.
     */
    public static double[] limits(double[] values, double lowPercent, double highPercent) {
        if (!(0 <= lowPercent && lowPercent < highPercent && highPercent <= 100)) {
            throw new IllegalArgumentException("percentiles must satisfy 0 <= low < high <= 100, not "
                    + lowPercent + " and " + highPercent);
        }
        double[] finite = Arrays.stream(values).filter(Double::isFinite).toArray();
        if (finite.length == 0) {
            return new double[] {0, 0};
        }
        Arrays.sort(finite);
        return new double[] {finite[rank(finite.length, lowPercent)], finite[rank(finite.length, highPercent)]};
    }

    /**
     * IRAF's zscale limits (as ds9's "zscale"): up to {@code 1000} finite values sampled evenly, sorted, a straight
     * line fitted to them with iterative 2.5-sigma rejection (at most 5 rounds, at least half of the samples kept),
     * and the limits {@code median ∓ slope / contrast} around the sample's centre, contrast 0.25, kept within the
     * samples' minimum and maximum. Falls back to the samples' range when too many are rejected.
     */
    public static double[] zscale(double[] values) {
        final int maxSamples = 1000;
        final double contrast = 0.25;
        final double krej = 2.5;
        int finiteCount = 0;
        for (double v : values) {
            if (Double.isFinite(v)) {
                finiteCount++;
            }
        }
        if (finiteCount == 0) {
            return new double[] {0, 0};
        }
        int stride = Math.max(1, finiteCount / maxSamples);
        double[] sample = new double[Math.min(maxSamples, finiteCount)];
        int n = 0;
        int seen = 0;
        for (double v : values) {
            if (Double.isFinite(v)) {
                if (seen % stride == 0 && n < sample.length) {
                    sample[n++] = v;
                }
                seen++;
            }
        }
        sample = Arrays.copyOf(sample, n);
        Arrays.sort(sample);
        double zmin = sample[0];
        double zmax = sample[n - 1];
        int center = (n - 1) / 2;
        double median = n % 2 == 1 ? sample[center] : (sample[center] + sample[center + 1]) / 2;
        boolean[] kept = new boolean[n];
        Arrays.fill(kept, true);
        int good = n;
        int minPix = Math.max(5, n / 2);
        double slope = 0;
        double intercept = 0;
        for (int iter = 0; iter < 5 && good >= minPix; iter++) {
            double sx = 0;
            double sy = 0;
            double sxx = 0;
            double sxy = 0;
            for (int i = 0; i < n; i++) {
                if (kept[i]) {
                    sx += i;
                    sy += sample[i];
                    sxx += (double) i * i;
                    sxy += i * sample[i];
                }
            }
            double det = good * sxx - sx * sx;
            if (det == 0) {
                break;
            }
            slope = (good * sxy - sx * sy) / det;
            intercept = (sy - slope * sx) / good;
            double ss = 0;
            for (int i = 0; i < n; i++) {
                if (kept[i]) {
                    double r = sample[i] - (intercept + slope * i);
                    ss += r * r;
                }
            }
            double sigma = Math.sqrt(ss / good);
            int rejected = 0;
            for (int i = 0; i < n; i++) {
                if (kept[i] && Math.abs(sample[i] - (intercept + slope * i)) > krej * sigma) {
                    kept[i] = false;
                    rejected++;
                }
            }
            good -= rejected;
            if (rejected == 0) {
                break;
            }
        }
        if (good < minPix) {
            return new double[] {zmin, zmax};
        }
        double s = slope / contrast;
        return new double[] {Math.max(zmin, median - (center - 0) * s), Math.min(zmax, median + (n - 1 - center) * s)};
    }

    private static int rank(int n, double percent) {
        return (int) Math.min(n - 1, Math.max(0, Math.round(percent / 100.0 * (n - 1))));
    }

    /**
     * Grey levels 0..255 of an nx × ny image (x fastest, as FITS stores it), down-sampled to at most maxSide on its
     * longer side, clipped to [lo, hi]; rows top to bottom of the picture (so the array's last row first).
     *
     * @return {@code [height][width]} grey levels
     */
    public static int[][] grey(double[] data, int nx, int ny, int maxSide, double lo, double hi) {
        if (nx < 1 || ny < 1 || (long) nx * ny != data.length) {
            throw new IllegalArgumentException("an image of " + nx + " × " + ny + " needs " + (long) nx * ny
                    + " values, not " + data.length);
        }
        if (maxSide < 1) {
            throw new IllegalArgumentException("maxSide must be at least 1, not " + maxSide);
        }
        int factor = (Math.max(nx, ny) + maxSide - 1) / maxSide;
        int w = (nx + factor - 1) / factor;
        int h = (ny + factor - 1) / factor;
        int[][] out = new int[h][w];
        for (int by = 0; by < h; by++) {
            for (int bx = 0; bx < w; bx++) {
                double sum = 0;
                int n = 0;
                for (int y = by * factor; y < Math.min(ny, (by + 1) * factor); y++) {
                    for (int x = bx * factor; x < Math.min(nx, (bx + 1) * factor); x++) {
                        double v = data[y * nx + x];
                        if (Double.isFinite(v)) {
                            sum += v;
                            n++;
                        }
                    }
                }
                out[h - 1 - by][bx] = n == 0 ? 0 : level(sum / n, lo, hi);
            }
        }
        return out;
    }

    /** A value's grey level: lo and below 0, hi and above 255, linear between. */
    static int level(double v, double lo, double hi) {
        if (hi <= lo) {
            return v < lo ? 0 : v > hi ? 255 : 128;
        }
        double t = (v - lo) / (hi - lo);
        return (int) Math.round(Math.max(0, Math.min(1, t)) * 255);
    }

    /** How a preview's grey scale is clipped. */
    public enum Scale {
        /** the 0.5 and 99.5 percentiles ({@link #limits}) */
        PERCENTILE,
        /** IRAF's zscale ({@link #zscale}) */
        ZSCALE
    }

    /** The preview as a PNG: percentile clipping (0.5 %, 99.5 %), at most maxSide pixels on the longer side. */
    public static byte[] png(double[] data, int nx, int ny, int maxSide) {
        return png(data, nx, ny, maxSide, Scale.PERCENTILE);
    }

    /** The preview as a PNG, clipped by the given scale, at most maxSide pixels on the longer side. */
    public static byte[] png(double[] data, int nx, int ny, int maxSide, Scale scale) {
        double[] lim = scale == Scale.ZSCALE ? zscale(data) : limits(data, LOW_PERCENTILE, HIGH_PERCENTILE);
        int[][] g = grey(data, nx, ny, maxSide, lim[0], lim[1]);
        BufferedImage img = new BufferedImage(g[0].length, g.length, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < g.length; y++) {
            for (int x = 0; x < g[y].length; x++) {
                int v = g[y][x];
                img.getRaster().setSample(x, y, 0, v);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
