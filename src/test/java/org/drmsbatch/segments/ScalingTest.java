package org.drmsbatch.segments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.drmsbatch.drms.types.DrmsType;
import org.drmsbatch.drms.types.SegmentArray;
import org.junit.jupiter.api.Test;

class ScalingTest {

    @Test
    void rawShortToFloatAppliesScalingAndKeepsMissing() {
        // aia.lev0 image_sm: short, bzero 8192, bscale 0.25
        SegmentArray raw = SegmentArray.raw(DrmsType.SHORT, new int[] {4}, new short[] {0, 4, Short.MIN_VALUE, -32767},
                8192, 0.25);
        Conversion c = Scaling.convert(raw, DrmsType.FLOAT, true);
        assertThat(c.outOfRange()).isZero();
        assertThat(c.array().floats()).containsExactly(8192f, 8193f, Float.NaN, 8192f - 0.25f * 32767f);
        assertThat(c.array().isRaw()).isFalse();
        assertThat(c.array().bzero()).isZero();
        assertThat(c.array().bscale()).isEqualTo(1);
    }

    @Test
    void integerTargetsRoundHalfAwayFromZeroAndCountOutOfRange() {
        SegmentArray phys = SegmentArray.ofDoubles(new double[] {1.5, -1.5, 2.49, -2.5, 127.4, 127.6, -127.6, -128, Double.NaN,
                1e300}, 10);
        Conversion c = Scaling.convert(phys, DrmsType.CHAR, true);
        assertThat(c.array().bytes()).containsExactly(2, -2, 2, -3, 127, -128, -128, -128, -128, -128);
        // 127.6 and -127.6 round outside, -128 is MISSING itself, 1e300 too large; NaN is simply MISSING
        assertThat(c.outOfRange()).isEqualTo(4);
    }

    @Test
    void missingOfEveryIntegerTypeBecomesNaNAndBack() {
        for (DrmsType from : new DrmsType[] {DrmsType.CHAR, DrmsType.SHORT, DrmsType.INT, DrmsType.LONGLONG}) {
            SegmentArray m = SegmentArray.missing(from, 3);
            Conversion d = Scaling.convert(m, DrmsType.DOUBLE, true);
            assertThat(d.array().doubles()).containsOnly(Double.NaN);
            assertThat(d.outOfRange()).isZero();
            for (DrmsType to : new DrmsType[] {DrmsType.CHAR, DrmsType.SHORT, DrmsType.INT, DrmsType.LONGLONG, DrmsType.FLOAT}) {
                Conversion back = Scaling.convert(d.array(), to, true);
                assertThat(back.outOfRange()).isZero();
                for (int i = 0; i < 3; i++) {
                    assertThat(back.array().value(i)).isNaN();
                }
            }
        }
    }

    @Test
    void longlongWithoutScalingIsExact() {
        long[] v = {Long.MAX_VALUE, Long.MIN_VALUE, 9_007_199_254_740_993L};
        Conversion c = Scaling.convert(SegmentArray.ofLongs(v, 3), DrmsType.LONGLONG, true);
        assertThat(c.array().longs()).containsExactly(v);
    }

    @Test
    void scaleForOutputStoresPhysicalAsScaledIntegers() {
        float[] phys = {8192f, 8192.25f, 8191.75f, Float.NaN, 8192 + 0.25f * 40000, 8192 - 0.25f * 40000, 8192.125f};
        Conversion c = Scaling.scaleForOutput(SegmentArray.ofFloats(phys, phys.length), DrmsType.SHORT, 8192, 0.25);
        assertThat(c.array().shorts()).containsExactly((short) 0, (short) 1, (short) -1, Short.MIN_VALUE, Short.MIN_VALUE,
                Short.MIN_VALUE, (short) 1);
        assertThat(c.outOfRange()).isEqualTo(2);
        assertThat(c.array().isRaw()).isTrue();
        assertThat(c.array().bzero()).isEqualTo(8192);
        assertThat(c.array().bscale()).isEqualTo(0.25);
    }

    @Test
    void floatTargetOverflowIsCounted() {
        Conversion c = Scaling.convert(SegmentArray.ofDoubles(new double[] {1e39, -1e39, 1, Double.POSITIVE_INFINITY}, 4),
                DrmsType.FLOAT, true);
        assertThat(c.array().floats()).containsExactly(Float.NaN, Float.NaN, 1f, Float.POSITIVE_INFINITY);
        assertThat(c.outOfRange()).isEqualTo(2);
    }

    @Test
    void timeMissingMapsToNaN() {
        SegmentArray t = SegmentArray.of(DrmsType.TIME, new int[] {2}, new double[] {DrmsType.MISSING_TIME, 1.0e9});
        Conversion d = Scaling.convert(t, DrmsType.DOUBLE, true);
        assertThat(d.array().doubles()).containsExactly(Double.NaN, 1.0e9);
        assertThat(Scaling.convert(d.array(), DrmsType.TIME, true).array().doubles())
                .containsExactly(DrmsType.MISSING_TIME, 1.0e9);
    }

    @Test
    void convertWithoutScalingKeepsRawScaling() {
        SegmentArray raw = SegmentArray.raw(DrmsType.SHORT, new int[] {2}, new short[] {3, Short.MIN_VALUE}, 10, 2);
        Conversion c = Scaling.convert(raw, DrmsType.INT, false);
        assertThat(c.array().ints()).containsExactly(3, Integer.MIN_VALUE);
        assertThat(c.array().isRaw()).isTrue();
        assertThat(c.array().physical(0)).isEqualTo(16);
    }

    @Test
    void arrayChecksItsShape() {
        assertThatThrownBy(() -> SegmentArray.ofShorts(new short[5], 2, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("6 values");
        assertThatThrownBy(() -> SegmentArray.of(DrmsType.SHORT, new int[] {1}, new int[1]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("short[]");
        SegmentArray a = SegmentArray.zeros(DrmsType.INT, 3, 4, 5);
        assertThat(a.length()).isEqualTo(60);
        assertThat(a.index(2, 1, 1)).isEqualTo(2 + 3 * (1 + 4 * 1));
    }
}
