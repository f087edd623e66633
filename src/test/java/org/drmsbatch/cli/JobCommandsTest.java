package org.drmsbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.drmsbatch.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code drms run} and {@code drms jobs} in-process with the counting test job, against a fresh database. */
class JobCommandsTest {

    @TempDir
    static Path home;

    static String url;

    @BeforeAll
    static void setUp() {
        url = TestDatabase.newDatabase();
    }

    static CommandRun run(String... args) {
        return CommandRun.run(CommandRun.options(home, url, "drms.test.counting-job=true"), null, args);
    }

    @Test
    void runPrintsProgressAndTheFinalStatusThenJobsListsIt() {
        CommandRun r = run("run", "counting", "key=cli-ok", "items=300", "delay=1,java.lang.Long,false",
                "--interval", "50ms");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("of job counting started")
                .contains("count: read 300, written 300, skipped 0 (COMPLETED)")
                .contains(": COMPLETED (exit COMPLETED)");
        // progress: at least one line with fewer items than the end
        assertThat(r.out().lines().filter(l -> l.startsWith("count: read ")).count()).isGreaterThan(1);

        CommandRun jobs = run("jobs", "--limit", "5");
        assertThat(jobs.code()).isZero();
        assertThat(jobs.out()).contains("STATUS").contains("counting").contains("COMPLETED").contains("key=cli-ok");

        CommandRun names = run("jobs", "--names");
        assertThat(names.out().lines()).contains("counting");
    }

    @Test
    void exitCodesOfFailuresAndBadRequests() {
        CommandRun internal = run("run", "counting", "key=cli-fail", "items=30", "failAt=15,java.lang.Long,false",
                "--interval", "20ms");
        assertThat(internal.code()).isEqualTo(2);
        assertThat(internal.out()).contains(": FAILED");
        assertThat(internal.err()).contains("failing at item 15");

        CommandRun user = run("run", "counting", "key=cli-user", "items=30", "failAt=15,java.lang.Long,false",
                "failAs=user,java.lang.String,false", "--interval", "20ms");
        assertThat(user.code()).isEqualTo(1);
        assertThat(user.err()).contains("failing at item 15");

        CommandRun unknown = run("run", "no-such-job", "a=1");
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("no job named 'no-such-job'");

        CommandRun missing = run("run", "counting", "key=cli-missing");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("items");

        CommandRun notNameValue = run("run", "counting", "items");
        assertThat(notNameValue.code()).isEqualTo(1);
    }

    @Test
    void stageExitsOneWithoutATapeLibraryAndWhenItsUnitsAreUnknown() {
        CommandRun noLibrary = run("run", "stage", "sunum=999");
        assertThat(noLibrary.code()).isEqualTo(1);
        assertThat(noLibrary.err()).contains("no tape library: set drms.tape.directory");

        CommandRun unknown = CommandRun.run(CommandRun.options(home, url, "drms.tape.directory=" + home.resolve("tape"),
                "drms.tape.time-scale=0"), null, "run", "stage", "sunum=999", "--interval", "20ms");
        assertThat(unknown.code()).as(unknown.err()).isEqualTo(1);
        assertThat(unknown.out()).contains(": FAILED");
        assertThat(unknown.err()).contains("storage unit 999: unknown storage unit");
    }

    @Test
    void asyncPrintsTheExecutionIdFirst() {
        CommandRun r = run("run", "--async", "counting", "key=cli-async", "items=5");
        assertThat(r.code()).isZero();
        assertThat(r.out().lines().findFirst().orElseThrow()).matches("\\d+");
    }
}
