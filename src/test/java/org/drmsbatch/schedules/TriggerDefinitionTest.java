package org.drmsbatch.schedules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** drms.triggers.<name>: defaults, and definitions that cannot work refused naming the setting. */
class TriggerDefinitionTest {

    @Test
    void aDirectoryMakesADirectoryTriggerOfTheIngestJobLookingEverySecond() {
        TriggerDefinition d = new TriggerDefinition(null, Path.of("/in"), null, null, null);
        d.check("aia");
        assertThat(d.type()).isEqualTo(TriggerDefinition.DIRECTORY);
        assertThat(d.job()).isEqualTo("ingest");
        assertThat(d.parameters()).isEmpty();
        assertThat(d.interval()).isEqualTo(Duration.ofSeconds(1));
        new TriggerDefinition("buffer-freeze", null, null, Map.of("series", "gw.x"), null).check("b");
    }

    @Test
    void definitionsThatCannotWorkAreRefusedNamingTheSetting() {
        assertThatThrownBy(() -> new TriggerDefinition(null, null, "ingest", null, null).check("t1"))
                .hasMessageContaining("drms.triggers.t1").hasMessageContaining("set type");
        assertThatThrownBy(() -> new TriggerDefinition("directory", null, null, null, null).check("t2"))
                .hasMessageContaining("drms.triggers.t2.directory");
        assertThatThrownBy(() -> new TriggerDefinition("inotify", Path.of("/in"), null, null, null).check("t3"))
                .hasMessageContaining("drms.triggers.t3.type").hasMessageContaining("'inotify'");
        assertThatThrownBy(() -> new TriggerDefinition(null, Path.of("/in"), null, null, Duration.ZERO).check("t4"))
                .hasMessageContaining("drms.triggers.t4.interval");
    }
}
