package org.drmsbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.drmsbatch.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's tape round trip from the command line: records of an archived series, {@code drms run archive},
 * {@code drms tape} (the volume, its tape file naming the unit), {@code drms run scrub}, {@code show-info -P} saying
 * the record is offline, {@code drms run stage}, and the file back; {@code drms tape} without a library says so.
 */
class TapeCommandTest {

    @TempDir
    static Path home;

    static String url;

    @BeforeAll
    static void setUp() {
        url = TestDatabase.newDatabase();
    }

    static CommandRun run(String... args) {
        return CommandRun.run(CommandRun.options(home, url, "drms.tape.directory=" + home.resolve("tape"),
                "drms.tape.time-scale=0", "drms.sums.capacity=1KB"), null, args);
    }

    @Test
    void archiveTapeScrubShowInfoStageRoundTrip() throws Exception {
        Path jsd = home.resolve("cli.tapes.jsd");
        Files.writeString(jsd, """
                Seriesname: cli.tapes
                Unitsize: 1
                Archive: 1
                Tapegroup: 2
                PrimeKeys: FSN
                Keyword: FSN, int, variable, record, DRMS_MISSING_VALUE, %d, none, "frame"
                Data: file, variable, int, 0, none, generic, "any file"
                """);
        assertThat(run("create-series", jsd.toString()).code()).isZero();
        Path data = home.resolve("notes.txt");
        Files.writeString(data, "strain calibration notes\n".repeat(100));
        CommandRun set = run("set-info", "ds=cli.tapes", "-c", "FSN=1", "file=" + data);
        assertThat(set.code()).as(set.err()).isZero();

        CommandRun archive = run("run", "archive", "--interval", "20ms");
        assertThat(archive.code()).as(archive.err()).isZero();
        CommandRun tape = run("tape");
        assertThat(tape.code()).as(tape.err()).isZero();
        assertThat(tape.out()).contains("drives\t2").contains("slots\t1 of 100 used").containsPattern(
                "V00001L9\\s+2\\s+open\\s+1\\s");
        CommandRun volume = run("tape", "V00001L9");
        assertThat(volume.out()).containsPattern("\\s1\\s+\\d+\\s+cli\\.tapes\\s").contains("1 tape files");
        CommandRun unknown = run("tape", "V09999L9");
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("No volume 'V09999L9'");

        CommandRun scrub = run("run", "scrub", "force=true", "series=cli.tapes", "--interval", "20ms");
        assertThat(scrub.code()).as(scrub.err()).isZero();
        CommandRun offline = run("show-info", "ds=cli.tapes[1]", "-P", "seg=file");
        assertThat(offline.out()).contains("(offline: archived on tape)");
        assertThat(offline.err()).contains("1 of 1 records are offline").contains("drms run stage ds='cli.tapes[1]'");

        CommandRun stage = run("run", "stage", "ds=cli.tapes[1]", "--interval", "20ms");
        assertThat(stage.code()).as(stage.err() + stage.out()).isZero();
        CommandRun back = run("show-info", "ds=cli.tapes[1]", "-P", "seg=file", "-q");
        List<String> cols = List.of(back.out().strip().split("\t"));
        assertThat(Files.readString(Path.of(cols.get(cols.size() - 1)))).isEqualTo(Files.readString(data));
    }

    @Test
    void withoutALibraryTapeSaysSo() {
        CommandRun r = CommandRun.run(CommandRun.options(home, url), null, "tape");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("There is no tape library: set drms.tape.directory");
    }
}
