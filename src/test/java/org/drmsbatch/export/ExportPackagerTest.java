package org.drmsbatch.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Packaging after an interrupted run: leftovers removed, the tar made once, each part safe to do again. */
class ExportPackagerTest {

    @TempDir
    Path dir;

    List<String> listing() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    void exported(String... names) throws Exception {
        List<ExportManifest.Entry> entries = new ArrayList<>();
        for (String n : names) {
            Files.writeString(dir.resolve(n), "data of " + n);
            entries.add(new ExportManifest.Entry("s.x[" + n + "]{image}", n, Files.size(dir.resolve(n))));
        }
        ExportManifest.append(dir, "partition0", entries);
    }

    @Test
    void leftoversOfAChunkThatDidNotCommitAreRemoved() throws Exception {
        exported("a.fits", "b.fits");
        Files.writeString(dir.resolve("c.fits"), "written, not committed"); // its chunk rolled back
        Files.writeString(dir.resolve(".d.fits.part-1f"), "half");
        ExportIndex index = new ExportPackager(dir, "R1", "url", "fits", false, true).finish();
        assertThat(index.files()).extracting(ExportManifest.Entry::filename).containsExactly("a.fits", "b.fits");
        assertThat(listing()).containsExactly("a.fits", "b.fits", "index.json", "index.txt");
        assertThat(Files.readString(dir.resolve("index.txt"))).contains("count=2", "s.x[a.fits]{image}\ta.fits");
        // done: run again (a kill before the step committed) changes nothing
        String json = Files.readString(dir.resolve("index.json"));
        assertThat(new ExportPackager(dir, "R1", "url", "fits", false, true).finish()).isNull();
        assertThat(Files.readString(dir.resolve("index.json"))).isEqualTo(json);
    }

    @Test
    void aTarLeftHalfWrittenIsMadeAgainAndACompleteOneIsKept() throws Exception {
        exported("a.fits", "b.fits");
        Files.writeString(dir.resolve(".R2.tar.part-99"), "half a tar");
        ExportPackager p = new ExportPackager(dir, "R2", "url-tar", "fits", true, true);
        p.finish();
        assertThat(listing()).containsExactly("R2.tar", "index.json", "index.txt");
        List<String> entries = new ArrayList<>();
        try (InputStream in = Files.newInputStream(dir.resolve("R2.tar"));
             TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                entries.add(e.getName() + "=" + new String(tar.readAllBytes()).length());
            }
        }
        assertThat(entries).hasSize(4).startsWith("a.fits=" + "data of a.fits".length());

        // killed after the tar was complete but before the loose files were gone: the tar is kept as it is
        Path tar = dir.resolve("R2.tar");
        long size = Files.size(tar);
        Files.delete(dir.resolve("index.json"));
        exported("a.fits", "b.fits");
        new ExportPackager(dir, "R2", "url-tar", "fits", true, true).finish();
        assertThat(Files.size(tar)).isEqualTo(size);
        assertThat(listing()).containsExactly("R2.tar", "index.json", "index.txt");
    }

    void exported(String partition, int set, long recnum, String name) throws Exception {
        Files.writeString(dir.resolve(name), "data of " + name);
        ExportManifest.append(dir, partition, List.of(new ExportManifest.Entry("s.x[" + recnum + "]{image}", name,
                Files.size(dir.resolve(name)), set, recnum)));
    }

    @Test
    void theManifestsOfAllPartitionsAreListedInTheRecordSetOrderWithTheirLeftoversRemoved() throws Exception {
        // partition1 ended first; each partition's records in its own order (record set, then recnum)
        exported("partition1", 0, 7, "r7.fits");
        exported("partition1", 1, 6, "s6.fits");
        exported("partition0", 0, 2, "r2.fits");
        exported("partition0", 1, 1, "s1.fits");
        exported("partition0", 1, 3, "s3.fits");
        Files.writeString(dir.resolve("r9.fits"), "written by partition1, its chunk did not commit");
        ExportIndex index = new ExportPackager(dir, "R3", "url", "fits", false, true).finish();
        assertThat(index.files()).extracting(ExportManifest.Entry::filename)
                .containsExactly("r2.fits", "r7.fits", "s1.fits", "s3.fits", "s6.fits");
        assertThat(listing()).containsExactly("index.json", "index.txt", "r2.fits", "r7.fits", "s1.fits", "s3.fits",
                "s6.fits");
    }

    @Test
    void aNameGivenInTwoPartitionsFailsNamingBothRecordsAndChangesNothing() throws Exception {
        exported("partition0", 0, 1, "a.fits");
        exported("partition1", 0, 5, "b.fits");
        exported("partition1", 0, 6, "a.fits");
        ExportPackager p = new ExportPackager(dir, "R4", "url", "fits", false, true);
        org.assertj.core.api.Assertions.assertThatThrownBy(p::finish).isInstanceOf(ExportException.class)
                .hasMessageContaining("gives the same name 'a.fits' to s.x[1]{image} and s.x[6]{image}");
        assertThat(listing()).containsExactly(".export-manifest-partition0.jsonl", ".export-manifest-partition1.jsonl",
                "a.fits", "b.fits");
    }

    @Test
    void killedAfterTheIndexTheManifestsLeftAreDropped() throws Exception {
        exported("partition0", 0, 1, "a.fits");
        exported("partition1", 0, 2, "b.fits");
        new ExportPackager(dir, "R5", "url", "fits", false, true).finish();
        String json = Files.readString(dir.resolve("index.json"));
        // as if killed after index.json, with one manifest still there
        ExportManifest.append(dir, "partition1", List.of(new ExportManifest.Entry("s.x[2]{image}", "b.fits", 10, 0,
                2)));
        assertThat(new ExportPackager(dir, "R5", "url", "fits", false, true).finish()).isNull();
        assertThat(Files.readString(dir.resolve("index.json"))).isEqualTo(json);
        assertThat(listing()).containsExactly("a.fits", "b.fits", "index.json", "index.txt");
    }
}
