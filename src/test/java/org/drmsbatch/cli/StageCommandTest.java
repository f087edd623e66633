package org.drmsbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.jobs.stage.TapedUnits;
import org.drmsbatch.sums.tape.TapeArchive;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code drms stage} in-process against a real catalog and a tape library of tar files, with no server running:
 * {@code submit} stores a request and prints its id, {@code watch} turns the staging monitor itself and follows the
 * request to its end (exit 0 every file back, 2 files not staged, with their reasons, 1 an unknown id), {@code list}
 * and {@code cancel}; bad arguments are refused before anything is stored. The archived units taken offline are
 * made through this class's own context on the same database and home ({@link TapedUnits}). The monitor's check
 * interval is left at its default (60 s): watch turns it as soon as no file waits, so a request ends promptly.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = {
        "drms.tape.time-scale=0", "drms.tape.drives=2", "drms.tape.volume-capacity=40KB"})
class StageCommandTest {

    static final Path HOME = JobTests.newHome("drms-stage-cli-test");
    static final String URL = TestDatabase.newDatabase();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry, URL, HOME);
        registry.add("drms.tape.directory", () -> HOME.resolve("tape").toString());
    }

    @Autowired
    Drms drms;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    TapeArchive archive;

    static CommandRun run(String... args) {
        return CommandRun.run(CommandRun.options(HOME, URL, "drms.tape.directory=" + HOME.resolve("tape"),
                "drms.tape.time-scale=0", "drms.tape.drives=2", "drms.tape.volume-capacity=40KB"), null, args);
    }

    List<Long> offline(String series, int tapeGroup, int n) {
        List<Long> sunums = TapedUnits.create(drms, series, tapeGroup, n);
        TapedUnits.archive(drms, archive, sunums, 1);
        TapedUnits.takeOffline(drms, jdbc, sunums);
        return sunums;
    }

    String state(String id) {
        return jdbc.queryForObject("SELECT state FROM staging.request WHERE token = ?", String.class, id);
    }

    long requests() {
        return jdbc.queryForObject("SELECT count(*) FROM staging.request", Long.class);
    }

    static String id(CommandRun submitted) {
        String first = submitted.out().lines().findFirst().orElse("");
        assertThat(first).as(submitted.out()).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
        return first;
    }

    @Test
    void submitPrintsTheIdAndWatchStagesTheRecordSetPrintingItsProgress() {
        offline("scli.watch", 31, 3);

        CommandRun submitted = run("stage", "submit", "ds=scli.watch[1-3]");

        assertThat(submitted.code()).as(submitted.err()).isZero();
        String id = id(submitted);
        assertThat(submitted.out().strip()).isEqualTo(id);
        assertThat(submitted.err()).contains("3 files, 0 ready, 0 in error, 3 waiting")
                .contains("drms stage watch " + id);
        // nothing turns the monitor without a server: it waits
        assertThat(state(id)).isEqualTo("active");

        long start = System.nanoTime();
        CommandRun watched = run("stage", "watch", id, "--interval", "50ms");
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;

        assertThat(watched.code()).as(watched.out() + watched.err()).isZero();
        List<String> lines = watched.out().lines().toList();
        assertThat(lines.get(0)).startsWith("ready 0/3, error 0, waiting 3 (0%), elapsed ");
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("ready 3/3, error 0, waiting 0 (100%), notified,"
                + " elapsed "));
        assertThat(lines.get(lines.size() - 1)).isEqualTo("staging request " + id
                + " notified: All 3 files staged successfully");
        assertThat(seconds).as("ended without waiting for the 60 s check interval").isLessThan(45);
        assertThat(state(id)).isEqualTo("notified");
        Map<Integer, float[]> images = TapedUnits.images(drms, "scli.watch");
        assertThat(images).hasSize(3);
        images.forEach((fsn, values) -> assertThat(values).isEqualTo(TapedUnits.image(fsn)));

        // watching a request that has ended tells how it ended at once
        CommandRun again = run("stage", "watch", id);
        assertThat(again.code()).isZero();
        assertThat(again.out()).contains("ready 3/3").contains("All 3 files staged successfully");
    }

    @Test
    void submitWithWatchEndsWith2AndListsTheFilesNotStagedWithTheirReasons() {
        List<Long> sunums = offline("scli.fail", 32, 1);

        CommandRun r = run("stage", "submit", "sunum=" + sunums.get(0) + ",987654321", "--watch", "--interval",
                "50ms");

        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(2);
        String id = id(r);
        assertThat(r.out()).contains("ready 1/2, error 1, waiting 0 (100%), notified").contains("staging request "
                + id + " notified: Out of 2 files in total, 1 were staged successfully, but 1 files had errors");
        assertThat(r.err()).contains("drms stage watch: 1 of 2 files were not staged:")
                .contains("  D987654321: unknown storage unit 987654321");
    }

    @Test
    void anUnknownIdIsAUserError() {
        for (String command : List.of("watch", "cancel")) {
            CommandRun r = run("stage", command, "no-such-request");
            assertThat(r.code()).as(command).isEqualTo(1);
            assertThat(r.err()).contains("no staging request 'no-such-request'");
        }
    }

    @Test
    void badArgumentsAreRefusedBeforeAnythingIsStored() {
        TapedUnits.create(drms, "scli.args", 33, 1);
        long before = requests();
        Map<List<String>, String> cases = Map.of(
                List.of("stage", "submit"), "Missing required parameter",
                List.of("stage", "submit", "sunum=1", "ds=scli.args"), "exactly one of sunum=N1,N2, ds=QUERY or"
                        + " paths=P1,P2 (2 were given)",
                List.of("stage", "submit", "series=scli.args"), "unknown argument(s) series",
                List.of("stage", "submit", "sunum=1", "extra"), "unexpected argument(s) extra",
                List.of("stage", "submit", "sunum=1,x2"), "sunum: 'x2' is not a storage unit number",
                List.of("stage", "submit", "sunum="), "sunum: names no storage unit",
                List.of("stage", "submit", "paths= , "), "paths: names no file",
                List.of("stage", "submit", "ds=scli.args[1-"), "bad query at position",
                List.of("stage", "submit", "ds=scli.nosuch"), "bad query at position 1",
                List.of("stage", "submit", "sunum=1", "--interval", "soon"), "bad --interval 'soon'");
        cases.forEach((args, message) -> {
            CommandRun r = run(args.toArray(String[]::new));
            assertThat(r.code()).as("%s: %s", args, r.err()).isEqualTo(1);
            assertThat(r.err()).as("%s", args).contains(message);
        });
        assertThat(requests()).isEqualTo(before);
        assertThat(run("stage", "list", "-n", "0").code()).isEqualTo(1);
    }

    @Test
    void listShowsTheRequestsNewestFirstAndCancelEndsOne() {
        List<Long> sunums = offline("scli.list", 34, 2);
        String first = id(run("stage", "submit", "sunum=" + sunums.get(0) + "," + sunums.get(1)));
        String second = id(run("stage", "submit", "paths=/SUM0/D" + sunums.get(0) + "/S00000/image.fits"));

        CommandRun list = run("stage", "list");
        assertThat(list.code()).isZero();
        List<String> lines = list.out().lines().toList();
        assertThat(lines.get(0)).startsWith("ID").contains("KIND", "STATE", "TOTAL", "READY", "ERROR", "WAITING",
                "CREATED", "EXPIRES");
        int a = indexOf(lines, first);
        int b = indexOf(lines, second);
        assertThat(b).as("newest first").isPositive().isLessThan(a);
        assertThat(lines.get(a)).matches(first + "\\s+drms\\s+active\\s+2\\s+0\\s+0\\s+2\\s+0\\s+\\d{4}-.*");

        CommandRun cancelled = run("stage", "cancel", first);
        assertThat(cancelled.code()).as(cancelled.err()).isZero();
        assertThat(cancelled.out()).contains("staging request " + first + " cancelled: 2 waiting files cancelled");
        assertThat(state(first)).isEqualTo("cancelled");
        assertThat(indexOf(run("stage", "list").out().lines().toList(), first)).isNegative();
        String all = run("stage", "list", "--all").out();
        assertThat(all).containsPattern(first + "\\s+drms\\s+cancelled\\s");
        CommandRun twice = run("stage", "cancel", first);
        assertThat(twice.code()).isEqualTo(1);
        assertThat(twice.err()).contains("has ended (cancelled)");

        // watching the cancelled one: it ended without its files
        CommandRun watchCancelled = run("stage", "watch", first);
        assertThat(watchCancelled.code()).isEqualTo(2);
        assertThat(watchCancelled.err()).contains("D" + sunums.get(1) + ": cancelled");
        // the other one is staged, its unit only
        CommandRun watched = run("stage", "watch", second, "--interval", "50ms");
        assertThat(watched.code()).as(watched.err()).isZero();
        assertThat(jdbc.queryForObject("SELECT online_status FROM sums.sum_main WHERE ds_index = ?", String.class,
                sunums.get(1))).as("a unit only the cancelled request wanted stays on tape").isEqualTo("N");
    }

    static int indexOf(List<String> lines, String id) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(id)) {
                return i;
            }
        }
        return -1;
    }
}
