package org.drmsbatch.drms.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DurationTest {

    @ParameterizedTest
    @CsvSource({
        "45s, 45", "45, 45", "12m, 720", "1h, 3600", "1d, 86400", "0.5d, 43200", "365d, 31536000",
        "96m, 5760", "2h, 7200", "6h, 21600", "12s, 12", "1.5 mins, 90", "3 days, 259200", "10 tenthsecs, 1",
        "2 hours, 7200", "1w, 604800", "' 45S ', 45", "1e2s, 100", "-1d, -86400",
    })
    void durations(String text, double seconds) {
        assertThat(DrmsTime.parseDuration(text)).isCloseTo(seconds, within(1e-9));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        // text | 0-based position
        "45x     | 2",
        "abc     | 0",
        "''      | 0",
        "12 parsecs | 3",
        "1.2.3s  | 0",
    })
    void badDurationsNameThePosition(String text, int position) {
        assertThatThrownBy(() -> DrmsTime.parseDuration(text))
            .isInstanceOf(IllegalArgumentException.class)
            .isInstanceOf(TimeFormatException.class)
            .satisfies(e -> assertThat(((TimeFormatException) e).position()).isEqualTo(position));
    }
}
