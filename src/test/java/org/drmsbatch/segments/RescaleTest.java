package org.drmsbatch.segments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.drmsbatch.drms.types.DrmsType;
import org.drmsbatch.drms.types.Protocol;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.drms.types.SegmentLayout;
import org.junit.jupiter.api.Test;

/** The arithmetic of rescaling: values, MISSING, overflow, integer scaling choices, statistics. */
class RescaleTest {

    static SegmentLayout seg(DrmsType type, double bzero, double bscale) {
        return new SegmentLayout("s", type, List.of(4), false, Protocol.FITS, "", bzero, bscale);
    }

    @Test
    void floatValuesAreRescaledInDoubleAndStoredAsFloatWithMissingKeptAndOverflowCounted() {
        float[] x = {1.5f, -2f, Float.NaN, 3e38f};
        Rescale.Result r = new Rescale(10, 1, Rescale.Integers.SCALE).apply(SegmentArray.ofFloats(x.clone(), 4),
                seg(DrmsType.FLOAT, 0, 1));
        float[] y = r.array().floats();
        assertThat(y[0]).isEqualTo(16f);
        assertThat(y[1]).isEqualTo(-19f);
        assertThat(y[2]).isNaN();
        assertThat(y[3]).isNaN(); // 3e39 does not fit a float
        assertThat(r.outOfRange()).isEqualTo(1);
        assertThat(r.statistics().count()).isEqualTo(2);
        assertThat(r.statistics().min()).isEqualTo(-19);
        assertThat(r.statistics().max()).isEqualTo(16);
        assertThat(r.statistics().mean()).isEqualTo(-1.5);
        assertThat(r.statistics().rms()).isEqualTo(Math.sqrt((16.0 * 16 + 19 * 19) / 2));
    }

    @Test
    void largeFloatImagesGiveEachValueAndTheStatisticsAsAValueByValueRescaleDoes() {
        // blocks without MISSING values, blocks with a NaN, an infinity or a value that overflows, and a ragged tail
        int n = 10 * 1024 + 7;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (Math.sin(i * 0.37) * 1e3 + (i % 17) * 0.1);
        }
        x[1500] = Float.NaN;
        x[3 * 1024] = Float.POSITIVE_INFINITY;
        x[5 * 1024 + 1023] = 3e38f;
        x[10 * 1024 + 3] = Float.NaN;
        double alpha = 3.3;
        double beta = -0.7;
        float[] expected = new float[n];
        long count = 0;
        long overflow = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double sum = 0;
        double sumSq = 0;
        for (int i = 0; i < n; i++) {
            double v = alpha * x[i] + beta;
            float f = (float) v;
            if (Float.isInfinite(f) && !Double.isInfinite(v)) {
                f = Float.NaN;
                overflow++;
            }
            expected[i] = f;
            if (!Float.isNaN(f)) {
                count++;
                min = Math.min(min, f);
                max = Math.max(max, f);
                sum += f;
                sumSq += (double) f * f;
            }
        }
        Rescale.Result r = new Rescale(alpha, beta, Rescale.Integers.SCALE).apply(
                SegmentArray.ofFloats(x.clone(), n), seg(DrmsType.FLOAT, 0, 1));
        assertThat(r.array().floats()).containsExactly(expected);
        assertThat(r.outOfRange()).isEqualTo(overflow).isEqualTo(1);
        assertThat(r.statistics().count()).isEqualTo(count).isEqualTo(n - 3);
        assertThat(r.statistics().min()).isEqualTo(min);
        assertThat(r.statistics().max()).isEqualTo(max).isInfinite(); // the infinity stays, as a value
        assertThat(r.statistics().mean()).isEqualTo(sum / count);
        assertThat(r.statistics().rms()).isEqualTo(Math.sqrt(sumSq / count));

        x[3 * 1024] = 1; // without it, the statistics are those of finite values
        Rescale.Result finite = new Rescale(alpha, beta, Rescale.Integers.SCALE).apply(
                SegmentArray.ofFloats(x.clone(), n), seg(DrmsType.FLOAT, 0, 1));
        double m = 0;
        double hi = Double.NEGATIVE_INFINITY;
        for (float f : finite.array().floats()) {
            if (!Float.isNaN(f)) {
                m += f;
                hi = Math.max(hi, f);
            }
        }
        assertThat(finite.statistics().max()).isEqualTo(hi);
        assertThat(finite.statistics().mean()).isCloseTo(m / finite.statistics().count(),
                org.assertj.core.api.Assertions.within(1e-12 * Math.abs(hi)));
    }

    /** Mean and root mean square of the non-NaN values in exact decimal arithmetic, rounded to doubles. */
    static double[] exactMeanAndRms(double[] v) {
        java.math.MathContext mc = java.math.MathContext.DECIMAL128;
        java.math.BigDecimal sum = java.math.BigDecimal.ZERO;
        java.math.BigDecimal sumSq = java.math.BigDecimal.ZERO;
        int n = 0;
        for (double d : v) {
            if (!Double.isNaN(d)) {
                java.math.BigDecimal b = new java.math.BigDecimal(d);
                sum = sum.add(b);
                sumSq = sumSq.add(b.multiply(b));
                n++;
            }
        }
        java.math.BigDecimal count = java.math.BigDecimal.valueOf(n);
        return new double[] {sum.divide(count, mc).doubleValue(), sumSq.divide(count, mc).sqrt(mc).doubleValue()};
    }

    @Test
    void statisticsOfHugeAndTinyDoublesDoNotOverflowOrUnderflow() {
        double[][] cases = {
                {1.7e308, -1.7e308, 1.7e308, -1.7e308, 1.7e308},
                {1.7e308, 1.7e308, 1.7e308, Double.NaN},
                {-Double.MAX_VALUE, -Double.MAX_VALUE, -1},
                {1e200, -2e200, 3e200},
                {1e-200, -3e-200, 2e-200, Double.NaN},
                {5e-320, 1e-310, -2e-315}};
        for (double[] x : cases) {
            String as = java.util.Arrays.toString(x);
            Rescale.Result r = new Rescale(1, 0, Rescale.Integers.SCALE).apply(SegmentArray.ofDoubles(x.clone(),
                    x.length), seg(DrmsType.DOUBLE, 0, 1));
            double[] expected = exactMeanAndRms(x);
            Rescale.Statistics st = r.statistics();
            assertThat(st.mean()).as("mean of %s", as).isCloseTo(expected[0],
                    org.assertj.core.api.Assertions.within(4 * Math.ulp(expected[0])));
            assertThat(st.rms()).as("rms of %s", as).isCloseTo(expected[1],
                    org.assertj.core.api.Assertions.within(4 * Math.ulp(expected[1])));
            // the same through the statistics the collect job takes of a chunk
            Rescale.Statistics of = Rescale.Statistics.of(x);
            assertThat(of.mean()).as("mean of %s", as).isEqualTo(st.mean());
            assertThat(of.rms()).as("rms of %s", as).isEqualTo(st.rms());
            assertThat(of.count()).isEqualTo(java.util.Arrays.stream(x).filter(d -> !Double.isNaN(d)).count());
        }
    }

    @Test
    void storedIntegersThatFitAreKeptAndOnlyTheScalingChanges() {
        short[] raw = {-32767, 0, Short.MIN_VALUE, 32767};
        SegmentArray x = SegmentArray.raw(DrmsType.SHORT, new int[] {4}, raw.clone(), 100, 0.5);
        Rescale.Result r = new Rescale(1e6, -3, Rescale.Integers.SCALE).apply(x, seg(DrmsType.SHORT, 100, 0.5));
        assertThat(r.array().isRaw()).isTrue();
        assertThat(r.array().shorts()).containsExactly(raw);
        assertThat(r.array().bzero()).isEqualTo(1e6 * 100 - 3);
        assertThat(r.array().bscale()).isEqualTo(0.5e6);
        assertThat(r.outOfRange()).isZero();
        assertThat(r.statistics().max()).isEqualTo(1e6 * (100 + 0.5 * 32767) - 3);
        assertThat(r.statistics().count()).isEqualTo(3);
    }

    @Test
    void floatValuesIntoAnIntegerSegmentGetAFittedScalingUnlessTheSeriesScalingHoldsThem() {
        SegmentArray x = SegmentArray.ofFloats(new float[] {0, 1, 2, Float.NaN}, 4);
        // y in [5, 7]: the series' bzero 0 / bscale 0.001 holds 7000 in a short: kept
        Rescale.Result kept = new Rescale(1, 5, Rescale.Integers.SCALE).apply(x, seg(DrmsType.SHORT, 0, 0.001));
        assertThat(kept.array().bscale()).isEqualTo(0.001);
        assertThat(kept.array().shorts()).containsExactly((short) 5000, (short) 6000, (short) 7000, Short.MIN_VALUE);
        // y in [5e6, 7e6]: it does not: fitted to the range, every value back within one step
        Rescale.Result fitted = new Rescale(1e6, 5e6, Rescale.Integers.SCALE).apply(
                SegmentArray.ofFloats(new float[] {0, 1, 2, Float.NaN}, 4), seg(DrmsType.SHORT, 0, 0.001));
        assertThat(fitted.outOfRange()).isZero();
        SegmentArray f = fitted.array();
        for (int i = 0; i < 3; i++) {
            assertThat(f.physical(i)).isCloseTo(5e6 + 1e6 * i, org.assertj.core.api.Assertions.within(f.bscale()));
        }
        assertThat(f.shorts()[3]).isEqualTo(Short.MIN_VALUE);
    }

    @Test
    void keepUsesTheSeriesScalingAndCountsWhatDoesNotFit() {
        SegmentArray x = SegmentArray.ofFloats(new float[] {0, 10, 20, 40}, 4);
        Rescale.Result r = new Rescale(1000, 0, Rescale.Integers.KEEP).apply(x, seg(DrmsType.SHORT, 0, 1));
        assertThat(r.array().shorts()).containsExactly((short) 0, (short) 10000, (short) 20000, Short.MIN_VALUE);
        assertThat(r.outOfRange()).isEqualTo(1);
        assertThat(r.statistics().max()).isEqualTo(20000);
    }

    @Test
    void alphaZeroGivesBetaEverywhereAndIntegersFloatRefusesAnIntegerSegment() {
        SegmentArray x = SegmentArray.raw(DrmsType.INT, new int[] {4}, new int[] {1, 2, Integer.MIN_VALUE, 4}, 0, 1);
        Rescale.Result r = new Rescale(0, 7.5, Rescale.Integers.SCALE).apply(x, seg(DrmsType.INT, 0, 1));
        assertThat(r.array().physical(0)).isEqualTo(7.5);
        assertThat(r.array().physical(3)).isEqualTo(7.5);
        assertThat(r.array().ints()[2]).isEqualTo(Integer.MIN_VALUE);
        assertThatThrownBy(() -> new Rescale(2, 0, Rescale.Integers.FLOAT).apply(x, seg(DrmsType.INT, 0, 1)))
                .hasMessageContaining("integers=float");
        assertThatThrownBy(() -> new Rescale(Double.NaN, 0, Rescale.Integers.SCALE))
                .hasMessageContaining("finite");
    }
}
