package org.drmsbatch.segments;

import org.drmsbatch.drms.types.DrmsType;
import org.drmsbatch.drms.types.SegmentArray;

/**
 * Type conversion and bzero/bscale scaling of segment arrays (specs/drms.md §4.2).
 *
 * <ul>
 * <li>physical = bzero + bscale &times; stored;</li>
 * <li>a MISSING value (integer MISSING, NaN, MISSING time) stays MISSING in the target type;</li>
 * <li>integer targets round to nearest, halves away from zero (C {@code round});</li>
 * <li>results outside the target's range become MISSING and are counted; for integer targets the MISSING value
 *     itself is outside the range (a value that would be read back as MISSING is reported, not hidden).</li>
 * </ul>
 *
 * <p>Values pass through a small {@code double} block that stays in cache: one tight loop per source type loads
 * it, one affine loop scales it, one loop per target type stores it, so every type pair costs the same three
 * simple passes and nothing is boxed. {@code longlong} to {@code longlong} without scaling is copied exactly;
 * other {@code longlong} conversions are computed in double precision, as DRMS does.
 */
public final class Scaling {

    private static final int BLOCK = 4096;
    private static final double TWO63 = 9.223372036854775807E18; // == 2^63 as a double
    private static final long MISSING_TIME_SECONDS = (long) DrmsType.MISSING_TIME;

    private Scaling() {
    }

    /**
     * Converts an array to another type. With {@code applyScaling} a raw array's values become physical
     * (bzero + bscale &times; stored) and the result is a physical array; otherwise the values are converted as
     * they are and the result keeps the source's bzero/bscale and raw flag (raw only for integer targets).
     * When nothing changes (same type, no scaling to apply) the result shares the source's data.
     */
    public static Conversion convert(SegmentArray src, DrmsType target, boolean applyScaling) {
        boolean scale = applyScaling && src.isRaw() && src.hasScaling();
        double bzero = applyScaling && src.isRaw() ? 0 : src.bzero();
        double bscale = applyScaling && src.isRaw() ? 1 : src.bscale();
        boolean raw = !(applyScaling && src.isRaw()) && src.isRaw();
        if (!scale && src.type() == target) {
            return new Conversion(SegmentArray.of(target, src.dims(), src.data(), bzero, bscale, raw), 0);
        }
        Object out = SegmentArray.newData(target, src.length());
        long bad = scale ? run(src, out, target, 1, src.bscale(), src.bzero()) : run(src, out, target, 0, 1, 0);
        return new Conversion(SegmentArray.of(target, src.dims(), out, bzero, bscale, raw), bad);
    }

    /**
     * Scales physical values for storage in a segment of type {@code target}: stored = (physical &minus; bzero) /
     * bscale (§4.2, {@code ScaleOutputArray}). A raw source is first made physical with its own scaling. The result
     * is a raw array carrying {@code bzero}/{@code bscale}.
     */
    public static Conversion scaleForOutput(SegmentArray physical, DrmsType target, double bzero, double bscale) {
        if (bscale == 0 || Double.isNaN(bscale) || Double.isNaN(bzero)) {
            throw new IllegalArgumentException("bad scaling bzero=" + bzero + " bscale=" + bscale);
        }
        SegmentArray src = physical;
        if (src.isRaw() && src.hasScaling()) {
            if (src.bzero() == bzero && src.bscale() == bscale) {
                return convert(src, target, false);
            }
            src = convert(src, DrmsType.DOUBLE, true).array();
        }
        Object out = SegmentArray.newData(target, src.length());
        long bad = (bzero == 0 && bscale == 1) ? run(src, out, target, 0, 1, 0) : run(src, out, target, 2, bscale, bzero);
        return new Conversion(SegmentArray.of(target, src.dims(), out, bzero, bscale, true), bad);
    }

    /** mode 0: copy, 1: s = bzero + bscale*s, 2: s = (s - bzero)/bscale. Returns the out-of-range count. */
    private static long run(SegmentArray src, Object out, DrmsType target, int mode, double bscale, double bzero) {
        DrmsType from = src.type();
        Object in = src.data();
        int n = src.length();
        double[] s = new double[Math.min(BLOCK, Math.max(n, 1))];
        long bad = 0;
        for (int off = 0; off < n; off += BLOCK) {
            int len = Math.min(BLOCK, n - off);
            load(from, in, off, len, s);
            if (mode == 1) {
                for (int i = 0; i < len; i++) {
                    s[i] = bzero + bscale * s[i];
                }
            } else if (mode == 2) {
                for (int i = 0; i < len; i++) {
                    s[i] = (s[i] - bzero) / bscale;
                }
            }
            bad += store(s, len, target, out, off);
        }
        return bad;
    }

    private static void load(DrmsType type, Object in, int off, int len, double[] s) {
        switch (type) {
            case CHAR -> {
                byte[] a = (byte[]) in;
                for (int i = 0; i < len; i++) {
                    byte v = a[off + i];
                    s[i] = v == Byte.MIN_VALUE ? Double.NaN : v;
                }
            }
            case SHORT -> {
                short[] a = (short[]) in;
                for (int i = 0; i < len; i++) {
                    short v = a[off + i];
                    s[i] = v == Short.MIN_VALUE ? Double.NaN : v;
                }
            }
            case INT -> {
                int[] a = (int[]) in;
                for (int i = 0; i < len; i++) {
                    int v = a[off + i];
                    s[i] = v == Integer.MIN_VALUE ? Double.NaN : v;
                }
            }
            case LONGLONG -> {
                long[] a = (long[]) in;
                for (int i = 0; i < len; i++) {
                    long v = a[off + i];
                    s[i] = v == Long.MIN_VALUE ? Double.NaN : v;
                }
            }
            case FLOAT -> {
                float[] a = (float[]) in;
                for (int i = 0; i < len; i++) {
                    s[i] = a[off + i];
                }
            }
            case DOUBLE -> System.arraycopy((double[]) in, off, s, 0, len);
            case TIME -> {
                double[] a = (double[]) in;
                for (int i = 0; i < len; i++) {
                    double v = a[off + i];
                    s[i] = (long) v == MISSING_TIME_SECONDS ? Double.NaN : v;
                }
            }
            default -> throw new IllegalArgumentException("cannot convert " + type);
        }
    }

    private static long store(double[] s, int len, DrmsType type, Object out, int off) {
        long bad = 0;
        switch (type) {
            case CHAR -> {
                byte[] a = (byte[]) out;
                for (int i = 0; i < len; i++) {
                    double v = s[i];
                    double r = v >= 0 ? Math.floor(v + 0.5) : -Math.floor(0.5 - v);
                    if (r > Byte.MIN_VALUE && r <= Byte.MAX_VALUE) {
                        a[off + i] = (byte) r;
                    } else {
                        a[off + i] = Byte.MIN_VALUE;
                        if (v == v) {
                            bad++;
                        }
                    }
                }
            }
            case SHORT -> {
                short[] a = (short[]) out;
                for (int i = 0; i < len; i++) {
                    double v = s[i];
                    double r = v >= 0 ? Math.floor(v + 0.5) : -Math.floor(0.5 - v);
                    if (r > Short.MIN_VALUE && r <= Short.MAX_VALUE) {
                        a[off + i] = (short) r;
                    } else {
                        a[off + i] = Short.MIN_VALUE;
                        if (v == v) {
                            bad++;
                        }
                    }
                }
            }
            case INT -> {
                int[] a = (int[]) out;
                for (int i = 0; i < len; i++) {
                    double v = s[i];
                    double r = v >= 0 ? Math.floor(v + 0.5) : -Math.floor(0.5 - v);
                    if (r > Integer.MIN_VALUE && r <= Integer.MAX_VALUE) {
                        a[off + i] = (int) r;
                    } else {
                        a[off + i] = Integer.MIN_VALUE;
                        if (v == v) {
                            bad++;
                        }
                    }
                }
            }
            case LONGLONG -> {
                long[] a = (long[]) out;
                for (int i = 0; i < len; i++) {
                    double v = s[i];
                    double r = v >= 0 ? Math.floor(v + 0.5) : -Math.floor(0.5 - v);
                    if (r > -TWO63 && r < TWO63) {
                        a[off + i] = (long) r;
                    } else {
                        a[off + i] = Long.MIN_VALUE;
                        if (v == v) {
                            bad++;
                        }
                    }
                }
            }
            case FLOAT -> {
                float[] a = (float[]) out;
                for (int i = 0; i < len; i++) {
                    double v = s[i];
                    float f = (float) v;
                    if (Float.isInfinite(f) && !Double.isInfinite(v)) {
                        f = Float.NaN;
                        bad++;
                    }
                    a[off + i] = f;
                }
            }
            case DOUBLE -> System.arraycopy(s, 0, (double[]) out, off, len);
            case TIME -> {
                double[] a = (double[]) out;
                for (int i = 0; i < len; i++) {
                    double v = s[i];
                    a[off + i] = v == v ? v : DrmsType.MISSING_TIME;
                }
            }
            default -> throw new IllegalArgumentException("cannot convert to " + type);
        }
        return bad;
    }
}
