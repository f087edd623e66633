package org.drmsbatch.jobs.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.drmsbatch.CatalogTestSupport;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.time.DrmsTime;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.export.ExportRoot;
import org.drmsbatch.export.FitsChecks;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRequestException;
import org.drmsbatch.schedules.JobRun;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The export job on a real catalog: FITS files that fitsverify accepts and astropy reads back with the data and
 * header values written (names by the cascade), Rice lossless for integers, templates, url-tar, as-is, and the
 * refusals.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExportJobTest extends CatalogTestSupport {

    static final String SERIES = "exptest.fits";
    static final String JSD = """
            Seriesname: exptest.fits
            Author: tester
            Owner: tester
            Unitsize: 4
            Archive: 0
            Retention: 7
            Tapegroup: 0
            PrimeKeys: T_REC, CAMERA
            Description: "export test series"
            Keyword: T_REC, time, ts_eq, record, DRMS_MISSING_VALUE, 0, TAI, "[T_REC] Slot time"
            Keyword: T_REC_epoch, time, constant, record, MDI_EPOCH, 0, TAI, "Slot origin"
            Keyword: T_REC_step, float, constant, record, 45.0, "%.1f", "secs", "Slot step - the cadence of the series"
            Keyword: T_REC_unit, string, constant, record, "secs", "%s", none, "Step unit"
            Keyword: CAMERA, int, variable, record, DRMS_MISSING_VALUE, "%d", none, "Camera number"
            Keyword: DATE__OBS, time, variable, record, DRMS_MISSING_VALUE, 3, ISO, "[DATE-OBS] Observation date -- start"
            Keyword: DATE, time, variable, record, DRMS_MISSING_VALUE, 0, ISO, "File date"
            Keyword: EXPTIME, double, variable, record, DRMS_MISSING_VALUE, "%.3f", s, "Exposure time"
            Keyword: DATAMEAN, float, variable, record, DRMS_MISSING_VALUE, "%.4f", DN, "Mean value"
            Keyword: QUALITY, int, variable, record, 0, "0x%08X", none, "Quality flags"
            Keyword: NSATPIX, short, variable, record, DRMS_MISSING_VALUE, "%d", none, "Saturated pixels"
            Keyword: CRPIX1, float, variable, record, DRMS_MISSING_VALUE, "%f", pixel, "Reference pixel"
            Keyword: INSTRUMENT_NAME, string, variable, record, "", "%s", none, "Instrument"
            Keyword: HISTORY, string, variable, record, "", "%s", none, "Processing history"
            Keyword: NOTE, string, variable, record, "", "%s", none, "A long note"
            Keyword: ORIGIN, string, constant, record, "drms-batch", "%s", none, "Where the data come from"
            Keyword: GAIN, float, variable, segment, 1.0, "%f", none, "Gain of the segment"
            Data: image, variable, float, 2, 16, 12, DN, fits, "", 0.0, 1.0, "Image"
            Data: counts, variable, int, 2, 20, 10, DN, fits, "compress Rice", 0.0, 1.0, "Counts"
            Data: scaled, variable, short, 2, 6, 5, DN, fits, "compress Rice", 100.0, 0.5, "Scaled image"
            """;
    static final double T0 = DrmsTime.parse("2010.05.01_00:00:00_TAI");
    static final String NOTE = "This note is longer than one FITS card can hold: ".repeat(3).trim();
    static final int RECORDS = 4;

    @Autowired
    JobControl jobs;
    @Autowired
    ExportRoot root;

    static final JsonMapper JSON = JsonMapper.builder().build();

    @BeforeAll
    void records() {
        drms.createSeries(new JsdParser().parse(SERIES + ".jsd", JSD), true);
        drms.inSession(s -> {
            List<Record> rs = s.create(SERIES, RECORDS);
            for (int i = 0; i < RECORDS; i++) {
                Record r = rs.get(i);
                r.set("T_REC", T0 + 45.0 * (i / 2));
                r.set("CAMERA", 1 + i % 2);
                r.set("DATE__OBS", T0 + 45.0 * (i / 2) + 10.5);
                if (i != 0) {
                    r.set("DATE", DrmsTime.parse("2026.11.25_00:00:00_UTC"));
                }
                r.set("EXPTIME", 1.5 + i);
                if (i != 1) {
                    r.set("DATAMEAN", 10.25 * i);
                }
                if (i != 2) {
                    r.set("NSATPIX", 7 * i);
                }
                r.set("INSTRUMENT_NAME", i == 3 ? "../evil" : "HMI");
                r.set("HISTORY", "line one\nline two");
                r.set("NOTE", NOTE);
                r.set("GAIN_000", 2.5);
                r.set("GAIN_001", 3.5);
                r.write("image", SegmentArray.ofFloats(image(i), 16, 12));
                r.write("counts", SegmentArray.ofInts(counts(i), 20, 10));
                r.write("scaled", SegmentArray.ofDoubles(scaled(i), 6, 5));
            }
            s.close(rs, DrmsSession.Action.INSERT);
            return null;
        });
    }

    static float[] image(int i) {
        float[] a = new float[16 * 12];
        for (int k = 0; k < a.length; k++) {
            a[k] = i * 1000 + k * 0.25f;
        }
        a[5] = Float.NaN;
        return a;
    }

    static int[] counts(int i) {
        int[] a = new int[20 * 10];
        for (int k = 0; k < a.length; k++) {
            a[k] = (k * 7919 + i * 104729) % 100000 - 5000;
        }
        a[3] = Integer.MIN_VALUE;
        return a;
    }

    static double[] scaled(int i) {
        double[] a = new double[6 * 5];
        for (int k = 0; k < a.length; k++) {
            a[k] = 100 + 0.5 * (k * 37 - 400 + i);
        }
        a[2] = Double.NaN;
        return a;
    }

    JobRun run(Map<String, String> params) throws InterruptedException {
        return JobTests.awaitEnd(jobs, jobs.launch(ExportJobConfiguration.JOB, params).getId(), 120);
    }

    /** Runs the export; returns the messages of its failures (empty when it completed). */
    String failure(Map<String, String> params) throws InterruptedException {
        JobExecution e = jobs.launch(ExportJobConfiguration.JOB, params);
        JobRun r = JobTests.awaitEnd(jobs, e.getId(), 120);
        StringBuilder sb = new StringBuilder(r.status());
        for (Throwable t : e.getAllFailureExceptions()) {
            for (Throwable c = t; c != null; c = c.getCause()) {
                sb.append('\n').append(c.getMessage());
            }
        }
        return sb.toString();
    }

    static Map<String, String> params(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    JsonNode index(Path dir) throws IOException {
        return JSON.readTree(Files.readString(dir.resolve("index.json")));
    }

    static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void fitsFilesPassFitsverifyAndReadBackInAstropyWithTheirKeywords() throws Exception {
        Assumptions.assumeTrue(FitsChecks.toolsPresent(), "fitsverify and astropy are needed");
        // given a keyword map file for one keyword
        Files.createDirectories(home.resolve("keymaps"));
        Files.writeString(home.resolve("keymaps/export.map"), "# drms fits\nEXPTIME EXPOSURE\n");
        // when
        JobRun done = run(params("requestId", "JSOC_20261125_000001", "ds", SERIES + "[]", "kmfile", "export.map"));
        // then
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        Path dir = root.directory("JSOC_20261125_000001");
        assertThat(dir).isEqualTo(ExportJobConfiguration.directory(home, "JSOC_20261125_000001"));
        JsonNode index = index(dir);
        assertThat(index.get("status").asInt()).isZero();
        assertThat(index.get("requestid").asString()).isEqualTo("JSOC_20261125_000001");
        assertThat(index.get("method").asString()).isEqualTo("url");
        assertThat(index.get("protocol").asString()).isEqualTo("fits");
        assertThat(index.get("keywords").asString()).isEqualTo("**IN FITS FILES**");
        assertThat(index.get("dir").asString()).isEqualTo("/exports/JSOC_20261125_000001");
        assertThat(index.get("count").asInt()).isEqualTo(3 * RECORDS);
        List<Record> records = drms.read(s -> s.open(SERIES, 0));
        Map<String, Record> byFile = new HashMap<>();
        List<Path> files = new ArrayList<>();
        for (JsonNode d : index.get("data")) {
            String name = d.get("filename").asString();
            Path f = dir.resolve(name);
            assertThat(f).isRegularFile();
            files.add(f);
            Record r = records.stream().filter(x -> name.startsWith(SERIES + "." + x.recnum() + ".")).findFirst()
                    .orElseThrow();
            byFile.put(f.toString(), r);
            assertThat(name).matches(SERIES.replace(".", "\\.") + "\\." + r.recnum() + "\\.(image|counts|scaled)\\.fits");
            String seg = name.split("\\.")[3];
            assertThat(d.get("record").asString()).isEqualTo(SERIES + "[" + r.format("T_REC") + "]["
                    + r.getInt("CAMERA") + "]{" + seg + "}");
        }
        assertThat(listing(dir)).containsAll(List.of("index.json", "index.txt"))
                .noneMatch(n -> n.contains(".part-") || n.endsWith(".jsonl"));
        assertThat(Files.readAllLines(dir.resolve("index.txt")))
                .contains("# JSOC Export File List", "requestid=JSOC_20261125_000001", "method=url", "status=0",
                        "count=" + 3 * RECORDS, "# DATA")
                .contains(index.get("data").get(0).get("record").asString() + "\t"
                        + index.get("data").get(0).get("filename").asString());

        FitsChecks.fitsverify(files);
        JsonNode astropy = FitsChecks.astropy(files);
        for (Path f : files) {
            JsonNode a = astropy.get(f.toString());
            Record r = byFile.get(f.toString());
            int i = (int) ((r.getTime("T_REC") - T0) / 45.0) * 2 + r.getInt("CAMERA") - 1;
            String seg = f.getFileName().toString().split("\\.")[3];
            JsonNode v = a.get("values");
            JsonNode c = a.get("comments");
            assertThat(a.get("warnings")).as("astropy warnings of %s", f).isEmpty();
            assertThat(v.has("CHECKSUM") && v.has("DATASUM")).as("%s", v).isTrue();
            // the name cascade, with the DRMS name in braces when it differs
            assertThat(v.get("TRECSTEP").asDouble()).isEqualTo(45.0);
            assertThat(c.get("TRECSTEP").asString()).isEqualTo("[secs] Slot step {T_REC_step}");
            assertThat(v.get("TRECEPOC").asString()).isEqualTo("1993.01.01_00:00:00.000_TAI");
            assertThat(v.get("T_REC").asString()).isEqualTo(r.format("T_REC").replace("_TAI", ".000_TAI"));
            assertThat(c.get("T_REC").asString()).isEqualTo("[TAI] Slot time");
            assertThat(v.get("DATE-OBS").asString()).isEqualTo(DrmsTime.format(r.getTime("DATE__OBS"), "ISO", 3)
                    .replace("Z", ""));
            assertThat(c.get("DATE-OBS").asString()).isEqualTo("[ISO] Observation date - start {DATE__OBS}");
            assertThat(v.has("DATE")).isEqualTo(i != 0);
            assertThat(v.get("EXPOSURE").asDouble()).isEqualTo(1.5 + i);
            assertThat(c.get("EXPOSURE").asString()).isEqualTo("[s] Exposure time {EXPTIME}");
            assertThat(v.get("INSTRUME").asString()).isEqualTo(i == 3 ? "../evil" : "HMI");
            assertThat(c.get("INSTRUME").asString()).endsWith("{INSTRUMENT_NAME}");
            assertThat(v.get("NOTE").asString()).isEqualTo(NOTE);
            assertThat(v.get("ORIGIN").asString()).isEqualTo("drms-batch");
            assertThat(v.get("QUALITY").asLong()).isZero();
            assertThat(v.get("CAMERA").asInt()).isEqualTo(1 + i % 2);
            assertThat(v.get("GAIN").asDouble()).isEqualTo(seg.equals("image") ? 2.5 : seg.equals("counts") ? 3.5 : 1.0);
            // nom-tam starts the text in column 10, astropy keeps that space
            assertThat(a.get("history")).extracting(h -> h.asString().trim()).containsExactly("line one", "line two");
            // MISSING: cards without a value, WCS keys defaulted
            if (i == 1) {
                assertThat(v.get("DATAMEAN").isNull()).isTrue();
                assertThat(c.get("DATAMEAN").asString()).isEqualTo("[DN] (MISSING) Mean value");
            } else {
                assertThat(v.get("DATAMEAN").asDouble()).isEqualTo(10.25 * i);
            }
            assertThat(v.get("NSATPIX").isNull()).isEqualTo(i == 2);
            assertThat(v.get("CRPIX1").asDouble()).isEqualTo(0.0);
            // implicit keywords are not exported; the four added ones are
            assertThat(v.has("TRECINDE") || v.has("T_REC_INDEX") || v.has("IMAGEBZE") || v.has("CPARMSSG")).isFalse();
            assertThat(v.get("RECNUM").asLong()).isEqualTo(r.recnum());
            assertThat(v.get("DRMS_ID").asString()).isEqualTo(SERIES + ":" + r.recnum() + ":" + seg);
            assertThat(v.get("PRIMARYK").asString()).isEqualTo("T_REC, CAMERA");
            assertThat(v.get("LICENSE").asString()).isEqualTo("CC0 1.0");
            // the data, in the segment's own type and scaling; Rice lossless for integers
            List<Double> data = new ArrayList<>();
            a.get("data").forEach(x -> data.add(x.isNull() ? null : x.asDouble()));
            switch (seg) {
                case "image" -> {
                    assertThat(a.get("compressed").asBoolean()).isFalse();
                    assertThat(a.get("bitpix").asInt()).isEqualTo(-32);
                    assertThat(a.get("shape").toString()).isEqualTo("[12,16]");
                    float[] e = image(i);
                    for (int k = 0; k < e.length; k++) {
                        assertThat(data.get(k)).isEqualTo(Float.isNaN(e[k]) ? null : (double) e[k]);
                    }
                }
                case "counts" -> {
                    assertThat(a.get("compressed").asBoolean()).isTrue();
                    assertThat(a.get("bitpix").asInt()).isEqualTo(32);
                    int[] e = counts(i);
                    for (int k = 0; k < e.length; k++) {
                        assertThat(data.get(k)).isEqualTo((double) e[k]);
                    }
                }
                default -> {
                    assertThat(a.get("compressed").asBoolean()).isTrue();
                    assertThat(a.get("bitpix").asInt()).isEqualTo(16);
                    assertThat(v.get("BZERO").asDouble()).isEqualTo(100.0);
                    assertThat(v.get("BSCALE").asDouble()).isEqualTo(0.5);
                    double[] e = scaled(i);
                    for (int k = 0; k < e.length; k++) {
                        assertThat(data.get(k)).isEqualTo(Double.isNaN(e[k]) ? null : e[k]);
                    }
                }
            }
        }
    }

    @Test
    void urlTarPacksTheFilesNamedByTheTemplateWithTheIndexInsideAndOut() throws Exception {
        // when: camera 1's counts, uncompressed, named by prime keys
        JobRun done = run(params("requestId", "JSOC_20261125_000002", "ds", SERIES + "[][1]{counts,image}",
                "method", "url-tar", "cparms", "**NONE**", "ffmt", "{seriesname}.{T_REC:A}.{CAMERA:%02d}.{segment}"));
        // then
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        Path dir = root.directory("JSOC_20261125_000002");
        assertThat(listing(dir)).containsExactly(".export-request", "JSOC_20261125_000002.tar", "index.json",
                "index.txt");
        JsonNode index = index(dir);
        assertThat(index.get("method").asString()).isEqualTo("url-tar");
        assertThat(index.get("protocol").asString()).isEqualTo("fits,**NONE**");
        // paths below the download base URL, as JSOC gives them below its web root: none of this machine
        assertThat(index.get("dir").asString()).isEqualTo("/exports/JSOC_20261125_000002");
        assertThat(index.get("tarfile").asString()).isEqualTo("/exports/JSOC_20261125_000002/JSOC_20261125_000002.tar");
        assertThat(Files.readAllLines(dir.resolve("index.txt"))).contains("dir=/exports/JSOC_20261125_000002",
                "tarfile=/exports/JSOC_20261125_000002/JSOC_20261125_000002.tar");
        for (String file : List.of("index.json", "index.txt")) {
            assertThat(Files.readString(dir.resolve(file))).as(file).doesNotContain(home.toString());
        }
        assertThat(done.exitDescription()).contains("files in exports/JSOC_20261125_000002")
                .doesNotContain(home.toString());
        List<String> names = new ArrayList<>();
        index.get("data").forEach(d -> names.add(d.get("filename").asString()));
        assertThat(names).containsExactly(
                "exptest.fits.20100501_000000_TAI.01.counts.fits", "exptest.fits.20100501_000000_TAI.01.image.fits",
                "exptest.fits.20100501_000045_TAI.01.counts.fits", "exptest.fits.20100501_000045_TAI.01.image.fits");

        Path out = Files.createTempDirectory(home, "untar");
        List<String> entries = new ArrayList<>();
        try (InputStream in = Files.newInputStream(dir.resolve("JSOC_20261125_000002.tar"));
             TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                entries.add(e.getName());
                Files.copy(tar, out.resolve(e.getName()));
            }
        }
        List<String> expected = new ArrayList<>(names);
        expected.addAll(List.of("index.txt", "index.json"));
        assertThat(entries).containsExactlyElementsOf(expected);
        assertThat(Files.readString(out.resolve("index.json"))).isEqualTo(Files.readString(dir.resolve("index.json")));
        assertThat(Files.readString(out.resolve("index.txt"))).doesNotContain(home.toString());
        if (FitsChecks.toolsPresent()) {
            List<Path> files = names.stream().map(out::resolve).toList();
            FitsChecks.fitsverify(files);
            JsonNode astropy = FitsChecks.astropy(files);
            for (Path f : files) {
                assertThat(astropy.get(f.toString()).get("compressed").asBoolean()).isFalse();
            }
        }
    }

    @Test
    void asIsCopiesTheStoredFiles() throws Exception {
        JobRun done = run(params("requestId", "JSOC_20261125_000003", "ds", SERIES + "[][2]{scaled}", "protocol",
                "as-is", "method", "url_quick"));
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        Path dir = root.directory("JSOC_20261125_000003");
        JsonNode index = index(dir);
        assertThat(index.get("protocol").asString()).isEqualTo("as-is");
        assertThat(index.get("count").asInt()).isEqualTo(2);
        List<Record> cam2 = drms.read(s -> s.open(SERIES, 0)).stream().filter(r -> r.getInt("CAMERA") == 2).toList();
        for (Record r : cam2) {
            Path f = dir.resolve(SERIES + "." + r.recnum() + ".scaled.fits");
            assertThat(Files.readAllBytes(f)).isEqualTo(Files.readAllBytes(r.segmentPath("scaled")));
        }
        // and each exported record's processing status is good in this execution, with its file's bytes
        long sum = 0;
        for (Record r : cam2) {
            sum += Files.size(r.segmentPath("scaled"));
        }
        long bytes = sum;
        org.drmsbatch.drms.RecordStatus.Summary status = new org.drmsbatch.drms.query.RecordStatusReport(drms,
                new org.drmsbatch.drms.query.RecordSets(drms)).summary(SERIES + "[][2]");
        assertThat(status.steps()).filteredOn(st -> st.step().equals("export")).singleElement().satisfies(st -> {
            assertThat(st.states()).containsEntry("good", 2L).containsEntry("failed", 0L);
            assertThat(st.bytes()).isEqualTo(bytes);
        });
    }

    @Test
    void linkedKeywordsAndSegmentsAreFollowedToTheirTarget() throws Exception {
        drms.createSeries(new JsdParser().parse("exptest.linked.jsd", """
                Seriesname: exptest.linked
                Author: tester
                Owner: tester
                Unitsize: 4
                Archive: 0
                Retention: 7
                Tapegroup: 0
                PrimeKeys: FSN
                Description: "records pointing at exptest.fits"
                Link: SRC, exptest.fits, static, "the source record"
                Keyword: FSN, int, variable, record, DRMS_MISSING_VALUE, "%d", none, "Frame number"
                Keyword: SRC_EXPTIME, link, SRC, EXPTIME, "[SRCEXPT] Exposure of the source"
                Data: IMG, link, SRC, image, 2, 16, 12, "The source's image"
                """), true);
        Record source = drms.read(s -> s.open(SERIES, 0)).get(2);
        drms.inSession(s -> {
            List<Record> rs = s.create("exptest.linked", 2);
            Record target = s.open(SERIES, source.recnum()).orElseThrow();
            rs.get(0).set("FSN", 1);
            rs.get(0).setLink("SRC", target);
            rs.get(1).set("FSN", 2); // no link: no file
            s.close(rs, DrmsSession.Action.INSERT);
            return null;
        });
        JobRun done = run(params("requestId", "JSOC_20261125_000006", "ds", "exptest.linked[]"));
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        Path dir = root.directory("JSOC_20261125_000006");
        JsonNode index = index(dir);
        assertThat(index.get("count").asInt()).isEqualTo(1);
        assertThat(index.get("data").get(0).get("record").asString()).isEqualTo("exptest.linked[1]{IMG}");
        Path f = dir.resolve(index.get("data").get(0).get("filename").asString());
        assertThat(f.getFileName().toString()).endsWith(".IMG.fits");
        if (FitsChecks.toolsPresent()) {
            FitsChecks.fitsverify(List.of(f));
            JsonNode a = FitsChecks.astropy(List.of(f)).get(f.toString());
            assertThat(a.get("values").get("SRCEXPT").asDouble()).isEqualTo(source.getDouble("EXPTIME"));
            assertThat(a.get("comments").get("SRCEXPT").asString()).endsWith("{SRC_EXPTIME}");
            assertThat(a.get("data").get(0).asDouble()).isEqualTo(image(2)[0]);
        }
    }

    @Test
    void aFailedExportSaysWhereRelativeToTheHomeNotWithTheServersPath() throws Exception {
        // given a request directory that something else already uses
        Path taken = Files.createDirectories(root.directory("JSOC_20261125_000009"));
        Files.writeString(taken.resolve("somebody-else.txt"), "not an export\n");
        // when
        JobRun failed = run(params("requestId", "JSOC_20261125_000009", "ds", SERIES + "[]"));
        // then: the reason, the directory named relative to the home, and no absolute server path anywhere
        assertThat(failed.status()).isEqualTo("FAILED");
        assertThat(failed.exitDescription()).contains("export directory exports/JSOC_20261125_000009 already exists")
                .doesNotContain(home.toString());
        assertThat(jobs.view(failed.executionId()).exitDescription()).doesNotContain(home.toString());
    }

    @Test
    void aRecordFailingInTheExportIsFailedWithTheReasonUnderTheStatusStepGiven() throws Exception {
        // when an export under the status step nightly:step3.export fails at its 2nd record (chunks of 1)
        JobRun failed = run(params("requestId", "JSOC_20261125_000031", "ds", SERIES + "[]", "chunkSize", "1",
                "failAt", "2,java.lang.Long,false", "statusStep", "nightly:step3.export,java.lang.String,false"));
        assertThat(failed.status()).isEqualTo("FAILED");

        // then under that step: the first record good, the second failed with the reason, the others queued
        long records = new org.drmsbatch.drms.query.RecordSets(drms).count(SERIES + "[]");
        org.drmsbatch.drms.RecordStatus.Summary status = new org.drmsbatch.drms.query.RecordStatusReport(drms,
                new org.drmsbatch.drms.query.RecordSets(drms)).summary(SERIES + "[]");
        assertThat(status.steps()).filteredOn(st -> st.step().equals("nightly:step3.export")).singleElement()
                .satisfies(st -> assertThat(st.states()).containsEntry("good", 1L).containsEntry("failed", 1L)
                        .containsEntry("queued", records - 2).containsEntry("in_progress", 0L));
        assertThat(status.steps()).extracting(org.drmsbatch.drms.RecordStatus.StepSummary::step)
                .doesNotContain("nightly");
    }

    @Test
    void aKeywordMapFileIsReadFromTheKeywordMapDirectoryOnlyAndItsContentIsNeverQuoted() throws Exception {
        Path maps = Files.createDirectories(home.resolve("keymaps"));
        Path outside = Files.writeString(home.resolve("outside.map"), "EXPTIME S3CRET\nCAMERA TOKEN-1234 x\n");
        Files.createSymbolicLink(maps.resolve("link.map"), outside);
        Files.writeString(maps.resolve("bad.map"), "EXPTIME EXPOSURE\nCAMERA TOKEN-1234 x\n");
        // when: names outside the directory, existing or not, and names inside that are not there
        Map<String, String> refusals = new LinkedHashMap<>();
        for (String name : List.of("/etc/passwd", "/etc/shadow", "/etc/no-such-file", "../outside.map",
                "keymaps/../../outside.map", outside.toString(), "link.map", "no-such.map", "/dev/zero", ".")) {
            Throwable t = catchThrowable(() -> jobs.launch(ExportJobConfiguration.JOB,
                    params("ds", SERIES + "[]", "kmfile", name)));
            assertThat(t).as(name).isInstanceOf(JobRequestException.class);
            refusals.put(name, t.getMessage());
        }
        // then: one answer for all, with the name given and nothing of any file
        refusals.forEach((name, message) -> {
            assertThat(message).as(name).contains("kmfile '" + name + "'").contains("drms.export.keyword-maps");
            String unnamed = message.replace("'" + name + "'", "'NAME'");
            assertThat(unnamed).as(name).doesNotContain("root:").doesNotContain("S3CRET")
                    .doesNotContain("TOKEN-1234").doesNotContain(home.toString()).doesNotContain("Exception");
            assertThat(unnamed).as(name)
                    .isEqualTo(refusals.get("/etc/no-such-file").replace("'/etc/no-such-file'", "'NAME'"));
        });
        // a bad line of a file in the directory is named by its number, not quoted
        Throwable bad = catchThrowable(() -> jobs.launch(ExportJobConfiguration.JOB,
                params("ds", SERIES + "[]", "kmfile", "bad.map")));
        assertThat(bad).isInstanceOf(JobRequestException.class).hasMessageContaining("kmfile 'bad.map' line 2")
                .message().doesNotContain("TOKEN-1234").doesNotContain(home.toString());
    }

    @Test
    void missingValuesOfReservedFitsKeywordsAreLeftOutSoThatFitsverifyPasses() throws Exception {
        Assumptions.assumeTrue(FitsChecks.toolsPresent(), "fitsverify and astropy are needed");
        // given a record whose statistics, observation date, telescope and unit are MISSING
        drms.createSeries(new JsdParser().parse("exptest.stats.jsd", """
                Seriesname: exptest.stats
                Author: tester
                Owner: tester
                Unitsize: 4
                Archive: 0
                Retention: 7
                Tapegroup: 0
                PrimeKeys: FSN
                Description: "a record with MISSING statistics"
                Keyword: FSN, int, variable, record, DRMS_MISSING_VALUE, "%d", none, "Frame number"
                Keyword: DATAMIN, double, variable, record, DRMS_MISSING_VALUE, "%g", DN, "Minimum value"
                Keyword: DATAMAX, double, variable, record, DRMS_MISSING_VALUE, "%g", DN, "Maximum value"
                Keyword: DATAMEAN, double, variable, record, DRMS_MISSING_VALUE, "%g", DN, "Mean value"
                Keyword: DATARMS, double, variable, record, DRMS_MISSING_VALUE, "%g", DN, "RMS value"
                Keyword: DATE__OBS, time, variable, record, DRMS_MISSING_VALUE, 3, ISO, "[DATE-OBS] Observation date"
                Keyword: TELESCOP, string, variable, record, "", "%s", none, "Telescope"
                Keyword: BUNIT, string, variable, record, "", "%s", none, "Unit of the data"
                Keyword: EQUINOX, double, variable, record, DRMS_MISSING_VALUE, "%g", none, "Equinox"
                Keyword: CTYPE1, string, variable, record, "", "%s", none, "Axis type"
                Data: image, variable, float, 2, 4, 3, DN, fits, "", 0.0, 1.0, "Image"
                """), true);
        drms.inSession(s -> {
            List<Record> rs = s.create("exptest.stats", 1);
            rs.get(0).set("FSN", 1);
            rs.get(0).write("image", SegmentArray.ofFloats(new float[12], 4, 3));
            s.close(rs, DrmsSession.Action.INSERT);
            return null;
        });
        // when
        JobRun done = run(params("requestId", "JSOC_20261125_000090", "ds", "exptest.stats[]"));
        // then fitsverify finds no error, and the reserved keywords without a value are not in the header
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        Path dir = root.directory("JSOC_20261125_000090");
        Path f = dir.resolve(index(dir).get("data").get(0).get("filename").asString());
        FitsChecks.fitsverify(List.of(f));
        JsonNode a = FitsChecks.astropy(List.of(f)).get(f.toString());
        JsonNode v = a.get("values");
        for (String reserved : List.of("DATAMIN", "DATAMAX", "DATE-OBS", "TELESCOP", "BUNIT", "EQUINOX", "CTYPE1")) {
            assertThat(v.has(reserved)).as("%s in %s", reserved, v).isFalse();
        }
        // keywords the FITS standard does not reserve keep their card without a value
        assertThat(v.get("DATAMEAN").isNull()).isTrue();
        assertThat(a.get("comments").get("DATAMEAN").asString()).isEqualTo("[DN] (MISSING) Mean value");
        assertThat(v.get("DATARMS").isNull()).isTrue();
        assertThat(v.get("FSN").asInt()).isEqualTo(1);
    }

    @Test
    void badParametersAreRefusedBeforeTheJobStartsWithTheReason() {
        Map<Map<String, String>, String> cases = new LinkedHashMap<>();
        cases.put(params("method", "url"), "'ds'");
        cases.put(params("ds", SERIES + "[2010.05.01"), "bad query");
        cases.put(params("ds", "nosuch.series[]"), "nosuch.series");
        cases.put(params("ds", SERIES + "[]{nosuch}"), "nosuch");
        cases.put(params("ds", SERIES + "[]", "method", "ftp"), "unknown export method 'ftp'");
        cases.put(params("ds", SERIES + "[]", "protocol", "jpg"), "unknown export protocol 'jpg'");
        cases.put(params("ds", SERIES + "[]", "cparms", "compress LZW"), "unknown compression");
        cases.put(params("ds", SERIES + "[]", "ffmt", "../{recnum}.{segment}"), "leave the export directory");
        cases.put(params("ds", SERIES + "[]", "ffmt", "{recnum}.{segment"), "unterminated '{'");
        cases.put(params("ds", SERIES + "[]", "ffmt", "{NOSUCH}.{segment}"), "no keyword 'NOSUCH'");
        cases.put(params("ds", SERIES + "[]", "requestId", "../x"), "bad requestId");
        cases.put(params("ds", SERIES + "[]", "chunkSize", "0"), "chunkSize");
        cases.put(params("ds", SERIES + "[]", "colour", "red"), "unknown parameter(s) colour (this job takes chunkSize, cparms, delay, ds, failAt, ffmt, kmfile, method, partitions, protocol, remote, requestId, statusStep)");
        // Rice on a longlong segment, directly or through a link
        drms.createSeries(new JsdParser().parse("exptest.wide.jsd", """
                Seriesname: exptest.wide
                Author: tester
                Owner: tester
                Unitsize: 4
                Archive: 0
                Retention: 7
                Tapegroup: 0
                PrimeKeys: FSN
                Description: "longlong images"
                Keyword: FSN, int, variable, record, DRMS_MISSING_VALUE, "%d", none, "Frame number"
                Data: counts, variable, longlong, 2, 4, 4, DN, fits, 0.0, 1.0, "counts"
                """), true);
        drms.createSeries(new JsdParser().parse("exptest.towide.jsd", """
                Seriesname: exptest.towide
                Author: tester
                Owner: tester
                Unitsize: 4
                Archive: 0
                Retention: 7
                Tapegroup: 0
                PrimeKeys: FSN
                Description: "records pointing at exptest.wide"
                Link: SRC, exptest.wide, static, "the source record"
                Keyword: FSN, int, variable, record, DRMS_MISSING_VALUE, "%d", none, "Frame number"
                Data: counts, link, SRC, counts, 2, 4, 4, "the source's counts"
                """), true);
        cases.put(params("ds", "exptest.wide[]", "cparms", "compress Rice"), "is longlong");
        cases.put(params("ds", "exptest.towide[]", "cparms", "compress Rice"), "is longlong");
        int before = jobs.recent(ExportJobConfiguration.JOB, 1000).size();
        cases.forEach((p, reason) -> assertThatThrownBy(() -> jobs.launch(ExportJobConfiguration.JOB, p))
                .as("%s", p).isInstanceOf(JobRequestException.class).hasMessageContaining(reason));
        assertThat(jobs.recent(ExportJobConfiguration.JOB, 1000)).hasSize(before);
    }

    @Test
    void aNameThatWouldLeaveTheDirectoryOrIsGivenTwiceFailsTheExport() throws Exception {
        String evil = failure(params("requestId", "JSOC_20261125_000004",
                "ds", SERIES + "[2010.05.01_00:00:45_TAI][2]", "ffmt", "{INSTRUMENT_NAME}.{segment}"));
        assertThat(evil).startsWith("FAILED").contains("'../evil.image.fits'", "would leave the export directory");
        assertThat(root.path().resolve("evil.image.fits")).doesNotExist();
        assertThat(root.directory("JSOC_20261125_000004").resolve("index.json")).doesNotExist();

        String twice = failure(params("requestId", "JSOC_20261125_000005", "ds", SERIES + "[]", "ffmt",
                "{CAMERA}.{segment}"));
        assertThat(twice).startsWith("FAILED").contains("gives the same name '1.image.fits'");
    }

    /**
     * Each file of the directory but the index files and the request marker, with the SHA-256 of its bytes, where
     * the only thing that differs between two writes of the same file is blanked: the time in the comments of the
     * DATASUM and CHECKSUM cards of each HDU (nom-tam-fits writes it), and so CHECKSUM's value. DATASUM's value, every
     * other card and all data bytes count.
     */
    static Map<String, String> checksums(Path dir) throws Exception {
        Map<String, String> out = new java.util.TreeMap<>();
        for (String name : listing(dir)) {
            if (!name.equals("index.json") && !name.equals("index.txt") && !name.equals(".export-request")) {
                byte[] b = Files.readAllBytes(dir.resolve(name));
                for (int card = 0; card + 80 <= b.length; card += 80) {
                    String head = new String(b, card, 10, java.nio.charset.StandardCharsets.US_ASCII);
                    if (head.equals("CHECKSUM= ")) {
                        java.util.Arrays.fill(b, card + 10, card + 80, (byte) ' ');
                    } else if (head.equals("DATASUM = ")) {
                        int slash = new String(b, card, 80, java.nio.charset.StandardCharsets.US_ASCII).indexOf('/');
                        java.util.Arrays.fill(b, card + slash, card + 80, (byte) ' ');
                    }
                }
                out.put(name, java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                        .digest(b)));
            }
        }
        return out;
    }

    @Test
    void threePartitionsWriteTheSameFilesAndIndexAsOne() throws Exception {
        // two record sets of the same series, camera 2 then camera 1: the order is by record set, then recnum
        String ds = SERIES + "[][2]," + SERIES + "[][1]";
        JobRun one = run(params("requestId", "JSOC_20261125_000040", "ds", ds));
        JobRun three = run(params("requestId", "JSOC_20261125_000041", "ds", ds, "partitions", "3", "chunkSize", "1"));
        assertThat(one.status()).as("%s", one).isEqualTo("COMPLETED");
        assertThat(three.status()).as("%s", three).isEqualTo("COMPLETED");
        assertThat(three.steps()).filteredOn(st -> st.name().startsWith(ExportJobConfiguration.WORKER_STEP + ":"))
                .extracting(JobRun.Step::name).containsExactlyInAnyOrder("exportWorker:partition0",
                        "exportWorker:partition1", "exportWorker:partition2");
        assertThat(three.steps()).filteredOn(st -> st.name().startsWith(ExportJobConfiguration.WORKER_STEP + ":"))
                .allSatisfy(st -> assertThat(st.write()).as(st.name()).isLessThan(RECORDS));
        Path d1 = root.directory("JSOC_20261125_000040");
        Path d3 = root.directory("JSOC_20261125_000041");

        // the same files, byte for byte but for the times of their checksums, and no manifest or temporary file left
        Map<String, String> files = checksums(d1);
        assertThat(files).hasSize(3 * RECORDS);
        assertThat(checksums(d3)).isEqualTo(files);
        // the same index: the same records and names in the same order (record set, then recnum), count and size
        JsonNode i1 = index(d1);
        JsonNode i3 = index(d3);
        assertThat(i3.get("data")).isEqualTo(i1.get("data"));
        for (String field : List.of("count", "size", "bytes", "method", "protocol", "keywords")) {
            assertThat(i3.get(field)).as(field).isEqualTo(i1.get(field));
        }
        List<Record> records = drms.read(s -> s.open(SERIES, 0));
        List<Long> camera2 = records.stream().filter(r -> r.getInt("CAMERA") == 2).map(Record::recnum).sorted()
                .toList();
        List<Long> camera1 = records.stream().filter(r -> r.getInt("CAMERA") == 1).map(Record::recnum).sorted()
                .toList();
        List<Long> order = new ArrayList<>();
        for (JsonNode d : i3.get("data")) {
            long recnum = Long.parseLong(d.get("filename").asString().split("\\.")[2]);
            if (order.isEmpty() || order.get(order.size() - 1) != recnum) {
                order.add(recnum);
            }
        }
        List<Long> expected = new ArrayList<>(camera2);
        expected.addAll(camera1);
        assertThat(order).isEqualTo(expected);
        assertThat(Files.readString(d3.resolve("index.txt")).replace("JSOC_20261125_000041", "R")
                .replaceAll("exptime=.*", "")).isEqualTo(Files.readString(d1.resolve("index.txt"))
                .replace("JSOC_20261125_000040", "R").replaceAll("exptime=.*", ""));
        if (FitsChecks.toolsPresent()) {
            FitsChecks.fitsverify(files.keySet().stream().map(d3::resolve).toList());
        }
    }

    @Test
    void theSameNameGivenInTwoPartitionsFailsTheExportNamingBothRecords() throws Exception {
        // two partitions (recnum halves), each with one record of each camera: every name is taken twice, but
        // never twice within one partition
        JobRun failed = run(params("requestId", "JSOC_20261125_000042", "ds", SERIES + "[]", "ffmt",
                "{CAMERA}.{segment}", "partitions", "2"));
        List<Record> camera1 = drms.read(s -> s.open(SERIES, 0)).stream().filter(r -> r.getInt("CAMERA") == 1)
                .sorted(java.util.Comparator.comparingLong(Record::recnum)).toList();
        assertThat(failed.status()).isEqualTo("FAILED");
        // found by the package step: each partition completed
        assertThat(failed.steps()).filteredOn(st -> st.name().startsWith(ExportJobConfiguration.WORKER_STEP + ":"))
                .hasSize(2).allSatisfy(st -> assertThat(st.status()).isEqualTo("COMPLETED"));
        assertThat(failed.exitDescription()).contains("gives the same name '1.image.fits' to "
                + SERIES + "[" + camera1.get(0).format("T_REC") + "][1]{image} and "
                + SERIES + "[" + camera1.get(1).format("T_REC") + "][1]{image}");
        assertThat(root.directory("JSOC_20261125_000042").resolve("index.json")).doesNotExist();
    }

    @Test
    void partitionsAndRemoteAreRefusedBeforeTheJobStartsLikeRescales() {
        Map<Map<String, String>, String> cases = new LinkedHashMap<>();
        cases.put(params("ds", SERIES + "[]", "remote", "true"), "this process has no cluster: set"
                + " drms.cluster.enabled=true");
        cases.put(params("ds", SERIES + "[]", "remote", "true", "partitions", "4"), "this process has no cluster");
        cases.put(params("ds", SERIES + "[]", "remote", "yes"), "remote: 'yes' is neither true nor false");
        cases.put(params("ds", SERIES + "[]", "partitions", "0"), "partitions: 0 is outside 1..8");
        cases.put(params("ds", SERIES + "[]", "partitions", "9"), "partitions: 9 is outside 1..8");
        cases.put(params("ds", SERIES + "[]", "partitions", "two"), "partitions: 'two' is not a whole number");
        cases.put(params("ds", SERIES + "[]", "partitions", "300", "remote", "true"),
                "partitions: 300 is outside 1..256");
        cases.put(params("ds", SERIES + "[]", "partitions", "2", "ffmt", "{#}.{segment}"),
                "ffmt: {#} numbers the files in the order one step writes them, and partitions=2");
        int before = jobs.recent(ExportJobConfiguration.JOB, 1000).size();
        cases.forEach((p, reason) -> assertThatThrownBy(() -> jobs.launch(ExportJobConfiguration.JOB, p))
                .as("%s", p).isInstanceOf(JobRequestException.class).hasMessageContaining(reason));
        assertThat(jobs.recent(ExportJobConfiguration.JOB, 1000)).hasSize(before);
    }

    @Test
    void withoutARequestIdTheJobNamesItFromItsInstance() throws Exception {
        JobExecution e = jobs.launch(ExportJobConfiguration.JOB, params("ds", SERIES + "[][1]{image}", "ffmt",
                "{#:%03d}_{segment}"));
        JobRun done = JobTests.awaitEnd(jobs, e.getId(), 120);
        assertThat(done.status()).as("%s", done).isEqualTo("COMPLETED");
        String id = e.getExecutionContext().getString(ExportJobConfiguration.REQUEST_ID);
        assertThat(id).matches("JSOC_\\d{8}_\\d{6}_IN").endsWith(String.format("_%06d_IN", done.instanceId()));
        Path dir = root.directory(id);
        assertThat(listing(dir)).contains("000_image.fits", "001_image.fits").doesNotContain("002_image.fits");
        assertThat(index(dir).get("requestid").asString()).isEqualTo(id);
    }
}
