package org.drmsbatch.processors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.drmsbatch.drms.DrmsType;
import org.drmsbatch.drms.Protocol;
import org.drmsbatch.drms.SegmentDef;
import org.drmsbatch.segments.SegmentArray;
import org.junit.jupiter.api.Test;

/** The arithmetic of rescaling: values, MISSING, overflow, integer scaling choices, statistics. */
class RescaleTest {

    static SegmentDef seg(DrmsType type, double bzero, double bscale) {
        return new SegmentDef("s", 0, SegmentDef.Scope.VARIABLE, type, List.of(4), "none", Protocol.FITS, "",
                bzero, bscale, "", null, null);
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
