package org.drmsbatch.segments;

import java.util.List;

import org.drmsbatch.drms.types.DrmsType;
import org.drmsbatch.drms.types.Protocol;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.drms.types.SegmentLayout;

/** Test arrays and segment layouts. */
final class Samples {

    /** Flat indices that hold MISSING in {@link #physical}. */
    static final int[] MISSING_AT = {0, 5, 77, 1000};

    private Samples() {
    }

    static SegmentLayout def(String name, DrmsType type, Protocol p, String cparms, double bzero, double bscale,
                             int... dims) {
        return def(name, false, type, p, cparms, bzero, bscale, dims);
    }

    static SegmentLayout def(String name, boolean vardim, DrmsType type, Protocol p, String cparms, double bzero,
                             double bscale, int... dims) {
        List<Integer> d = java.util.Arrays.stream(dims).boxed().toList();
        return new SegmentLayout(name, type, d, vardim, p, cparms, bzero, bscale);
    }

    /**
     * A smooth physical image of a type (values well inside the type's range, a few extremes), MISSING at
     * {@link #MISSING_AT} (where inside the array).
     */
    static SegmentArray physical(DrmsType type, int nx, int ny) {
        int n = nx * ny;
        Object data = SegmentArray.newData(type, n);
        for (int i = 0; i < n; i++) {
            int x = i % nx;
            int y = i / nx;
            long v = (x * 3L + y * 2L) % 200 - 100; // -100..99, fits char
            switch (type) {
                case CHAR -> ((byte[]) data)[i] = (byte) v;
                case SHORT -> ((short[]) data)[i] = (short) (v * 300);
                case INT -> ((int[]) data)[i] = (int) (v * 20_000_000L + x);
                case LONGLONG -> ((long[]) data)[i] = v * 90_000_000_000_000_000L / 100 + x;
                case FLOAT -> ((float[]) data)[i] = (float) (v * 1.5 + y * 0.125);
                case DOUBLE, TIME -> ((double[]) data)[i] = v * 1.0e100 / 3 + x;
                default -> throw new IllegalArgumentException();
            }
        }
        if (n > 1) {
            // type extremes next to MISSING
            switch (type) {
                case CHAR -> ((byte[]) data)[1] = Byte.MAX_VALUE;
                case SHORT -> ((short[]) data)[1] = Short.MAX_VALUE;
                case INT -> ((int[]) data)[1] = Integer.MAX_VALUE;
                case LONGLONG -> ((long[]) data)[1] = Long.MAX_VALUE;
                case FLOAT -> ((float[]) data)[1] = -Float.MAX_VALUE;
                default -> ((double[]) data)[1] = Double.MAX_VALUE;
            }
        }
        SegmentArray a = SegmentArray.of(type, new int[] {nx, ny}, data);
        SegmentArray miss = SegmentArray.missing(type, n);
        for (int i : MISSING_AT) {
            if (i < n) {
                System.arraycopy(miss.data(), 0, data, i, 1);
            }
        }
        return a;
    }
}
