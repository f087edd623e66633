package org.drmsbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.jobs.ingest.IngestFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code drms run ingest inbox=DIR series=SERIES}: the inbox's files become records, shown by show-info. */
class IngestCommandTest {

    @TempDir
    static Path home;

    @Test
    void runIngestTakesTheInboxFilesAndRefusesAFileThatIsNotADirectory() throws Exception {
        String url = TestDatabase.newDatabase();
        java.util.List<String> options = CommandRun.options(home, url, "drms.ingest.settle=0s");
        Path jsd = Files.writeString(home.resolve("cli.ingest.jsd"), IngestFiles.JSD.formatted("cli.ingest"));
        assertThat(CommandRun.run(options, null, "create-series", jsd.toString()).code()).isZero();
        Path inbox = Files.createDirectories(home.resolve("inbox"));
        IngestFiles.drop(inbox, "a.fits", IngestFiles.fits(1, true, null), 0);
        IngestFiles.drop(inbox, "b.fits", IngestFiles.fits(2, true, null), 0);

        CommandRun r = CommandRun.run(options, null, "run", "ingest", "inbox=" + inbox, "series=cli.ingest");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("written 2").contains("COMPLETED");
        try (var files = Files.list(inbox)) {
            assertThat(files).isEmpty();
        }
        CommandRun shown = CommandRun.run(options, null, "show-info", "ds=cli.ingest", "n=10", "key=WAVELNTH,TELESCOP");
        assertThat(shown.out()).contains("172").contains("173").contains("SDO/AIA");

        CommandRun bad = CommandRun.run(options, null, "run", "ingest", "inbox=" + jsd, "series=cli.ingest");
        assertThat(bad.code()).isNotZero();
        assertThat(bad.err() + bad.out()).contains("is not a directory");
    }
}
