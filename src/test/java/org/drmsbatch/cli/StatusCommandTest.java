package org.drmsbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.drmsbatch.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code drms status ds=}: the records a query selects and, per step, their processing status (the counts
 * themselves are checked in RecordStatusApiTest, over the same library); a bad query or argument exits 1 with the
 * reason.
 */
class StatusCommandTest {

    @TempDir
    static Path home;

    static String url;

    @BeforeAll
    static void setUp() {
        url = TestDatabase.newDatabase();
    }

    static CommandRun run(String... args) {
        return CommandRun.run(CommandRun.options(home, url), null, args);
    }

    @Test
    void statusCountsTheRecordsAndSaysWhenNoStepProcessedThem() throws Exception {
        Path jsd = home.resolve("cli.st.jsd");
        Files.writeString(jsd, """
                Seriesname: cli.st
                PrimeKeys: FSN
                Keyword: FSN, int, variable, record, DRMS_MISSING_VALUE, %d, none, "frame"
                """);
        assertThat(run("create-series", jsd.toString()).code()).isZero();
        for (int i = 1; i <= 3; i++) {
            CommandRun set = run("set-info", "ds=cli.st", "-c", "FSN=" + i);
            assertThat(set.code()).as(set.err()).isZero();
        }

        CommandRun r = run("status", "ds=cli.st");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().lines().toList()).containsExactly("cli.st: 3 records", "no step has processed them");

        CommandRun unknown = run("status", "ds=cli.nosuch");
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("cli.nosuch");
        CommandRun other = run("status", "series=cli.st");
        assertThat(other.code()).isEqualTo(1);
        assertThat(other.err()).contains("drms status takes ds=QUERY [step=NAME] [state=STATE] [limit=N]");
        CommandRun badState = run("status", "ds=cli.st", "state=done");
        assertThat(badState.code()).isEqualTo(1);
        assertThat(badState.err()).contains("state: 'done' is not one of queued, in_progress, good, failed");
        CommandRun listed = run("status", "ds=cli.st", "state=failed");
        assertThat(listed.code()).as(listed.err()).isZero();
        assertThat(listed.out().lines().toList()).containsExactly("cli.st: 3 records", "no step has processed them",
                "series\trecnum\tstep\tstate\texecution\thost\tupdated\toutput\tbytes\treason");
    }
}
