package org.drmsbatch.drms.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * Slot numbers, specs/drms.md §3: index = floor((value − base + R/2) / step). Worked example from the spec:
 * 2010.05.01_00:00:00_TAI is 546 825 600 s after MDI_EPOCH (504 921 600 s); / 45 = 12 151 680 exactly,
 * / 720 = 759 480 exactly.
 */
class SlotTest {

    private static final double MDI = 504_921_600.0;
    private static final double MAY1 = 1_051_747_200.0;

    @Test
    void tsEqWorkedExample() {
        Slot s = Slot.of("ts_eq", "MDI_EPOCH", "45", "secs", null);
        assertThat(s.kind()).isEqualTo(Slot.Kind.TS_EQ);
        assertThat(s.base()).isEqualTo(MDI);
        assertThat(s.step()).isEqualTo(45.0);
        assertThat(s.round()).isEqualTo(45.0);
        assertThat(s.index(MAY1)).isEqualTo(12_151_680L);
        assertThat(s.index(DrmsTime.parse("2010.05.01_00:00:00_TAI"))).isEqualTo(12_151_680L);
        assertThat(s.value(12_151_680L)).isEqualTo(MAY1);
        assertThat(Slot.of("ts_eq", "MDI_EPOCH", "720", null, null).index(MAY1)).isEqualTo(759_480L);
        assertThat(Slot.of("TS_EQ", "1993.01.01_00:00:00_TAI", "720s", null, null).index(MAY1)).isEqualTo(759_480L);
        // 12 mins = 720 s
        assertThat(Slot.of("ts_eq", "TSEQ_EPOCH", "12", "mins", null).index(MAY1)).isEqualTo(759_480L);
        // a step string with its own unit ignores _unit
        assertThat(Slot.of("ts_eq", "MDI_EPOCH", "12m", "days", null).step()).isEqualTo(720.0);
        // 450 tenthsecs = 45 s; 0.2 hours = 720 s; 1 day = 86400 s
        assertThat(Slot.of("ts_eq", "MDI_EPOCH", "450", "tenthsecs", null).step()).isCloseTo(45.0, within(1e-9));
        assertThat(Slot.of("ts_eq", "MDI_EPOCH", "0.2", "hours", null).step()).isCloseTo(720.0, within(1e-9));
        assertThat(Slot.of("ts_eq", "MDI_EPOCH", "1", "days", null).step()).isEqualTo(86400.0);
        // the epoch as a bare number of TAI seconds
        assertThat(Slot.of("ts_eq", "504921600.0", "45", null, null).base()).isEqualTo(MDI);
    }

    @Test
    void tsEqHalfStepRoundsUp() {
        Slot s = Slot.of("ts_eq", "MDI_EPOCH", "45", null, null);
        // offsets 0 .. 22.49 s stay in the slot, 22.5 s goes to the next; −22.5 s is still this slot (centred)
        assertThat(s.index(MAY1 + 22.49)).isEqualTo(12_151_680L);
        assertThat(s.index(MAY1 + 22.5)).isEqualTo(12_151_681L);
        assertThat(s.index(MAY1 - 22.5)).isEqualTo(12_151_680L);
        assertThat(s.index(MAY1 - 22.51)).isEqualTo(12_151_679L);
        // slot 0 is [epoch − 22.5, epoch + 22.5)
        assertThat(s.index(MDI)).isZero();
        assertThat(s.index(MDI - 22.5)).isZero();
        assertThat(s.index(MDI - 22.6)).isEqualTo(-1L);
        assertThat(s.start(0)).isEqualTo(MDI - 22.5);
    }

    @Test
    void tsSlotFloorsFromTheEpoch() {
        Slot s = Slot.of("ts_slot", "MDI_EPOCH", "45s", null, null);
        assertThat(s.round()).isZero();
        assertThat(s.index(MDI)).isZero();
        assertThat(s.index(MDI + 44.99)).isZero();
        assertThat(s.index(MDI + 45)).isEqualTo(1L);
        assertThat(s.index(MDI - 0.01)).isEqualTo(-1L);
        assertThat(s.index(MAY1 + 44.99)).isEqualTo(12_151_680L);
        assertThat(s.value(1)).isEqualTo(MDI + 45);
        assertThat(s.start(1)).isEqualTo(MDI + 45);
    }

    @Test
    void tsSlotWithRound() {
        // _round = 10 s: floor((v − epoch + 5) / 45); slot 0 is [epoch − 5, epoch + 40)
        Slot s = Slot.of("ts_slot", "MDI_EPOCH", "45", "secs", "10");
        assertThat(s.round()).isEqualTo(10.0);
        assertThat(s.index(MDI - 5)).isZero();
        assertThat(s.index(MDI - 5.01)).isEqualTo(-1L);
        assertThat(s.index(MDI + 39.99)).isZero();
        assertThat(s.index(MDI + 40)).isEqualTo(1L);
        assertThat(s.start(0)).isEqualTo(MDI - 5);
    }

    @Test
    void slotRoundsToNearestAroundItsBase() {
        // base 0.5, step 2: floor((v − 0.5 + 1) / 2); slot 0 is [−0.5, 1.5)
        Slot s = Slot.of("slot", "0.5", "2", "arbitrary", null);
        assertThat(s.index(0.5)).isZero();
        assertThat(s.index(1.49)).isZero();
        assertThat(s.index(1.5)).isEqualTo(1L);
        assertThat(s.index(-0.5)).isZero();
        assertThat(s.index(-0.51)).isEqualTo(-1L);
        assertThat(s.value(3)).isEqualTo(6.5);
        // a time-typed base
        assertThat(Slot.of("slot", "MDI_EPOCH", "60", null, null).base()).isEqualTo(MDI);
    }

    @Test
    void carrStepUnits() {
        // 0.5 degrees written six ways
        assertThat(Slot.of("carr", null, "0.5", null, null).step()).isEqualTo(0.5);
        assertThat(Slot.of("carr", null, "0.5d", null, null).step()).isEqualTo(0.5);
        assertThat(Slot.of("carr", null, "30m", null, null).step()).isCloseTo(0.5, within(1e-12));
        assertThat(Slot.of("carr", null, "1800s", null, null).step()).isCloseTo(0.5, within(1e-12));
        assertThat(Slot.of("carr", null, "1800000ms", null, null).step()).isCloseTo(0.5, within(1e-12));
        assertThat(Slot.of("carr", null, "30", "arcmins", null).step()).isCloseTo(0.5, within(1e-12));
        // π/360 rad = 0.5°; 1e6 µrad = 1 rad
        assertThat(Slot.of("carr", null, String.valueOf(Math.PI / 360), "rads", null).step()).isCloseTo(0.5, within(1e-12));
        assertThat(Slot.of("carr", null, "1000000ur", null, null).step()).isCloseTo(180 / Math.PI, within(1e-9));
    }

    @Test
    void carrHalfStepRoundsUp() {
        Slot s = Slot.of("carr", null, "0.5", "degrees", null);
        assertThat(s.base()).isZero();
        // floor((v + 0.25) / 0.5)
        assertThat(s.index(0.2499)).isZero();
        assertThat(s.index(0.25)).isEqualTo(1L);
        assertThat(s.index(-0.25)).isZero();
        assertThat(s.index(-0.2501)).isEqualTo(-1L);
        assertThat(s.index(180.0)).isEqualTo(360L);
    }

    @Test
    void enumIndexIsTheValue() {
        Slot s = Slot.of("enum", null, null, null, null);
        assertThat(s.index(0)).isZero();
        assertThat(s.index(3)).isEqualTo(3L);
        assertThat(s.index(3.7)).isEqualTo(3L);
        assertThat(s.value(5)).isEqualTo(5.0);
    }

    @Test
    void badDefinitions() {
        assertThatThrownBy(() -> Slot.of("variable", "MDI_EPOCH", "45", null, null))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("variable");
        assertThatThrownBy(() -> Slot.of("ts_eq", "MDI_EPOCH", "0", null, null))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("non-zero");
        assertThatThrownBy(() -> Slot.of("ts_eq", null, "45", null, null))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("epoch");
        assertThatThrownBy(() -> Slot.of("ts_eq", "MDI_EPOCH", "45", "fortnights", null))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fortnights");
        assertThatThrownBy(() -> Slot.of("ts_eq", "MDI_EPOCH", "45q", null, null))
            .isInstanceOf(TimeFormatException.class);
        assertThatThrownBy(() -> Slot.of("ts_eq", "not a time", "45", null, null))
            .isInstanceOf(TimeFormatException.class);
        assertThatThrownBy(() -> Slot.of("carr", null, "2x", null, null))
            .isInstanceOf(IllegalArgumentException.class);
        assertThat(Slot.Kind.of("constant")).isNull();
    }
}
