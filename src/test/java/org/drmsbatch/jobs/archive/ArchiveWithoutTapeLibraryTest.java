package org.drmsbatch.jobs.archive;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.drmsbatch.CatalogTestSupport;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRequestException;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** Without a tape library (the shared test context sets no drms.tape.directory) archive refuses to start. */
class ArchiveWithoutTapeLibraryTest extends CatalogTestSupport {

    @Autowired
    JobControl jobs;

    @Test
    void archiveIsRefusedWithTheReasonWhenThereIsNoTapeLibrary() {
        assertThatThrownBy(() -> jobs.start(ArchiveJobConfiguration.JOB, Map.of()))
                .isInstanceOf(JobRequestException.class)
                .hasMessageContaining("no tape library: set drms.tape.directory");
        assertThatThrownBy(() -> jobs.start(ArchiveJobConfiguration.JOB, Map.of("copies", "2")))
                .isInstanceOf(JobRequestException.class)
                .hasMessageContaining("no tape library: set drms.tape.directory");
    }
}
