package org.drmsbatch.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@code drms.health.min-free}: a size or a percentage of the partition; anything else refused naming it. */
class MinFreeTest {

    @Test
    void aSizeOrAPercentageOfThePartition() {
        assertThat(MinFree.parse("1GB").of(500L << 30)).isEqualTo(1L << 30);
        assertThat(MinFree.parse(" 500MB ").of(1)).isEqualTo(500L << 20);
        assertThat(MinFree.parse("5%").of(1000)).isEqualTo(50);
        assertThat(MinFree.parse("0.5 %").of(1001)).isEqualTo(6); // rounded up: at least that much free
        assertThat(MinFree.parse("0").of(1000)).isZero();
    }

    @Test
    void anythingElseIsRefusedNamingThePropertyAndTheFormsItTakes() {
        for (String bad : new String[] {"", "lots", "120%", "-1%", "-5MB", "5 parsecs"}) {
            assertThatThrownBy(() -> MinFree.parse(bad)).as(bad)
                    .hasMessageContaining("drms.health.min-free").hasMessageContaining("1GB")
                    .hasMessageContaining("5%");
        }
    }
}
