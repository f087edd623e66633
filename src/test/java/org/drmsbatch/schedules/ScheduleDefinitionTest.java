package org.drmsbatch.schedules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.ZoneId;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** A schedule's definition is checked, and a bad one named by its property. */
class ScheduleDefinitionTest {

    private static Schedule.Definition def(String cron, String zone, String job, String misfire) {
        return new Schedule.Definition(cron, zone, job, Map.of("key", "k-{fireTime}"), misfire, null, null);
    }

    @Test
    void defaultsAreRunOnceNoRestartEnabled() {
        Schedule s = Schedule.of("nightly", def("0 0 1 * * ?", "UTC", "archive", null));
        assertThat(s.misfire()).isEqualTo(Schedule.Misfire.RUN_ONCE);
        assertThat(s.restart()).isFalse();
        assertThat(s.enabled()).isTrue();
        assertThat(s.timeZone()).isEqualTo(ZoneId.of("UTC"));
        assertThat(s.fingerprint()).isNotEqualTo(Schedule.of("nightly", def("0 0 2 * * ?", "UTC", "archive",
                null)).fingerprint());
        assertThat(Schedule.of("n", def("0 0 1 * * ?", "UTC", "archive", "SKIP")).misfire())
                .isEqualTo(Schedule.Misfire.SKIP);
    }

    @Test
    void badDefinitionsAreRefusedNamingTheProperty() {
        assertThatThrownBy(() -> Schedule.of("n", def("0 0 1 * *", "UTC", "archive", null)))
                .hasMessageContaining("drms.schedules.n.cron '0 0 1 * *' is not a Quartz cron expression");
        assertThatThrownBy(() -> Schedule.of("n", def(null, "UTC", "archive", null)))
                .hasMessageContaining("drms.schedules.n.cron is not set");
        assertThatThrownBy(() -> Schedule.of("n", def("0 0 1 * * ?", "Mars/Base", "archive", null)))
                .hasMessageContaining("drms.schedules.n.time-zone 'Mars/Base' is not a time zone");
        assertThatThrownBy(() -> Schedule.of("n", def("0 0 1 * * ?", "UTC", " ", null)))
                .hasMessageContaining("drms.schedules.n.job is not set");
        assertThatThrownBy(() -> Schedule.of("n", def("0 0 1 * * ?", "UTC", "archive", "twice")))
                .hasMessageContaining("drms.schedules.n.misfire must be run-once or skip, not 'twice'");
        assertThatThrownBy(() -> Schedule.of("bad name", def("0 0 1 * * ?", "UTC", "archive", null)))
                .hasMessageContaining("a schedule's name must be");
    }
}
