package org.drmsbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.drmsbatch.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code drms run} and {@code drms jobs} in-process with the counting test job, against a fresh database. */
class JobCommandsTest {

    @TempDir
    static Path home;

    static String url;

    record Run(int code, String out, String err) {
    }

    @BeforeAll
    static void setUp() {
        url = TestDatabase.newDatabase();
    }

    static synchronized Run run(String... args) {
        List<String> all = new ArrayList<>(List.of("--home", home.toString(),
                "--set", "spring.datasource.url=" + url,
                "--set", "spring.datasource.username=" + TestDatabase.user(),
                "--set", "drms.test.counting-job=true"));
        all.addAll(List.of(args));
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = DrmsCommand.execute(all.toArray(String[]::new));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        Run r = new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        oldOut.println("drms " + String.join(" ", args) + " -> " + r.code() + "\n" + r.out() + r.err());
        return r;
    }

    @Test
    void runPrintsProgressAndTheFinalStatusThenJobsListsIt() {
        Run r = run("run", "counting", "key=cli-ok", "items=300", "delay=1,java.lang.Long,false",
                "--interval", "50ms");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("of job counting started")
                .contains("count: read 300, written 300, skipped 0 (COMPLETED)")
                .contains(": COMPLETED (exit COMPLETED)");
        // progress: at least one line with fewer items than the end
        assertThat(r.out().lines().filter(l -> l.startsWith("count: read ")).count()).isGreaterThan(1);

        Run jobs = run("jobs", "--limit", "5");
        assertThat(jobs.code()).isZero();
        assertThat(jobs.out()).contains("STATUS").contains("counting").contains("COMPLETED").contains("key=cli-ok");

        Run names = run("jobs", "--names");
        assertThat(names.out().lines()).contains("counting");
    }

    @Test
    void exitCodesOfFailuresAndBadRequests() {
        Run internal = run("run", "counting", "key=cli-fail", "items=30", "failAt=15,java.lang.Long,false",
                "--interval", "20ms");
        assertThat(internal.code()).isEqualTo(2);
        assertThat(internal.out()).contains(": FAILED");
        assertThat(internal.err()).contains("failing at item 15");

        Run user = run("run", "counting", "key=cli-user", "items=30", "failAt=15,java.lang.Long,false",
                "failAs=user,java.lang.String,false", "--interval", "20ms");
        assertThat(user.code()).isEqualTo(1);
        assertThat(user.err()).contains("failing at item 15");

        Run unknown = run("run", "no-such-job", "a=1");
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("no job named 'no-such-job'");

        Run missing = run("run", "counting", "key=cli-missing");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("items");

        Run notNameValue = run("run", "counting", "items");
        assertThat(notNameValue.code()).isEqualTo(1);
    }

    @Test
    void asyncPrintsTheExecutionIdFirst() {
        Run r = run("run", "--async", "counting", "key=cli-async", "items=5");
        assertThat(r.code()).isZero();
        assertThat(r.out().lines().findFirst().orElseThrow()).matches("\\d+");
    }
}
