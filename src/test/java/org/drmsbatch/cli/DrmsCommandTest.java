package org.drmsbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.buffer.Chunk;
import org.drmsbatch.buffer.DataBuffer;
import org.drmsbatch.buffer.Snapshot;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.SeriesDefinition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The drms command run in-process against a fresh database, as a user would run it. */
class DrmsCommandTest {

    @TempDir
    static Path home;

    static String url;

    static final String JSD = """
            Seriesname: cli.obs
            Author: "tester"
            Owner: tester
            Unitsize: 4
            Archive: 0
            Retention: 3
            PrimeKeys: FSN
            Description: "observations for the CLI test"
            Keyword: FSN, int, variable, record, DRMS_MISSING_VALUE, %d, none, "frame"
            Keyword: WAVE, double, variable, record, 0.0, %.2f, nm, "wavelength"
            Keyword: OBSERVER, string, variable, record, "nobody", %s, none, "observer"
            """;

    static Path jsd;

    @BeforeAll
    static void setUp() throws Exception {
        url = TestDatabase.newDatabase();
        jsd = home.resolve("cli.obs.jsd");
        Files.writeString(jsd, JSD);
    }

    static CommandRun run(String... args) {
        return runWithInput(null, args);
    }

    static synchronized CommandRun runWithInput(String stdin, String... args) {
        return CommandRun.run(CommandRun.options(home, url), stdin, args);
    }

    static void create(String name) {
        CommandRun r = run("create-series", "--name", name, jsd.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("Created series " + name);
    }

    @Test
    void helpOfEverySubcommandExitsZeroWithUsage() {
        CommandRun root = run("--help");
        assertThat(root.code()).isZero();
        assertThat(root.out()).contains("Usage:").contains("drms");
        for (String sub : List.of("create-series", "describe-series", "delete-series", "show-series", "set-info",
                "show-info", "demo")) {
            CommandRun r = run(sub, "--help");
            assertThat(r.code()).as(sub).isZero();
            assertThat(r.out()).as(sub).contains("Usage:").contains(sub);
            assertThat(root.out()).as("root help lists " + sub).contains(sub);
        }
    }

    @Test
    void createSeriesOfAGoodJsdAndABadOne() throws Exception {
        create("cli.good");
        Path bad = home.resolve("bad.jsd");
        Files.writeString(bad, """
                Seriesname: cli.bad
                PrimeKeys: FSN
                Keyword: FSN, int, variable, record, 0, %d, none, "frame"
                Keyword: X, quux, variable, record, 0, %d, none, "unknown type"
                """);
        CommandRun r = run("create-series", bad.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("bad.jsd:4:").contains("quux");
        assertThat(run("describe-series", "cli.bad").code()).isEqualTo(1);
        // and again without -f: the series exists
        CommandRun again = run("create-series", "--name", "cli.good", jsd.toString());
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).contains("already exists");
    }

    @Test
    void showSeriesAndDescribeSeries() {
        create("cli.listed");
        CommandRun show = run("show-series", "^cli\\.listed$");
        assertThat(show.code()).isZero();
        assertThat(show.out()).contains("cli.listed");
        CommandRun none = run("show-series", "^no\\.such");
        assertThat(none.code()).isZero();
        assertThat(none.out()).doesNotContain("cli.listed");

        CommandRun d = run("describe-series", "cli.listed");
        assertThat(d.code()).isZero();
        assertThat(d.out()).contains("cli.listed", "FSN", "WAVE", "OBSERVER", "observations for the CLI test");
        CommandRun unknown = run("describe-series", "cli.nope");
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("cli.nope");
    }

    @Test
    void setInfoThenShowInfoPrintsTheTable() {
        create("cli.table");
        CommandRun set = run("set-info", "ds=cli.table", "-c", "FSN=1", "WAVE=17.1", "OBSERVER=ann");
        assertThat(set.code()).as(set.err()).isZero();
        CommandRun show = run("show-info", "ds=cli.table", "n=10", "key=FSN,WAVE,OBSERVER");
        assertThat(show.code()).as(show.err()).isZero();
        assertThat(show.out().lines().toList()).containsExactly("FSN\tWAVE\tOBSERVER", "1\t17.10\tann");
    }

    @Test
    void setInfoCWithoutKeywordsButDataOnStandardInputSaysToUseK() {
        create("cli.stdin");
        CommandRun c = runWithInput("""
                {"FSN": 8, "OBSERVER": "fay"}
                """, "set-info", "ds=cli.stdin", "-c");
        assertThat(c.code()).isEqualTo(1);
        assertThat(c.err()).contains("standard input").contains("-k");
        CommandRun count = run("show-info", "ds=cli.stdin", "-c");
        assertThat(count.code()).isZero();
        assertThat(count.out().trim()).isEqualTo("0");
        // with -k the same input makes the record
        CommandRun k = runWithInput("""
                {"FSN": 8, "OBSERVER": "fay"}
                """, "set-info", "ds=cli.stdin", "-k");
        assertThat(k.code()).as(k.err()).isZero();
        assertThat(run("show-info", "ds=cli.stdin", "n=10", "key=FSN,OBSERVER", "-q").out().lines().toList())
                .containsExactly("8\tfay");
    }

    @Test
    void setInfoFromJsonLinesIsAllOrNothing() {
        create("cli.json");
        CommandRun ok = runWithInput("""
                {"FSN": 2, "WAVE": 30.4, "OBSERVER": "bob"}

                {"FSN": 3, "OBSERVER": "cy"}
                """, "set-info", "ds=cli.json", "-k");
        assertThat(ok.code()).as(ok.err()).isZero();
        CommandRun show = run("show-info", "ds=cli.json", "n=10", "key=FSN,WAVE,OBSERVER", "-q");
        assertThat(show.out().lines().toList()).containsExactly("2\t30.40\tbob", "3\t0.00\tcy");

        CommandRun bad = runWithInput("""
                {"FSN": 4, "OBSERVER": "dee"}
                {"FSN": 5, "OBSERVER": "eve"
                """, "set-info", "ds=cli.json", "-k");
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("line 2");
        CommandRun badKey = runWithInput("""
                {"FSN": 6}
                {"FSN": 7, "NOPE": 1}
                """, "set-info", "ds=cli.json", "-k");
        assertThat(badKey.code()).isEqualTo(1);
        assertThat(badKey.err()).contains("line 2").contains("NOPE");
        CommandRun tooBig = runWithInput("""
                {"FSN": 99999999999999999999}
                """, "set-info", "ds=cli.json", "-k");
        assertThat(tooBig.code()).isEqualTo(1);
        assertThat(tooBig.err()).contains("line 1").contains("out of range");
        CommandRun empty = runWithInput("", "set-info", "ds=cli.json", "-k");
        assertThat(empty.code()).isEqualTo(1);
        assertThat(empty.err()).contains("No records on standard input");
        CommandRun count = run("show-info", "ds=cli.json", "-c");
        assertThat(count.code()).isZero();
        assertThat(count.out().trim()).isEqualTo("2");
        CommandRun after = run("show-info", "ds=cli.json", "n=10", "key=FSN", "-q");
        assertThat(after.out().lines().toList()).containsExactly("2", "3");
    }

    @Test
    void showInfoRefusesConditionsWrongForTheirColumnsWithExitOneAndThePosition() {
        create("cli.cond");
        CommandRun made = runWithInput("""
                {"FSN": 1, "WAVE": 17.1, "OBSERVER": "al"}
                {"FSN": 2, "WAVE": 33.5, "OBSERVER": "bob"}
                """, "set-info", "ds=cli.cond", "-k");
        assertThat(made.code()).as(made.err()).isZero();
        // checked when parsed: text compared with a number
        String typed = "cli.cond[][? OBSERVER > 0 ?]";
        CommandRun wrong = run("show-info", "ds=" + typed, "key=FSN");
        assertThat(wrong.code()).as(wrong.err()).isEqualTo(1);
        assertThat(wrong.err()).contains("position " + (typed.indexOf('>') + 1)).contains("cannot compare text");
        // only the data show it: the database's division by zero, reported at the condition
        String data = "cli.cond[][? WAVE / (FSN - 2) > 0 ?]";
        for (String[] args : List.of(new String[] {"show-info", "ds=" + data, "key=FSN"},
                new String[] {"show-info", "ds=" + data, "-c"})) {
            CommandRun zero = run(args);
            assertThat(zero.code()).as(zero.err()).isEqualTo(1);
            assertThat(zero.err()).contains("position " + (data.indexOf("[?") + 3)).contains("division by zero");
        }
        String deep = "cli.cond[][? " + "(".repeat(5_000) + "FSN = 1" + ")".repeat(5_000) + " ?]";
        CommandRun nested = run("show-info", "ds=" + deep, "-c");
        assertThat(nested.code()).isEqualTo(1);
        assertThat(nested.err()).contains("nests too deeply").doesNotContain("StackOverflow");
    }

    @Test
    void showInfoRunsRecordSetQueriesAndItsKOutputIsAnAtFile() throws Exception {
        create("cli.q");
        CommandRun made = runWithInput("""
                {"FSN": 1, "WAVE": 17.1, "OBSERVER": "ann"}
                {"FSN": 2, "WAVE": 30.4, "OBSERVER": "bob"}
                {"FSN": 3, "WAVE": 19.5, "OBSERVER": "cy"}
                {"FSN": 2, "WAVE": 33.5, "OBSERVER": "bob2"}
                """, "set-info", "ds=cli.q", "-k");
        assertThat(made.code()).as(made.err()).isZero();
        // -s: the series' records (latest versions) and its first and last, as jsoc_info's series_struct reads them
        CommandRun stats = run("show-info", "ds=cli.q", "-s");
        assertThat(stats.code()).as(stats.err()).isZero();
        assertThat(stats.out().lines().toList())
                .containsExactly("series\tcli.q", "records\t3", "first\tcli.q[1]", "last\tcli.q[3]");
        // FSN 2 has two versions: the latest (recnum 4) is the one a query returns
        CommandRun range = run("show-info", "ds=cli.q[2-3]", "key=FSN,OBSERVER", "-r", "-q");
        assertThat(range.out().lines().toList()).containsExactly("4\t2\tbob2", "3\t3\tcy");
        CommandRun where = run("show-info", "cli.q[][? WAVE < 20 ?]", "key=FSN", "-q");
        assertThat(where.out().lines().toList()).containsExactly("1", "3");
        CommandRun all = run("show-info", "ds=cli.q[2]", "key=OBSERVER", "-b", "-q");
        assertThat(all.out().lines().toList()).containsExactly("bob", "bob2");
        CommandRun count = run("show-info", "ds=cli.q[1,3]", "-c");
        assertThat(count.out().trim()).isEqualTo("2");
        CommandRun typed = run("show-info", "ds=cli.q[1]", "key=FSN,WAVE", "-t", "-i");
        assertThat(typed.out().lines().toList()).containsExactly("query\tFSN\tWAVE", "string\tint\tdouble",
                "%s\t%d\t%.2f", "cli.q[1]\t1\t17.10");

        CommandRun k = run("show-info", "ds=cli.q[1,3]", "key=WAVE", "-k");
        assertThat(k.out().lines().toList()).containsExactly("# cli.q[1]", "WAVE=17.10", "# cli.q[3]", "WAVE=19.50");
        Path file = home.resolve("k.txt");
        Files.writeString(file, k.out());
        CommandRun again = run("show-info", "@" + file, "key=FSN", "-q");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.out().lines().toList()).containsExactly("1", "3");

        CommandRun bad = run("show-info", "ds=cli.q[? 1=1; DROP TABLE cli.q ?]", "n=1");
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("position 12: ';' is not allowed").contains("^");
        CommandRun unknown = run("show-info", "ds=cli.q{nope}", "n=1");
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("nope");
    }

    @Test
    void showInfoErrors() {
        create("cli.errs");
        CommandRun noN = run("show-info", "ds=cli.errs", "key=FSN");
        assertThat(noN.code()).isEqualTo(1);
        assertThat(noN.err()).isNotBlank();
        CommandRun unknown = run("show-info", "ds=cli.unknown", "n=1");
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("cli.unknown");
    }

    @Test
    void showInfoJsdParsesToAnEqualDefinition() {
        create("cli.jsd");
        CommandRun j = run("show-info", "ds=cli.jsd", "-j");
        assertThat(j.code()).isZero();
        SeriesDefinition printed = new JsdParser().parse("printed.jsd", j.out());
        SeriesDefinition original = new JsdParser().parse(jsd).withName("cli.jsd");
        assertThat(printed).isEqualTo(original);
    }

    @Test
    void deleteSeries() {
        create("cli.doomed");
        CommandRun del = run("delete-series", "cli.doomed");
        assertThat(del.code()).isZero();
        assertThat(run("describe-series", "cli.doomed").code()).isEqualTo(1);
        assertThat(run("show-series", "^cli\\.doomed$").out()).doesNotContain("cli.doomed");
        assertThat(run("delete-series", "cli.doomed").code()).isEqualTo(1);
    }

    /**
     * {@code drms demo} with its defaults: 4 s of strain for each of H1 and L1 in chunks of 1024 samples, through the
     * buffer into gw.strain, rescaled (1e21·h + 1) into gw.strain_rescaled, and 8 images exported as FITS. Everything
     * is read back here and compared with what the demo's generators make, not with what the demo prints.
     */
    @Test
    void demoStoresTheStrainItStreamsRescalesItAndExportsItsImages() throws Exception {
        Set<Path> exportsBefore = DemoChecks.exportDirectories(home.resolve("exports"));
        CommandRun demo = run("demo");
        assertThat(demo.code()).as(demo.err()).isZero();
        // the segment files it shows are there, under the home
        List<Path> files = demo.out().lines().filter(l -> l.contains("\t"))
                .map(l -> l.substring(l.lastIndexOf('\t') + 1).trim())
                .filter(p -> p.startsWith("/"))
                .map(Path::of).toList();
        assertThat(files).isNotEmpty();
        assertThat(files).allSatisfy(p -> {
            assertThat(p).isRegularFile();
            assertThat(p.startsWith(home)).isTrue();
        });
        assertThat(files).anyMatch(p -> p.getFileName().toString().equals("strain.fits"))
                .anyMatch(p -> p.getFileName().toString().equals("image.fits"));

        // each detector's chunks were snapshotted whole when the buffer was cleaned, one snapshot per detector
        try (DataBuffer buffer = DataBuffer.open(home.resolve("demo/buffer"), 1L << 30, 1 << 20)) {
            List<List<Chunk>> snapshots = new ArrayList<>();
            for (Snapshot s : buffer.snapshots()) {
                List<Chunk> chunks = new ArrayList<>();
                for (Snapshot.Entry e : s.files()) {
                    chunks.add(Chunk.parse(Files.readAllBytes(s.directory().resolve(e.name()))));
                }
                snapshots.add(chunks);
            }
            List<List<Chunk>> streamed = new ArrayList<>();
            for (String detector : DemoCommand.DETECTORS) {
                List<Chunk> chunks = new ArrayList<>();
                for (int i = 0; i < DemoChecks.CHUNKS; i++) {
                    chunks.add(DemoChecks.streamed(detector, i));
                }
                streamed.add(chunks);
            }
            assertThat(snapshots).hasSize(2);
            assertThat(snapshots).allSatisfy(s -> assertThat(streamed).anySatisfy(d ->
                    assertThat(s).containsExactlyInAnyOrderElementsOf(d)));
            assertThat(buffer.fileNames()).isEmpty();
        }

        DrmsCommand cmd = DemoChecks.command(home, url);
        try {
            Drms drms = cmd.bean(Drms.class);
            // one record per chunk streamed (2 x 16), holding its samples
            Map<Long, double[]> strain = DemoChecks.assertStrainAsStreamed(drms, "gw.strain");
            assertThat(strain).hasSize(32);
            // one clone per record, 1e21 * h + 1
            DemoChecks.assertClones(drms, "gw.strain_rescaled", "strain", strain, 1e21, 1, 0);
            // 8 images, exported twice (before the trip to tape, and after, staged back first), whole, with the
            // image written
            Map<Long, double[]> images = DemoChecks.assertDemoImages(drms, "demo.images");
            assertThat(images).hasSize(8);
            Set<Path> exports = DemoChecks.exportDirectories(home.resolve("exports"));
            exports.removeAll(exportsBefore);
            assertThat(exports).hasSize(3);
            // the pipeline demo-nightly: H1's strain rescaled (1e21 * h) into demo.strain_scaled, then those exported,
            // in the export the pipeline's job named after its instance (..._IN)
            Map<Long, double[]> h1 = new java.util.HashMap<>();
            for (org.drmsbatch.drms.Record r : drms.read(s -> s.open("gw.strain", 0))) {
                if ("H1".equals(r.get("DETECTOR"))) {
                    h1.put(r.recnum(), strain.get(r.recnum()));
                }
            }
            assertThat(h1).hasSize(16);
            DemoChecks.assertClones(drms, "demo.strain_scaled", "strain", h1, 1e21, 0, 0);
            Map<Long, double[]> scaled = new java.util.HashMap<>();
            for (org.drmsbatch.drms.Record c : drms.read(s -> s.open("demo.strain_scaled", 0))) {
                scaled.put(c.recnum(), c.read("strain", org.drmsbatch.drms.types.DrmsType.DOUBLE).doubles());
            }
            for (Path export : exports) {
                if (export.getFileName().toString().endsWith("_IN")) {
                    DemoChecks.assertExported(export, "strain", scaled);
                } else {
                    DemoChecks.assertExported(export, "image", images);
                }
            }
            assertThat(exports).filteredOn(e -> e.getFileName().toString().endsWith("_IN")).hasSize(1);
            // the series went to tape and came back: archived, online again, staged once
            assertThat(home.resolve("demo/tape/V00001L9.tar")).isRegularFile();
            assertThat(drms.read(s -> s.storageInfo(s.open("demo.images", 0))).values())
                    .isNotEmpty().allSatisfy(u -> assertThat(u.archived() && u.online()).isTrue());
        } finally {
            cmd.close();
        }
        CommandRun strain = run("show-info", "ds=gw.strain[][]", "-c");
        assertThat(strain.out().trim()).isEqualTo("32");
    }
}
