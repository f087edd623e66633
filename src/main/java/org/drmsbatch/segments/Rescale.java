package org.drmsbatch.segments;

import java.util.Locale;

import org.drmsbatch.drms.types.DrmsType;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.drms.types.SegmentLayout;

/**
 * The arithmetic of the {@code rescale} job: y = alpha&middot;x + beta over the physical values x of a segment
 * (bzero/bscale applied, specs/drms.md §4.2), stored in the type of the clone's segment, with the statistics the
 * record's DATAMIN, DATAMAX, DATAMEAN and DATARMS keywords get. MISSING stays MISSING.
 *
 * <p>Floating output: y is computed in double precision and stored as the segment's type; a value beyond the
 * float range becomes NaN (MISSING) and is counted. Integer output follows {@link Integers}:
 * <ul>
 * <li>{@link Integers#SCALE}: the clone's bzero/bscale are chosen so that every value fits. When the source is
 *     stored as integers that fit the output type, its stored integers are kept and only the scaling changes
 *     (bzero' = alpha&middot;bzero + beta, bscale' = alpha&middot;bscale): exact, nothing can overflow. Otherwise
 *     the segment's own bzero/bscale are kept when the new values fit them (as DRMS stores a physical array:
 *     rounded to that scaling's step), else bzero/bscale are fitted to the range of the new values (a single
 *     value is stored exactly as bzero);</li>
 * <li>{@link Integers#KEEP}: the segment's bzero/bscale from the series definition, as DRMS writes a physical
 *     array into an integer segment; values that do not fit become MISSING and are counted;</li>
 * <li>{@link Integers#FLOAT}: the user asked for a floating output segment; an integer one is an error.</li>
 * </ul>
 * The statistics are those of the values as stored (read back physical): count of non-MISSING values, min, max,
 * mean and root mean square sqrt(&Sigma;y&sup2;/n), as the {@code collect} job defines DATARMS; computed so that
 * they overflow or underflow only where the values themselves do ({@link Statistics#of}).
 */
public final class Rescale {

    /** What to do when the clone's segment is an integer type. */
    public enum Integers {
        SCALE, KEEP, FLOAT;

        public static Integers parse(String text) {
            try {
                return valueOf(text.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("integers must be scale, keep or float, not '" + text + "'");
            }
        }
    }

    /** Statistics of the non-MISSING values; NaN when there are none. */
    public record Statistics(long count, double min, double max, double mean, double rms) {

        /**
         * The statistics of the non-NaN values of {@code values} (NaN is MISSING). They do not overflow or underflow
         * where the values do not: the root mean square of &plusmn;1.7e308 is 1.7e308, of 1e-200 is 1e-200.
         */
        public static Statistics of(double[] values) {
            Stats st = new Stats();
            st.add(values);
            return st.result(values);
        }
    }

    /** The array to write (raw for integer segments, with its scaling), its statistics, values made MISSING. */
    public record Result(SegmentArray array, Statistics statistics, long outOfRange) {
    }

    private final double alpha;
    private final double beta;
    private final Integers integers;

    public Rescale(double alpha, double beta, Integers integers) {
        if (!Double.isFinite(alpha) || !Double.isFinite(beta)) {
            throw new IllegalArgumentException("alpha and beta must be finite numbers, not " + alpha + ", " + beta);
        }
        this.alpha = alpha;
        this.beta = beta;
        this.integers = integers;
    }

    public double alpha() {
        return alpha;
    }

    public double beta() {
        return beta;
    }

    public Integers integers() {
        return integers;
    }

    /**
     * Rescales {@code source} (as read: raw integers with the file's scaling, or physical floating values) for the
     * segment {@code target} of the clone. The source's data array may be reused for the result.
     */
    public Result apply(SegmentArray source, SegmentLayout target) {
        DrmsType t = target.type();
        if (t == DrmsType.FLOAT) {
            return toFloat(source);
        }
        if (t == DrmsType.DOUBLE) {
            return toDouble(source);
        }
        if (!t.isInteger()) {
            throw new IllegalArgumentException("segment '" + target.name() + "' is " + t.name().toLowerCase(Locale.ROOT)
                    + ": only numeric segments can be rescaled");
        }
        if (integers == Integers.FLOAT) {
            throw new IllegalArgumentException("segment '" + target.name() + "' of the output series is "
                    + t.name().toLowerCase(Locale.ROOT) + ", but integers=float asks for a floating segment");
        }
        if (integers == Integers.SCALE && alpha != 0 && source.type().isInteger()) {
            Conversion kept = Scaling.convert(source, t, false);
            if (kept.ok()) {
                double bzero = source.isRaw() ? source.bzero() : 0;
                double bscale = source.isRaw() ? source.bscale() : 1;
                SegmentArray out = kept.array().withScaling(alpha * bzero + beta, alpha * bscale, true);
                return new Result(out, statistics(out), 0);
            }
        }
        double[] y = affine(source);
        double bzero = target.bzero();
        double bscale = target.bscale();
        if (integers == Integers.SCALE) {
            double[] range = finiteRange(y);
            if (range[0] == range[1]) {
                // one value (alpha = 0, say): stored exactly as bzero
                bzero = range[0];
                bscale = 1;
            } else if (!fits(y, t, bzero, bscale)) {
                double half = maxStored(t);
                bzero = range[0] > range[1] ? 0 : (range[0] + range[1]) / 2;
                bscale = range[0] > range[1] ? 1 : (range[1] - range[0]) / (2 * half);
            }
        }
        Conversion c = Scaling.scaleForOutput(SegmentArray.of(DrmsType.DOUBLE, source.dims(), y), t, bzero, bscale);
        return new Result(c.array(), statistics(c.array()), c.outOfRange());
    }

    private Result toFloat(SegmentArray source) {
        Stats st = new Stats();
        float[] out;
        if (source.type() == DrmsType.FLOAT) {
            out = source.floats(); // in place
            st.affine(out, alpha, beta);
        } else {
            double[] p = physical(source);
            out = new float[p.length];
            for (int i = 0; i < p.length; i++) {
                double v = alpha * p[i] + beta;
                float f = (float) v;
                if (Float.isInfinite(f) && !Double.isInfinite(v)) {
                    f = Float.NaN;
                    st.outOfRange++;
                }
                out[i] = f;
            }
            st.add(out);
        }
        return new Result(SegmentArray.ofFloats(out, source.dims()), st.result(), st.outOfRange);
    }

    private Result toDouble(SegmentArray source) {
        double[] y = physical(source);
        Stats st = new Stats();
        st.affine(y, alpha, beta);
        return new Result(SegmentArray.ofDoubles(y, source.dims()), st.result(y), 0);
    }

    /** y = alpha x + beta over the physical values, in double precision (in place for a double source). */
    private double[] affine(SegmentArray source) {
        double[] y = physical(source);
        for (int i = 0; i < y.length; i++) {
            y[i] = alpha * y[i] + beta;
        }
        return y;
    }

    /** The physical values as doubles, MISSING as NaN: the source's own array when it is a double array. */
    private static double[] physical(SegmentArray source) {
        if (source.type() == DrmsType.DOUBLE) {
            return source.doubles();
        }
        return Scaling.convert(source, DrmsType.DOUBLE, true).array().doubles();
    }

    /** Whether every finite value, stored with this scaling, rounds into the type's range (MISSING excluded). */
    private static boolean fits(double[] y, DrmsType type, double bzero, double bscale) {
        double[] r = finiteRange(y);
        if (r[0] > r[1]) {
            return true;
        }
        double max = maxStored(type);
        double lo = (r[0] - bzero) / bscale;
        double hi = (r[1] - bzero) / bscale;
        return Math.min(lo, hi) >= -max && Math.max(lo, hi) <= max;
    }

    /** The largest stored magnitude used for fitted scaling: the type's range less MISSING, with a margin. */
    private static double maxStored(DrmsType type) {
        return switch (type) {
            case CHAR -> Byte.MAX_VALUE - 1;
            case SHORT -> Short.MAX_VALUE - 1;
            case INT -> Integer.MAX_VALUE - 1.0;
            default -> 9.0e18;
        };
    }

    /** [min, max] of the finite values ([+inf, -inf] when there are none). */
    private static double[] finiteRange(double[] y) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double v : y) {
            if (v < min && v != Double.NEGATIVE_INFINITY) {
                min = v;
            }
            if (v > max && v != Double.POSITIVE_INFINITY) {
                max = v;
            }
        }
        return new double[] {min, max};
    }

    /** Statistics of an array as stored, read back physical. */
    static Statistics statistics(SegmentArray stored) {
        if (stored.type() == DrmsType.FLOAT) {
            Stats st = new Stats();
            st.add(stored.floats());
            return st.result();
        }
        return Statistics.of(stored.type() == DrmsType.DOUBLE && !stored.isRaw() ? stored.doubles()
                : Scaling.convert(stored, DrmsType.DOUBLE, true).array().doubles());
    }

    /**
     * Running min, max, sum, sum of squares of the non-NaN values (and how many became MISSING). The loops keep four
     * independent accumulators so that the additions do not wait on each other.
     *
     * <p>Float values cannot overflow or underflow these double sums. Double values can (the square of 1.7e308 is
     * infinite, of 1e-200 is 0): {@link #result(double[])} then takes the sums again over the values scaled by a
     * power of two, which is exact.
     */
    private static final class Stats {

        /** Below this largest magnitude, squares of double values lose precision to underflow. */
        static final double TINY = 0x1p-480;

        long n;
        long outOfRange;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double sum;
        double sumSq;

        /** Values per block of {@link #affine(float[], double, double)}. */
        static final int BLOCK = 1024;

        /**
         * a[i] = (float) (alpha a[i] + beta), with the statistics of the new values, in one pass. A value beyond
         * the float range becomes NaN and is counted in {@link #outOfRange}.
         *
         * <p>Blocks of {@value #BLOCK} values go through {@link #block}, a small method without a branch per value
         * that the JIT compiles as a whole (a loop over a whole image in one method gets only an on-stack-replacement
         * compilation, about a third slower); a block whose new values are not all finite (a MISSING value, an
         * infinity, an overflow: its sum then is not finite) is put back and redone value by value. The rest, and
         * short arrays, go value by value.
         */
        void affine(float[] a, double alpha, double beta) {
            int len = a.length;
            int i = 0;
            if (len >= BLOCK) {
                float[] saved = new float[BLOCK];
                double[] part = new double[4];
                double lo = min, hi = max, s = 0, s2 = 0;
                long k = 0;
                for (; i + BLOCK <= len; i += BLOCK) {
                    System.arraycopy(a, i, saved, 0, BLOCK);
                    block(a, i, alpha, beta, part);
                    if (Math.abs(part[0]) < Double.POSITIVE_INFINITY) {
                        s += part[0];
                        s2 += part[1];
                        lo = Math.min(lo, part[2]);
                        hi = Math.max(hi, part[3]);
                        k += BLOCK;
                    } else {
                        System.arraycopy(saved, 0, a, i, BLOCK);
                        slow(a, i, i + BLOCK, alpha, beta);
                    }
                }
                merge(k, lo, hi, s, s2);
            }
            slow(a, i, len, alpha, beta); // the rest, and short arrays, value by value
        }

        /**
         * a[i] = (float) (alpha a[i] + beta) for the {@value #BLOCK} values from {@code off}, and into {@code part}
         * the sum, sum of squares, min and max of the new values (a NaN or infinite value makes the sum NaN or
         * infinite: the caller then redoes the block).
         */
        static void block(float[] a, int off, double alpha, double beta, double[] part) {
            double lo0 = Double.POSITIVE_INFINITY, lo1 = lo0, hi0 = Double.NEGATIVE_INFINITY, hi1 = hi0;
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            double q0 = 0, q1 = 0, q2 = 0, q3 = 0;
            int end = off + BLOCK;
            for (int i = off; i < end; i += 4) {
                float f0 = (float) (alpha * a[i] + beta);
                float f1 = (float) (alpha * a[i + 1] + beta);
                float f2 = (float) (alpha * a[i + 2] + beta);
                float f3 = (float) (alpha * a[i + 3] + beta);
                a[i] = f0;
                a[i + 1] = f1;
                a[i + 2] = f2;
                a[i + 3] = f3;
                double v0 = f0, v1 = f1, v2 = f2, v3 = f3;
                lo0 = v0 < lo0 ? v0 : lo0;
                lo1 = v1 < lo1 ? v1 : lo1;
                lo0 = v2 < lo0 ? v2 : lo0;
                lo1 = v3 < lo1 ? v3 : lo1;
                hi0 = v0 > hi0 ? v0 : hi0;
                hi1 = v1 > hi1 ? v1 : hi1;
                hi0 = v2 > hi0 ? v2 : hi0;
                hi1 = v3 > hi1 ? v3 : hi1;
                s0 += v0;
                s1 += v1;
                s2 += v2;
                s3 += v3;
                q0 += v0 * v0;
                q1 += v1 * v1;
                q2 += v2 * v2;
                q3 += v3 * v3;
            }
            part[0] = (s0 + s1) + (s2 + s3);
            part[1] = (q0 + q1) + (q2 + q3);
            part[2] = Math.min(lo0, lo1);
            part[3] = Math.max(hi0, hi1);
        }

        private void slow(float[] a, int from, int to, double alpha, double beta) {
            for (int i = from; i < to; i++) {
                double v = alpha * a[i] + beta;
                float f = (float) v;
                if (Float.isInfinite(f) && !Double.isInfinite(v)) {
                    f = Float.NaN;
                    outOfRange++;
                }
                a[i] = f;
                addRange(a, i, i + 1);
            }
        }

        /** a[i] = alpha a[i] + beta, with the statistics of the new values, in one pass. */
        void affine(double[] a, double alpha, double beta) {
            double lo0 = min, lo1 = min, hi0 = max, hi1 = max;
            double s0 = 0, s1 = 0;
            double q0 = 0, q1 = 0;
            long k = 0;
            int len = a.length;
            int i = 0;
            for (; i + 1 < len; i += 2) {
                double v0 = alpha * a[i] + beta;
                double v1 = alpha * a[i + 1] + beta;
                a[i] = v0;
                a[i + 1] = v1;
                if (v0 == v0) {
                    lo0 = v0 < lo0 ? v0 : lo0;
                    hi0 = v0 > hi0 ? v0 : hi0;
                    s0 += v0;
                    q0 += v0 * v0;
                    k++;
                }
                if (v1 == v1) {
                    lo1 = v1 < lo1 ? v1 : lo1;
                    hi1 = v1 > hi1 ? v1 : hi1;
                    s1 += v1;
                    q1 += v1 * v1;
                    k++;
                }
            }
            merge(k, Math.min(lo0, lo1), Math.max(hi0, hi1), s0 + s1, q0 + q1);
            for (; i < len; i++) {
                a[i] = alpha * a[i] + beta;
                addRange(a, i, i + 1);
            }
        }

        private void addRange(float[] a, int from, int to) {
            for (int i = from; i < to; i++) {
                float f = a[i];
                if (f == f) {
                    double v = f;
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                    sum += v;
                    sumSq += v * v;
                    n++;
                }
            }
        }

        private void addRange(double[] a, int from, int to) {
            for (int i = from; i < to; i++) {
                double v = a[i];
                if (v == v) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                    sum += v;
                    sumSq += v * v;
                    n++;
                }
            }
        }

        void add(float[] a) {
            addRange(a, 0, a.length);
        }

        void add(double[] a) {
            addRange(a, 0, a.length);
        }

        private void merge(long k, double lo, double hi, double s, double s2) {
            n += k;
            min = Math.min(min, lo);
            max = Math.max(max, hi);
            sum += s;
            sumSq += s2;
        }

        Statistics result() {
            if (n == 0) {
                return new Statistics(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
            }
            return new Statistics(n, min, max, sum / n, Math.sqrt(sumSq / n));
        }

        /**
         * The statistics of {@code values}, the double values these sums were taken over: {@link #result()} unless
         * the sum or the sum of squares overflowed or the squares underflowed, in which case mean and root mean
         * square come from the values scaled by 2<sup>-e</sup>, e the exponent of the largest magnitude (each
         * scaled value then is below 2 in magnitude, its square below 4). An infinite value gives what it gives.
         */
        Statistics result(double[] values) {
            Statistics plain = result();
            if (n == 0 || !Double.isFinite(min) || !Double.isFinite(max)) {
                return plain;
            }
            double top = Math.max(-min, max);
            if (Double.isFinite(sum) && Double.isFinite(sumSq) && !(top > 0 && top < TINY)) {
                return plain;
            }
            int e = Math.getExponent(top);
            double s = 0;
            double q = 0;
            for (double v : values) {
                if (v == v) {
                    double x = Math.scalb(v, -e);
                    s += x;
                    q += x * x;
                }
            }
            return new Statistics(n, min, max, Math.scalb(s / n, e), Math.scalb(Math.sqrt(q / n), e));
        }
    }
}
