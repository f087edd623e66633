package org.drmsbatch.jobs.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.drmsbatch.export.ExportManifest;
import org.drmsbatch.export.ExportPackager;
import org.drmsbatch.export.FileNameTemplate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamException;

/** The writer of one partition: only into a directory its export claimed, and only its own manifest. */
class ExportFileWriterTest {

    @TempDir
    Path dir;

    @Test
    void aDirectoryWithoutTheExportsMarkerIsRefusedRatherThanMade() {
        // as on a worker that does not share the manager's export directory
        Path missing = dir.resolve("JSOC_20261206_000001");
        ExportFileWriter writer = new ExportFileWriter(missing, FileNameTemplate.parse(null), null);
        assertThatThrownBy(() -> writer.open(new ExecutionContext())).isInstanceOf(ItemStreamException.class)
                .hasMessageContaining("is not there").hasMessageContaining("shared with the cluster's workers");
        assertThat(missing).doesNotExist();
    }

    @Test
    void eachPartitionOpensItsOwnManifest() throws Exception {
        Files.writeString(dir.resolve(ExportPackager.REQUEST_MARKER), "job-instance=1\n");
        ExportManifest.append(dir, "partition0", java.util.List.of(new ExportManifest.Entry("s.x[1]{image}",
                "a.fits", 3, 0, 1)));
        ExportFileWriter partition1 = new ExportFileWriter(dir, "partition1", FileNameTemplate.parse(null), null, 1,
                "export", entries -> {
                });
        partition1.open(new ExecutionContext());
        partition1.close();
        assertThat(ExportManifest.read(dir, "partition0")).hasSize(1);
        assertThat(ExportManifest.read(dir, "partition1")).isEmpty();
        assertThat(ExportManifest.manifests(dir)).extracting(p -> p.getFileName().toString())
                .containsExactly(".export-manifest-partition0.jsonl", ".export-manifest-partition1.jsonl");
    }
}
