package org.drmsbatch.drms.types;

import java.util.Arrays;
import java.util.Objects;


/**
 * An n-dimensional array of one DRMS type (specs/drms.md §4): axis lengths in FITS order (first axis fastest) and
 * the values in one flat primitive array of the type ({@code byte[]} char, {@code short[]}, {@code int[]},
 * {@code long[]} longlong, {@code float[]}, {@code double[]} double and time).
 *
 * <p>{@code bzero}/{@code bscale} describe the values: when {@link #isRaw()} the values are stored integers and
 * physical = bzero + bscale &times; stored (§4.2); otherwise they are physical values and the scaling is only
 * informative (0/1 by default). The data array is shared, not copied: this is a holder for large images.
 */
public final class SegmentArray {

    private final DrmsType type;
    private final int[] dims;
    private final Object data;
    private final double bzero;
    private final double bscale;
    private final boolean raw;

    private SegmentArray(DrmsType type, int[] dims, Object data, double bzero, double bscale, boolean raw) {
        this.type = Objects.requireNonNull(type, "type");
        if (type == DrmsType.STRING) {
            throw new IllegalArgumentException("a segment array cannot hold strings");
        }
        this.dims = dims.clone();
        long n = 1;
        for (int i = 0; i < this.dims.length; i++) {
            if (this.dims[i] < 0) {
                throw new IllegalArgumentException("negative length " + this.dims[i] + " of axis " + i);
            }
            n *= this.dims[i];
        }
        Class<?> expected = arrayClass(type);
        if (data == null || data.getClass() != expected) {
            throw new IllegalArgumentException("data of a " + type + " array must be a " + expected.getSimpleName()
                    + ", not " + (data == null ? "null" : data.getClass().getSimpleName()));
        }
        int len = java.lang.reflect.Array.getLength(data);
        if (len != n) {
            throw new IllegalArgumentException("dims " + Arrays.toString(dims) + " need " + n + " values, data has " + len);
        }
        if (!(bscale != 0) || Double.isNaN(bzero)) {
            throw new IllegalArgumentException("bad scaling bzero=" + bzero + " bscale=" + bscale);
        }
        this.data = data;
        this.bzero = bzero;
        this.bscale = bscale;
        this.raw = raw && type.isInteger();
    }

    /** Physical values (not raw), no scaling. */
    public static SegmentArray of(DrmsType type, int[] dims, Object data) {
        return new SegmentArray(type, dims, data, 0, 1, false);
    }

    /** Stored integers with their scaling: physical = bzero + bscale &times; value. */
    public static SegmentArray raw(DrmsType type, int[] dims, Object data, double bzero, double bscale) {
        return new SegmentArray(type, dims, data, bzero, bscale, true);
    }

    /** Any array with explicit scaling and raw flag (raw is ignored for floating types). */
    public static SegmentArray of(DrmsType type, int[] dims, Object data, double bzero, double bscale, boolean raw) {
        return new SegmentArray(type, dims, data, bzero, bscale, raw);
    }

    /** A new array of the given type filled with zeros. */
    public static SegmentArray zeros(DrmsType type, int... dims) {
        return of(type, dims, newData(type, count(dims)));
    }

    /** A new array of the given type where every value is the type's MISSING value. */
    public static SegmentArray missing(DrmsType type, int... dims) {
        Object d = newData(type, count(dims));
        switch (type) {
            case CHAR -> Arrays.fill((byte[]) d, Byte.MIN_VALUE);
            case SHORT -> Arrays.fill((short[]) d, Short.MIN_VALUE);
            case INT -> Arrays.fill((int[]) d, Integer.MIN_VALUE);
            case LONGLONG -> Arrays.fill((long[]) d, Long.MIN_VALUE);
            case FLOAT -> Arrays.fill((float[]) d, Float.NaN);
            case DOUBLE -> Arrays.fill((double[]) d, Double.NaN);
            case TIME -> Arrays.fill((double[]) d, DrmsType.MISSING_TIME);
            default -> throw new IllegalArgumentException(type.toString());
        }
        return of(type, dims, d);
    }

    public static SegmentArray ofChars(byte[] data, int... dims) {
        return of(DrmsType.CHAR, dims, data);
    }

    public static SegmentArray ofShorts(short[] data, int... dims) {
        return of(DrmsType.SHORT, dims, data);
    }

    public static SegmentArray ofInts(int[] data, int... dims) {
        return of(DrmsType.INT, dims, data);
    }

    public static SegmentArray ofLongs(long[] data, int... dims) {
        return of(DrmsType.LONGLONG, dims, data);
    }

    public static SegmentArray ofFloats(float[] data, int... dims) {
        return of(DrmsType.FLOAT, dims, data);
    }

    public static SegmentArray ofDoubles(double[] data, int... dims) {
        return of(DrmsType.DOUBLE, dims, data);
    }

    /** The Java array class holding values of a type. */
    public static Class<?> arrayClass(DrmsType type) {
        return switch (type) {
            case CHAR -> byte[].class;
            case SHORT -> short[].class;
            case INT -> int[].class;
            case LONGLONG -> long[].class;
            case FLOAT -> float[].class;
            case DOUBLE, TIME -> double[].class;
            case STRING -> throw new IllegalArgumentException("no array class for strings");
        };
    }

    /** A new zero-filled primitive array of a type. */
    public static Object newData(DrmsType type, int n) {
        return switch (type) {
            case CHAR -> new byte[n];
            case SHORT -> new short[n];
            case INT -> new int[n];
            case LONGLONG -> new long[n];
            case FLOAT -> new float[n];
            case DOUBLE, TIME -> new double[n];
            case STRING -> throw new IllegalArgumentException("no array for strings");
        };
    }

    /** Number of values for given axis lengths; fails beyond what one Java array holds. */
    public static int count(int... dims) {
        long n = 1;
        for (int d : dims) {
            n *= d;
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("array of " + n + " values is too large");
        }
        return (int) n;
    }

    /** Bytes per value. */
    public static int elementSize(DrmsType type) {
        return Math.abs(type.bitpix()) / 8;
    }

    public DrmsType type() {
        return type;
    }

    /** Axis lengths, first axis fastest (a copy). */
    public int[] dims() {
        return dims.clone();
    }

    public int dim(int axis) {
        return dims[axis];
    }

    public int naxis() {
        return dims.length;
    }

    /** Number of values. */
    public int length() {
        return java.lang.reflect.Array.getLength(data);
    }

    /** The flat primitive array (shared). */
    public Object data() {
        return data;
    }

    public double bzero() {
        return bzero;
    }

    public double bscale() {
        return bscale;
    }

    /** True for stored integers whose scaling has not been applied. */
    public boolean isRaw() {
        return raw;
    }

    /** Whether bzero/bscale differ from 0/1. */
    public boolean hasScaling() {
        return bzero != 0 || bscale != 1;
    }

    /** The same values viewed with another scaling and raw flag (data shared). */
    public SegmentArray withScaling(double newBzero, double newBscale, boolean newRaw) {
        return new SegmentArray(type, dims, data, newBzero, newBscale, newRaw);
    }

    public byte[] bytes() {
        return (byte[]) data;
    }

    public short[] shorts() {
        return (short[]) data;
    }

    public int[] ints() {
        return (int[]) data;
    }

    public long[] longs() {
        return (long[]) data;
    }

    public float[] floats() {
        return (float[]) data;
    }

    public double[] doubles() {
        return (double[]) data;
    }

    /** Value {@code i} as stored (no scaling), MISSING as NaN. For single values, not for loops. */
    public double value(int i) {
        return switch (type) {
            case CHAR -> bytes()[i] == Byte.MIN_VALUE ? Double.NaN : bytes()[i];
            case SHORT -> shorts()[i] == Short.MIN_VALUE ? Double.NaN : shorts()[i];
            case INT -> ints()[i] == Integer.MIN_VALUE ? Double.NaN : ints()[i];
            case LONGLONG -> longs()[i] == Long.MIN_VALUE ? Double.NaN : longs()[i];
            case FLOAT -> floats()[i];
            case DOUBLE -> doubles()[i];
            case TIME -> DrmsType.TIME.isMissing(doubles()[i]) ? Double.NaN : doubles()[i];
            case STRING -> throw new IllegalStateException();
        };
    }

    /** Physical value {@code i} (scaling applied when raw), MISSING as NaN. For single values, not for loops. */
    public double physical(int i) {
        double v = value(i);
        return raw ? bzero + bscale * v : v;
    }

    /** Flat index of a position given per axis (first axis first). */
    public int index(int... pos) {
        if (pos.length != dims.length) {
            throw new IllegalArgumentException("need " + dims.length + " coordinates, got " + pos.length);
        }
        int idx = 0;
        for (int a = dims.length - 1; a >= 0; a--) {
            if (pos[a] < 0 || pos[a] >= dims[a]) {
                throw new IndexOutOfBoundsException("coordinate " + pos[a] + " of axis " + a + " outside 0.." + (dims[a] - 1));
            }
            idx = idx * dims[a] + pos[a];
        }
        return idx;
    }

    @Override
    public String toString() {
        return type + Arrays.toString(dims) + (raw ? " raw bzero=" + bzero + " bscale=" + bscale : "");
    }
}
