package org.drmsbatch.jobs.stage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.bench.Bench;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.jobs.archive.ArchiveJobConfiguration;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.drmsbatch.sums.Sums;
import org.drmsbatch.sums.tape.ReadPlan;
import org.drmsbatch.sums.tape.TapeArchive;
import org.drmsbatch.sums.tape.TapeFile;
import org.drmsbatch.sums.tape.TapeLibrary;
import org.drmsbatch.sums.tape.TarTapeLibrary;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The tape path as a user drives it: the {@code archive} and {@code stage} jobs through {@link JobControl}, against
 * a tape library of real tar files with 2 drives and no modelled waiting ({@code drms.tape.time-scale=0}).
 *
 * <p>Stage: {@value #UNITS} units of one 1024&times;1024 float32 image each (about 4.2 MB) archived over
 * {@value #VOLUMES} volumes (the volume capacity holds exactly 10 of their tape files), taken offline as the scrub
 * does, and asked back in a random order with every drive unloaded. Measured: the mounts used (the library's
 * counters) against the fewest possible, {@value #VOLUMES}; the modelled drive seconds (the counters' delta, plus
 * the unmounts of the volumes still loaded at the end, which {@link ReadPlan#optimumSeconds} counts) against the
 * optimum of the same reads; and MB/s of the bytes restored (the job's wall time, all steps) against {@code cp -r}
 * of the same unit directories followed by {@code sync} of the copies (like for like: the stage forces its files at
 * commit), and against plain {@code cp -r}.
 *
 * <p>Archive: each round a new series of {@value #UNITS} such units (its own tape group, so its own volumes) written
 * by the {@code archive} job, against GNU {@code tar -cf} of as many unit directories of the same size (the stage
 * series') followed by {@code sync} of the tar file (the archive forces its volumes before it commits), and against plain {@code tar -cf}.
 *
 * <p>The {@link Bench} harness: a warm-up round, then at least 5 rounds in which the sides alternate (which goes
 * first rotates too); each side's median and min&ndash;max and the median and min&ndash;max of the per-round ratios
 * are printed.
 * Every round is checked, so that a fast wrong answer fails: every staged file is byte-identical (MD5) to the
 * original, the mounts are {@value #VOLUMES}, the tape time is within 10% of the optimum; the archived volumes hold
 * every unit (one sum_file row each), and GNU tar extracts from them files whose MD5 equal the originals'. Page
 * caches are not dropped: every side reads warm input. Run with
 * {@code ./mvnw -o -Pbench test -Dtest=TapeBenchmark}.
 */
@Tag("benchmark")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = {
        "drms.tape.time-scale=0", "drms.tape.drives=2", "drms.tape.copies=1", "drms.tape.slots=1000",
        "drms.tape.volume-capacity=" + TapeBenchmark.CAPACITY + "B"})
class TapeBenchmark {

    static final int UNITS = 60;
    static final int VOLUMES = 6;
    static final int SIDE = 1024;
    /** A unit's tape file is about 4.2 MB: 10 of them and tar's end blocks fit in a volume, 11 do not. */
    static final long CAPACITY = 44_100_000;

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry, home);
        registry.add("drms.tape.directory", () -> home.resolve("tape").toString());
    }

    @Autowired
    Drms drms;
    @Autowired
    JobControl jobs;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    TapeArchive archive;
    @Autowired
    TarTapeLibrary library;

    static String jsd(String series, int tapeGroup) {
        return """
                Seriesname: %s
                Unitsize: 1
                Archive: 1
                Tapegroup: %d
                StagingRetention: 6
                PrimeKeys: FSN
                Keyword: FSN, int, variable, record, DRMS_MISSING_VALUE, %%d, none, "frame"
                Data: image, variable, float, 2, %d, %d, DN, fits, "", 0.0, 1.0, "image"
                """.formatted(series, tapeGroup, SIDE, SIDE);
    }

    /** A different image for each frame, so that two units' bytes never agree. */
    static float[] image(int fsn) {
        float[] a = new float[SIDE * SIDE];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) ((i * 31L + fsn * 7919L) % 40_000) * 0.75f;
        }
        return a;
    }

    /** Creates the series with {@value #UNITS} records, each in its own storage unit; returns the sunums. */
    List<Long> create(String series, int tapeGroup) {
        drms.createSeries(new JsdParser().parse(series + ".jsd", jsd(series, tapeGroup)), true);
        List<Long> sunums = new ArrayList<>();
        for (int done = 0; done < UNITS; done += 10) {
            int first = done;
            sunums.addAll(drms.inSession(s -> {
                List<Record> rs = s.create(series, 10);
                List<Long> out = new ArrayList<>();
                for (int i = 0; i < rs.size(); i++) {
                    rs.get(i).set("FSN", first + i + 1);
                    rs.get(i).write("image", SegmentArray.ofFloats(image(first + i + 1), SIDE, SIDE));
                    out.add(rs.get(i).sunum());
                }
                s.close(rs, DrmsSession.Action.INSERT);
                return out;
            }));
        }
        return sunums;
    }

    /** The units' directories now, by sunum. */
    Map<Long, Path> directories(List<Long> sunums) {
        Map<Long, Path> out = new TreeMap<>();
        drms.read(s -> s.storageUnitInfo(sunums)).forEach((sunum, i) -> out.put(sunum, i.path()));
        assertThat(out).hasSize(sunums.size());
        return out;
    }

    /** Each directory's regular files (path relative to it) and their MD5, by the directory's key. */
    static <K> Map<K, Map<String, String>> md5s(Map<K, Path> dirs) {
        Map<K, Map<String, String>> out = new LinkedHashMap<>();
        dirs.forEach((k, dir) -> out.put(k, md5s(dir)));
        return out;
    }

    static Map<String, String> md5s(Path dir) {
        Map<String, String> out = new TreeMap<>();
        byte[] buf = new byte[1 << 16];
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isRegularFile(p)) {
                    MessageDigest md5 = MessageDigest.getInstance("MD5");
                    try (InputStream in = Files.newInputStream(p)) {
                        for (int n; (n = in.read(buf)) > 0; ) {
                            md5.update(buf, 0, n);
                        }
                    }
                    out.put(dir.relativize(p).toString(), HexFormat.of().formatHex(md5.digest()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    /** The bytes of the regular files under the directories. */
    static long bytes(Iterable<Path> dirs) {
        long total = 0;
        for (Path dir : dirs) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    if (Files.isRegularFile(p)) {
                        total += Files.size(p);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return total;
    }

    static String join(List<Long> sunums) {
        return sunums.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    JobRun launch(String job, Map<String, String> parameters) throws InterruptedException {
        Map<String, String> p = new LinkedHashMap<>(parameters);
        p.put("run", Long.toString(System.nanoTime()));
        JobRun run = JobTests.awaitEnd(jobs, jobs.launch(job, p).getId(), 900);
        assertThat(run.status()).as("%s", run).isEqualTo("COMPLETED");
        return run;
    }

    static double seconds(JobRun run) {
        return (run.endTime().toEpochMilli() - run.startTime().toEpochMilli()) / 1e3;
    }

    static void run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        assertThat(p.waitFor()).as("%s", cmd).isZero();
    }

    /** Seconds of {@code cp -r} of the unit directories into a new directory (and {@code sync} of the copies). */
    static double copy(Map<Long, Path> dirs, boolean sync) throws Exception {
        Path target = Files.createTempDirectory(home, "cp");
        List<String> cp = new ArrayList<>(List.of("cp", "-r"));
        List<String> s = new ArrayList<>(List.of("sync"));
        for (Path dir : dirs.values()) {
            cp.add(dir.toString());
            try (Stream<Path> files = Files.walk(dir)) {
                files.filter(Files::isRegularFile)
                        .forEach(f -> s.add(target.resolve(dir.getFileName()).resolve(dir.relativize(f)).toString()));
            }
        }
        cp.add(target.toString());
        long t0 = System.nanoTime();
        run(cp);
        if (sync) {
            run(s);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(md5s(Map.of(0, target)).get(0)).hasSize(s.size() - 1);
        Sums.deleteTree(target);
        return seconds;
    }

    /** Seconds of GNU {@code tar -cf} of the unit directories into one tar file (and {@code sync} of it). */
    static double tar(Map<Long, Path> dirs, boolean sync) throws Exception {
        Path file = Files.createTempFile(home, "tar", ".tar");
        List<String> cmd = new ArrayList<>(List.of("tar", "-cf", file.toString()));
        for (Path dir : dirs.values()) {
            cmd.addAll(List.of("-C", dir.getParent().toString(), dir.getFileName().toString()));
        }
        long t0 = System.nanoTime();
        run(cmd);
        if (sync) {
            run(List.of("sync", file.toString()));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(Files.size(file)).isGreaterThan(bytes(dirs.values()));
        Files.delete(file);
        return seconds;
    }

    @Test
    void stageAndArchiveNextToCpAndTar() throws Exception {
        // given 60 archived units over 6 volumes, as they were before archiving
        List<Long> sunums = create("tbench.stage", 1);
        Map<Long, Path> originals = directories(sunums);
        Map<Long, Map<String, String>> expected = md5s(originals);
        long tapeFile = library.tapeBytes(TapeArchive.tapeName(sunums.get(0)), originals.get(sunums.get(0)));
        launch(ArchiveJobConfiguration.JOB, Map.of("series", "tbench.stage"));
        Map<Long, List<TapeFile>> copies = drms.read(s -> {
            try {
                return archive.locations(s.connection(), sunums);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        List<ReadPlan.Read> reads = sunums.stream().map(u -> new ReadPlan.Read(u, copies.get(u).get(0))).toList();
        assertThat(ReadPlan.volumes(reads)).as("volumes of the stage series (tape file %d bytes, capacity %d)",
                tapeFile, CAPACITY).isEqualTo(VOLUMES);
        double optimum = ReadPlan.optimumSeconds(reads, library.model());
        long stageBytes = bytes(originals.values());
        double mb = stageBytes / 1e6;
        String what = String.format("%d units of %.2f MB (tape file %d bytes), %.0f MB over %d volumes, 2 drives,"
                + " time scale 0", UNITS, mb / UNITS, tapeFile, mb, VOLUMES);

        int[] stages = {0};
        List<Long> mounts = new ArrayList<>();
        List<Double> modelledSeconds = new ArrayList<>();
        new Bench("TapeBenchmark-stage", "the stage job restoring " + what + ", asked in random order")
                .rate("stage job", "MB/s", () -> {
                    int round = stages[0]++;
                    // when they are taken offline and asked for in random order, every drive unloaded
                    TapedUnits.takeOffline(drms, jdbc, sunums);
                    library.close();
                    TapeLibrary.TapeCounters before = library.counters();
                    List<Long> shuffled = new ArrayList<>(sunums);
                    Collections.shuffle(shuffled, new Random(round + 100));
                    JobRun run = launch(StageJobConfiguration.JOB, Map.of("sunum", join(shuffled)));
                    TapeLibrary.TapeCounters after = library.counters();
                    // the volumes still loaded are unmounted later: the optimum counts their unmount, so here too
                    double pending = library.driveStates().stream().filter(d -> d.volume() != null)
                            .mapToDouble(d -> library.model().unmountSeconds(d.position())).sum();
                    double modelled = after.modelledSeconds() - before.modelledSeconds() + pending;
                    long used = after.mounts() - before.mounts();
                    // then every file is back, byte for byte; each volume mounted once; the tape time the optimum's
                    assertThat(md5s(directories(sunums))).as("staged files, run %d", round).isEqualTo(expected);
                    assertThat(used).as("mounts, run %d", round).isEqualTo(VOLUMES);
                    assertThat(modelled / optimum).as("modelled tape seconds %.1f / optimum %.1f", modelled, optimum)
                            .isBetween(0.9, 1.1);
                    mounts.add(used);
                    modelledSeconds.add(modelled);
                    return mb / seconds(run);
                })
                .rate("cp -r", "MB/s", () -> mb / copy(directories(sunums), false))
                .rate("cp -r + sync", "MB/s", () -> mb / copy(directories(sunums), true))
                .compare("stage job", "cp -r + sync", 0.6)
                .compare("stage job", "cp -r")
                .run();
        System.out.printf("TapeBenchmark-stage: mounts per run %s (fewest: %d volumes); modelled tape seconds %s"
                + " (ReadPlan.optimumSeconds %.1f)%n", mounts, VOLUMES, modelledSeconds.stream()
                .map(x -> String.format("%.1f", x)).toList(), optimum);

        int[] archives = {0};
        new Bench("TapeBenchmark-archive", "the archive job writing " + UNITS + " such units (a new series each run)")
                .rate("archive job", "MB/s", () -> {
                    int run = archives[0]++;
                    String series = "tbench.arch" + run;
                    List<Long> units = create(series, 11 + run);
                    Map<Long, Path> dirs = directories(units);
                    Map<Long, Map<String, String>> original = md5s(dirs);
                    double amb = bytes(dirs.values()) / 1e6;
                    JobRun job = launch(ArchiveJobConfiguration.JOB, Map.of("series", series));
                    checkArchived(units, original, run);
                    return amb / seconds(job);
                })
                .rate("tar -cf", "MB/s", () -> mb / tar(originals, false))
                .rate("tar -cf + sync", "MB/s", () -> mb / tar(originals, true))
                .compare("archive job", "tar -cf + sync", 0.6)
                .compare("archive job", "tar -cf")
                .run();
    }

    /**
     * The units are on tape, each once: one sum_file row per unit, and GNU tar extracting their volumes gives each
     * unit's files with the original MD5s.
     */
    void checkArchived(List<Long> units, Map<Long, Map<String, String>> original, int round) throws Exception {
        Long[] array = units.toArray(Long[]::new);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM sums.sum_file WHERE ds_index = ANY (?)", Long.class,
                (Object) array)).as("tape files, archive round %d", round).isEqualTo((long) UNITS);
        List<String> volumes = jdbc.queryForList("SELECT DISTINCT tapeid FROM sums.sum_file WHERE ds_index = ANY (?)",
                String.class, (Object) array);
        assertThat(volumes).hasSize(VOLUMES);
        Path out = Files.createTempDirectory(home, "untar");
        for (String v : volumes) {
            run(List.of("tar", "-xf", library.file(v).toString(), "-C", out.toString()));
        }
        Map<Long, Path> extracted = new TreeMap<>();
        for (long u : units) {
            extracted.put(u, out.resolve(TapeArchive.tapeName(u)));
        }
        assertThat(md5s(extracted)).as("files GNU tar extracts, archive round %d", round).isEqualTo(original);
        try (Stream<Path> s = Files.list(out)) {
            assertThat(s.count()).as("units on the volumes").isEqualTo(UNITS);
        }
        Sums.deleteTree(out);
    }
}
