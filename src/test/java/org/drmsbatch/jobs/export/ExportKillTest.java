package org.drmsbatch.jobs.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.export.ExportManifest;
import org.drmsbatch.export.ExportRoot;
import org.drmsbatch.export.FitsChecks;
import org.drmsbatch.jobs.FaultInjectionTestConfiguration;
import org.drmsbatch.jobs.KillHarness;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * export in two partitions killed (SIGKILL) in a child JVM after four committed chunks, then restarted here, each
 * partition resuming after its last committed chunk: every record's file once, under its name, whole (fitsverify,
 * astropy with checksums, the data of its record), the committed files of either partition not written again, no
 * temporary, leftover or manifest file.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE,
        properties = FaultInjectionTestConfiguration.PROPERTY)
class ExportKillTest {

    static final KillHarness HARNESS = KillHarness.create("drms-export-kill-test");
    static final String SERIES = "expkill.images";
    static final int RECORDS = 30;
    static final String REQUEST = "JSOC_20261125_000666";

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        HARNESS.register(registry);
    }

    @Autowired
    JobControl jobs;
    @Autowired
    Drms drms;
    @Autowired
    ExportRoot root;

    static float[] image(long recnum) {
        float[] a = new float[32 * 32];
        for (int k = 0; k < a.length; k++) {
            a[k] = recnum * 10000 + k;
        }
        return a;
    }

    static List<JobRun.Step> workers(JobRun run) {
        return run.steps().stream().filter(s -> s.name().startsWith(ExportJobConfiguration.WORKER_STEP + ":"))
                .toList();
    }

    @Test
    void aKilledExportIsRestartedWithNoRepeatedNoLostAndNoHalfWrittenFile() throws Exception {
        // given 30 records with a 32x32 image each
        drms.createSeries(new JsdParser().parse(SERIES + ".jsd", """
                Seriesname: expkill.images
                Author: tester
                Owner: tester
                Unitsize: 8
                Archive: 0
                Retention: 7
                Tapegroup: 0
                PrimeKeys: FSN
                Description: "export kill test"
                Keyword: FSN, int, variable, record, DRMS_MISSING_VALUE, "%d", none, "Frame number"
                Data: image, variable, float, 2, 32, 32, DN, fits, "", 0.0, 1.0, "Image"
                """), true);
        drms.inSession(s -> {
            List<Record> rs = s.create(SERIES, RECORDS);
            for (int i = 0; i < RECORDS; i++) {
                rs.get(i).set("FSN", 1000 + i);
                rs.get(i).write("image", SegmentArray.ofFloats(image(1000 + i), 32, 32));
            }
            s.close(rs, DrmsSession.Action.INSERT);
            return null;
        });

        // when a slow export (2 partitions, 2 records a chunk, 150 ms a record) is killed after four commits
        long killed = HARNESS.killAt(KillHarness.COMMITTED, ExportJobChild.class, REQUEST, SERIES + "[]", "2", "150",
                "2", "4");

        // then its execution is left STARTED with the committed records' files written, and no index yet
        JobRun left = jobs.view(killed);
        assertThat(left.status()).isEqualTo("STARTED");
        List<JobRun.Step> partitions = workers(left);
        assertThat(partitions).hasSize(2);
        long committed = partitions.stream().mapToLong(JobRun.Step::write).sum();
        assertThat(committed).isGreaterThanOrEqualTo(8).isLessThan(RECORDS);
        Path dir = root.directory(REQUEST);
        assertThat(dir.resolve("index.json")).doesNotExist();
        // the files of each partition's committed chunks (the first lines of its own manifest), as they are now
        Map<String, FileTime> before = new HashMap<>();
        for (JobRun.Step p : partitions) {
            String partition = p.name().substring(p.name().indexOf(':') + 1);
            for (ExportManifest.Entry e : ExportManifest.read(dir, partition).subList(0, (int) p.write())) {
                before.put(e.filename(), Files.getLastModifiedTime(dir.resolve(e.filename())));
            }
        }
        assertThat(before).hasSize((int) committed);

        // and the restart, each partition resuming after its last committed record, completes
        JobRun done = KillHarness.restart(jobs, killed, Map.of("delay", "0"));
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        assertThat(workers(done).stream().mapToLong(JobRun.Step::read).sum()).isEqualTo(RECORDS - committed);

        // with every record's file listed once, under its name, and no other file in the directory
        JsonNode index = JsonMapper.builder().build().readTree(Files.readString(dir.resolve("index.json")));
        List<String> names = new ArrayList<>();
        index.get("data").forEach(d -> names.add(d.get("filename").asString()));
        List<Record> records = drms.read(s -> s.open(SERIES, 0));
        Set<String> expected = new HashSet<>();
        records.forEach(r -> expected.add(SERIES + "." + r.recnum() + ".image.fits"));
        assertThat(names).hasSize(RECORDS).doesNotHaveDuplicates();
        assertThat(new HashSet<>(names)).isEqualTo(expected);
        try (Stream<Path> s = Files.list(dir)) {
            Set<String> present = new HashSet<>(s.map(p -> p.getFileName().toString()).toList());
            Set<String> allowed = new HashSet<>(expected);
            allowed.addAll(List.of("index.json", "index.txt", ".export-request"));
            assertThat(present).as("no temporary, leftover or manifest file").isEqualTo(allowed);
        }
        // the files committed before the kill not written again
        before.forEach((name, time) -> assertThat(dir.resolve(name)).as("committed before the kill, not rewritten")
                .satisfies(p -> assertThat(Files.getLastModifiedTime(p)).isEqualTo(time)));

        // and each file whole, holding its record's data (where fitsverify and astropy are installed)
        if (FitsChecks.toolsPresent()) {
            List<Path> files = names.stream().map(dir::resolve).toList();
            FitsChecks.fitsverify(files);
            JsonNode astropy = FitsChecks.astropy(files);
            for (Path f : files) {
                JsonNode a = astropy.get(f.toString());
                assertThat(a.get("warnings")).as("%s", f).isEmpty();
                long recnum = a.get("values").get("RECNUM").asLong();
                assertThat(f.getFileName().toString()).isEqualTo(SERIES + "." + recnum + ".image.fits");
                float[] e = image(a.get("values").get("FSN").asLong());
                JsonNode data = a.get("data");
                assertThat(data.size()).isEqualTo(e.length);
                for (int k = 0; k < e.length; k += 97) {
                    assertThat(data.get(k).asDouble()).isEqualTo(e[k]);
                }
                assertThat(data.get(e.length - 1).asDouble()).isEqualTo(e[e.length - 1]);
            }
        }
    }
}
