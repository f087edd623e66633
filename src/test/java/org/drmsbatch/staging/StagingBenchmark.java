package org.drmsbatch.staging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.sun.net.httpserver.HttpServer;
import org.drmsbatch.TestDatabase;
import org.drmsbatch.bench.Bench;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.jobs.stage.StageJobConfiguration;
import org.drmsbatch.jobs.stage.TapedUnits;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.drmsbatch.sums.tape.TapeArchive;
import org.drmsbatch.sums.tape.TapeLibrary;
import org.drmsbatch.sums.tape.TarTapeLibrary;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The staging service under load (issue 13's benchmark), against a real catalog, a tape library of tar files (2
 * drives, {@code drms.tape.time-scale=0}: no modelled waiting) and callback receivers on 127.0.0.1 (JDK HttpServer).
 *
 * <p><b>Requests against the stage job.</b> {@value #UNITS} storage units of {@value #PER_UNIT} small images each
 * (40&times;30 float32 FITS, one record per file: {@value #FILES} distinct files), archived over {@value #VOLUMES}
 * volumes (a volume holds exactly 10 units' tape files) and taken offline as the scrub does. The files are shuffled
 * and cut into {@value #REQUESTS} MWA requests of {@value #FILES_PER_REQUEST}: each file is named by one request, each
 * request's files lie in about 10 units on several volumes, and each unit's files are wanted by about 50 requests, so
 * requests share units as real ones do. The service side: the requests submitted one after another through
 * {@link StagingService#submit} (one client) while the monitor turns in a loop of its own with {@value #TICK_PAUSE_MS}
 * ms between turns (as {@code drms serve} does with {@code check-interval} {@value #TICK_PAUSE_MS}ms); timed from the
 * first submit to the {@value #REQUESTS}th callback received by an instant-200 receiver. Callbacks are not the limit:
 * {@code callbacks-per-minute} is 6 000 000 (no spacing). The stage job side: {@code stage sunum=<the same units>}
 * through {@link JobControl}, timed from the launch to the job's end, on the same units taken offline again. Each
 * round is checked: every request notified exactly once with return code 0 and 10 ready files (the receiver's count
 * and the request's state and attempts), every unit read from tape once (the library's bytes read equal the units'
 * tape files' bytes), and a sample of {@value #SAMPLE} staged files byte-identical to the archived ones. The {@link Bench}
 * harness: a warm-up of each side, then at least 5 rounds in which the sides alternate (which goes first too).
 *
 * <p><b>Callbacks per second.</b> {@value #CB_REQUESTS} requests whose files are online already (so they complete at
 * the monitor's first turn) calling back to a receiver that answers after {@value #SLOW_MS} ms; then the same with
 * every tenth request calling a receiver that never answers within {@code callback-timeout} ({@value #TIMEOUT_MS} ms).
 * Each with {@code callback-concurrency} 1 (one callback at a time, as MWA and this service before the setting) and
 * with the default, the four in alternation on the {@link Bench} harness; no rate limit (6 000 000 a minute).
 * Figure: callbacks delivered per second over the delivery (first callback arriving to the last good one answered),
 * and whether the dead receiver slows the others (the good callbacks' rate with it over without it). Checked: every
 * request called back once, every good one notified after one attempt, every dead one tried once and left due for its
 * retry.
 *
 * <p>Run with {@code ./mvnw -o -Pbench test -Dtest=StagingBenchmark}.
 */
@Tag("benchmark")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = {
        "drms.tape.time-scale=0", "drms.tape.drives=2", "drms.tape.copies=1", "drms.tape.slots=1000",
        "drms.tape.volume-capacity=" + StagingBenchmark.CAPACITY + "B",
        "drms.staging.callback-hosts=127.0.0.1", "drms.staging.callbacks-per-minute=6000000",
        "drms.staging.callback-retry=600s",
        // the dead receiver's timeouts are expected: not a warning each
        "logging.level.org.drmsbatch.staging.StagingService=ERROR"})
class StagingBenchmark {

    static final int UNITS = 200;
    static final int PER_UNIT = 50;
    static final int FILES = UNITS * PER_UNIT;
    static final int VOLUMES = 20;
    static final int REQUESTS = 1000;
    static final int FILES_PER_REQUEST = FILES / REQUESTS;
    static final int SAMPLE = 100;
    static final long TICK_PAUSE_MS = 50;
    /** A unit's tape file is 486 912 bytes (50 slot directories, 50 FITS files of 8 640 bytes): 10 fit, 11 do not. */
    static final long CAPACITY = 5_100_000;

    static final int CB_REQUESTS = 100;
    static final long SLOW_MS = 50;
    static final long TIMEOUT_MS = 250;

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry, home);
        registry.add("drms.tape.directory", () -> home.resolve("tape").toString());
    }

    @Autowired
    StagingService service;
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

    static final JsonMapper JSON = JsonMapper.builder().build();
    static final AtomicLong JOB_IDS = new AtomicLong(1_000_000);

    // ---- the callback receiver ----

    /** What one measured run expects and what its receiver saw. */
    static final class Calls {
        final Map<Long, AtomicInteger> byJob = new ConcurrentHashMap<>();
        final Map<Long, Integer> codes = new ConcurrentHashMap<>();
        final Map<Long, Integer> ready = new ConcurrentHashMap<>();
        final AtomicInteger answered = new AtomicInteger();
        final AtomicLong firstArrival = new AtomicLong(Long.MAX_VALUE);
        final AtomicLong lastAnswer = new AtomicLong();

        void arrived(long nanos) {
            firstArrival.accumulateAndGet(nanos, Math::min);
        }
    }

    static HttpServer receiver;
    static ExecutorService receiverThreads;
    static final AtomicReference<Calls> calls = new AtomicReference<>(new Calls());

    @BeforeAll
    static void startReceiver() throws IOException {
        receiverThreads = Executors.newFixedThreadPool(48);
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 200);
        receiver.setExecutor(receiverThreads);
        receiver.createContext("/", ex -> {
            long arrived = System.nanoTime();
            Calls c = calls.get();
            c.arrived(arrived);
            String path = ex.getRequestURI().getPath();
            JsonNode body = JSON.readTree(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            long job = body.get("job_id").asLong();
            c.byJob.computeIfAbsent(job, k -> new AtomicInteger()).incrementAndGet();
            c.codes.put(job, body.get("return_code").asInt());
            c.ready.put(job, body.get("ready_files").asInt());
            try {
                if (path.equals("/slow")) {
                    Thread.sleep(SLOW_MS);
                } else if (path.equals("/dead")) {
                    Thread.sleep(4 * TIMEOUT_MS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                ex.sendResponseHeaders(200, -1);
            } catch (IOException gone) {
                // the dead receiver's caller has given up already
            }
            ex.close();
            if (!path.equals("/dead")) {
                c.lastAnswer.accumulateAndGet(System.nanoTime(), Math::max);
                synchronized (c) {
                    c.answered.incrementAndGet();
                    c.notifyAll();
                }
            }
        });
        receiver.start();
    }

    @AfterAll
    static void stopReceiver() {
        receiver.stop(0);
        receiverThreads.shutdownNow();
    }

    static String url(String path) {
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + path;
    }

    /** Waits until the receiver has answered {@code n} callbacks (not the dead ones) of this run; fails after 120 s. */
    static void awaitAnswered(Calls c, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        synchronized (c) {
            while (c.answered.get() < n) {
                long left = deadline - System.nanoTime();
                assertThat(left).as("%d of %d callbacks within 120 s", c.answered.get(), n).isPositive();
                c.wait(TimeUnit.NANOSECONDS.toMillis(left) + 1);
            }
        }
    }

    // ---- the data ----

    static String jsd(String series) {
        return """
                Seriesname: %s
                Unitsize: %d
                Archive: 1
                Tapegroup: 3
                StagingRetention: 6
                PrimeKeys: FSN
                Keyword: FSN, int, variable, record, DRMS_MISSING_VALUE, %%d, none, "frame"
                Data: image, variable, float, 2, 40, 30, DN, fits, "", 0.0, 1.0, "image"
                """.formatted(series, PER_UNIT);
    }

    /** Creates the series' {@value #FILES} records, {@value #PER_UNIT} to a unit; returns the units in order. */
    List<Long> create(String series) {
        drms.createSeries(new JsdParser().parse(series + ".jsd", jsd(series)), true);
        List<Long> sunums = new ArrayList<>();
        for (int done = 0; done < FILES; done += 1000) {
            int first = done;
            sunums.addAll(drms.inSession(s -> {
                List<Record> rs = s.create(series, 1000);
                List<Long> out = new ArrayList<>();
                for (int i = 0; i < rs.size(); i++) {
                    rs.get(i).set("FSN", first + i + 1);
                    rs.get(i).write("image", SegmentArray.ofFloats(TapedUnits.image(first + i + 1), 40, 30));
                    if (!out.contains(rs.get(i).sunum())) {
                        out.add(rs.get(i).sunum());
                    }
                }
                s.close(rs, DrmsSession.Action.INSERT);
                return out;
            }));
        }
        return sunums;
    }

    /** A file of a unit: the unit and the file's path relative to the unit's directory. */
    record UnitFile(long sunum, String relative) {
        /** The path a client names: a SUMS path with the unit's {@code D<sunum>} component. */
        String path() {
            return "/download/sums/SUM0/D" + sunum + "/" + relative;
        }
    }

    Map<Long, Path> directories(List<Long> sunums) {
        Map<Long, Path> out = new TreeMap<>();
        drms.read(s -> s.storageUnitInfo(sunums)).forEach((sunum, i) -> out.put(sunum, i.path()));
        return out;
    }

    /** The sample's bytes as they are now in the units' directories. */
    Map<UnitFile, byte[]> read(List<UnitFile> sample) {
        Map<Long, Path> dirs = directories(sample.stream().map(UnitFile::sunum).distinct().toList());
        Map<UnitFile, byte[]> out = new LinkedHashMap<>();
        for (UnitFile f : sample) {
            try {
                out.put(f, Files.readAllBytes(dirs.get(f.sunum()).resolve(f.relative())));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    void checkSample(Map<UnitFile, byte[]> expected, String what) {
        Map<UnitFile, byte[]> now = read(new ArrayList<>(expected.keySet()));
        expected.forEach((f, bytes) -> assertThat(now.get(f)).as("%s: %s", what, f.path()).isEqualTo(bytes));
    }

    void takeOffline(List<Long> sunums) {
        TapedUnits.takeOffline(drms, jdbc, sunums);
        library.close();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM sums.sum_main WHERE ds_index = ANY (?) AND"
                + " online_status = 'N'", Long.class, (Object) sunums.toArray(Long[]::new))).isEqualTo((long) UNITS);
    }

    /** Removes every staging request and its pins (between measured runs, so each starts alike). */
    void forgetRequests() {
        jdbc.update("DELETE FROM sums.sum_pin WHERE holder LIKE 'staging:%'");
        jdbc.update("DELETE FROM staging.request");
    }

    // ---- 1. requests against the stage job ----

    /** What a round of one side took and did. */
    record Side(double seconds, double submits, long mounts) {
    }

    Side service(List<List<UnitFile>> requests, List<Long> sunums, long tapeBytes, Map<UnitFile, byte[]> sample,
            int round) throws Exception {
        takeOffline(sunums);
        TapeLibrary.TapeCounters before = library.counters();
        Calls c = new Calls();
        calls.set(c);
        List<Long> ids = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread monitor = new Thread(() -> {
            try {
                while (!stop.get()) {
                    service.tick();
                    Thread.sleep(TICK_PAUSE_MS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "bench-monitor");

        long t0 = System.nanoTime();
        monitor.start();
        List<Long> jobIds = new ArrayList<>();
        for (List<UnitFile> files : requests) {
            long job = JOB_IDS.incrementAndGet();
            jobIds.add(job);
            StagingRequest r = service.submit(new StagingStore.NewRequest("mwa", job, url("/ok"), null,
                    StagingService.files(files.stream().map(UnitFile::path).toList())));
            ids.add(r.id());
        }
        long submitted = System.nanoTime();
        try {
            awaitAnswered(c, REQUESTS);
        } finally {
            stop.set(true);
            monitor.join();
        }
        double seconds = (c.lastAnswer.get() - t0) / 1e9;
        assertThat(failure.get()).as("the monitor loop").isNull();
        // the last stage batch may still be writing its report: let it end before the units go offline again
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (jobs.runningWith(StageJobConfiguration.JOB, "staging")) {
            assertThat(System.nanoTime()).as("the stage batches end within 60 s").isLessThan(deadline);
            Thread.sleep(20);
        }
        TapeLibrary.TapeCounters after = library.counters();

        // every request notified exactly once with return code 0, every unit read once, the files as archived
        assertThat(c.byJob.keySet()).as("requests called back, round %d", round).containsExactlyInAnyOrderElementsOf(
                jobIds);
        assertThat(c.byJob.values()).allSatisfy(n -> assertThat(n.get()).as("callbacks of a request").isEqualTo(1));
        assertThat(c.codes.values()).allSatisfy(code -> assertThat(code).as("return code").isZero());
        assertThat(c.ready.values()).allSatisfy(n -> assertThat(n).isEqualTo(FILES_PER_REQUEST));
        assertThat(jdbc.queryForObject("SELECT count(*) FROM staging.request WHERE id = ANY (?) AND state = 'notified'"
                + " AND callback_attempts = 1 AND return_code = 0", Long.class, (Object) ids.toArray(Long[]::new)))
                .as("requests notified once, round %d", round).isEqualTo((long) REQUESTS);
        assertThat(after.bytesRead() - before.bytesRead()).as("bytes read from tape, round %d", round)
                .isEqualTo(tapeBytes);
        checkSample(sample, "service round " + round);
        long batches = jdbc.queryForObject("SELECT count(DISTINCT batch) FROM staging.file WHERE request_id = ANY (?)",
                Long.class, (Object) ids.toArray(Long[]::new));
        say("service round %d: %.2f s (submits %.2f s), %d stage batches, %d mounts%n", round, seconds,
                (submitted - t0) / 1e9, batches, after.mounts() - before.mounts());
        forgetRequests();
        return new Side(seconds, (submitted - t0) / 1e9, after.mounts() - before.mounts());
    }

    Side stageJob(List<Long> sunums, long tapeBytes, Map<UnitFile, byte[]> sample, int round) throws Exception {
        takeOffline(sunums);
        TapeLibrary.TapeCounters before = library.counters();
        Map<String, String> p = new LinkedHashMap<>();
        p.put("sunum", sunums.stream().map(String::valueOf).collect(Collectors.joining(",")));
        p.put("run", "bench-" + System.nanoTime());
        Instant t0 = Instant.now();
        JobRun run = JobTests.awaitEnd(jobs, jobs.launch(StageJobConfiguration.JOB, p).getId(), 300);
        assertThat(run.status()).as("%s", run).isEqualTo("COMPLETED");
        double seconds = Duration.between(t0, run.endTime()).toNanos() / 1e9;
        TapeLibrary.TapeCounters after = library.counters();
        assertThat(after.bytesRead() - before.bytesRead()).as("bytes read from tape, stage round %d", round)
                .isEqualTo(tapeBytes);
        checkSample(sample, "stage round " + round);
        say("stage   round %d: %.2f s, %d mounts%n", round, seconds, after.mounts() - before.mounts());
        return new Side(seconds, 0, after.mounts() - before.mounts());
    }

    @Test
    void thousandRequestsAgainstTheStageJobAlone() throws Exception {
        long made = System.nanoTime();
        List<Long> sunums = create("stbench.images");
        assertThat(sunums).hasSize(UNITS);
        Map<Long, Path> dirs = directories(sunums);
        List<UnitFile> all = new ArrayList<>();
        for (long sunum : sunums) {
            try (var files = Files.walk(dirs.get(sunum))) {
                files.filter(f -> f.getFileName().toString().equals("image.fits")).map(f -> new UnitFile(sunum, dirs.get(sunum).relativize(f)
                        .toString())).sorted(Comparator.comparing(UnitFile::relative)).forEach(all::add);
            }
        }
        assertThat(all.size()).as("image files, one per record").isEqualTo(FILES);
        long tapeFile = library.tapeBytes(TapeArchive.tapeName(sunums.get(0)), dirs.get(sunums.get(0)));
        TapedUnits.archive(drms, archive, sunums, 1);
        long tapeBytes = jdbc.queryForObject("SELECT sum(bytes) FROM sums.sum_file WHERE ds_index = ANY (?)",
                Long.class, (Object) sunums.toArray(Long[]::new));
        assertThat(jdbc.queryForObject("SELECT count(DISTINCT tapeid) FROM sums.sum_file WHERE ds_index = ANY (?)",
                Long.class, (Object) sunums.toArray(Long[]::new))).as("volumes (tape file %d bytes)", tapeFile)
                .isEqualTo((long) VOLUMES);

        Random random = new Random(13);
        List<UnitFile> shuffled = new ArrayList<>(all);
        Collections.shuffle(shuffled, random);
        List<List<UnitFile>> requests = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            requests.add(shuffled.subList(i * FILES_PER_REQUEST, (i + 1) * FILES_PER_REQUEST));
        }
        double unitsPerRequest = requests.stream().mapToLong(r -> r.stream().map(UnitFile::sunum).distinct().count())
                .average().orElse(0);
        List<UnitFile> sampleFiles = new ArrayList<>(all);
        Collections.shuffle(sampleFiles, random);
        Map<UnitFile, byte[]> sample = read(sampleFiles.subList(0, SAMPLE));
        say("StagingBenchmark: %d units of %d files (%d distinct files, tape file %d bytes) over %d"
                        + " volumes, %d requests of %d files (%.1f units each on average), made in %.1f s%n", UNITS,
                PER_UNIT, FILES, tapeFile, VOLUMES, REQUESTS, FILES_PER_REQUEST, unitsPerRequest,
                (System.nanoTime() - made) / 1e9);

        int[] runs = {0};
        List<Double> submits = new ArrayList<>();
        List<Long> serviceMounts = new ArrayList<>();
        new Bench("StagingBenchmark", REQUESTS + " MWA requests x " + FILES_PER_REQUEST + " files, " + UNITS
                + " units, " + VOLUMES + " volumes, 2 drives, time scale 0: first submit to last callback")
                .time("staging service", "s", () -> {
                    Side side = service(requests, sunums, tapeBytes, sample, runs[0]++);
                    submits.add(side.submits());
                    serviceMounts.add(side.mounts());
                    return side.seconds();
                })
                .time("stage job alone", "s", () -> stageJob(sunums, tapeBytes, sample, runs[0]++).seconds())
                .compare("staging service", "stage job alone")
                .run();
        System.out.printf("StagingBenchmark: of the service's time, the %d submits took %s s; service mounts %s"
                + " (warm-up first)%n", REQUESTS, submits.stream().map(x -> String.format("%.2f", x)).toList(),
                serviceMounts);
    }

    // ---- 2. callbacks per second ----

    /**
     * A service of its own on the same store: callbacks within {@value #TIMEOUT_MS} ms, {@code concurrency} at once,
     * no stage batch ever.
     */
    StagingService callbackService(int concurrency) {
        StagingSettings s = service.settings();
        StagingSettings settings = new StagingSettings(s.checkInterval(), s.expiry(), s.restageInterval(),
                Duration.ofMinutes(10), 6_000_000, Duration.ofMillis(TIMEOUT_MS), List.of("127.0.0.1"), null, null,
                s.reportExpiry(), s.reportDirectory(), concurrency);
        StagingService.StageLauncher never = new StagingService.StageLauncher() {
            @Override
            public boolean busy() {
                return true;
            }

            @Override
            public void launch(long batch) {
                throw new IllegalStateException("no stage batch in the callback benchmark");
            }
        };
        return new StagingService(service.store(), settings, never, new Callbacks(settings),
                Clock.systemUTC());
    }

    /** The figures of one callback run. */
    record Delivery(double perSecond, double seconds) {
    }

    /**
     * {@value #CB_REQUESTS} requests over online units, every tenth calling the dead receiver when {@code dead}: the
     * good callbacks per second over the delivery, and its length.
     */
    Delivery callbacks(List<Long> online, int concurrency, boolean dead, String label) throws Exception {
        StagingService svc = callbackService(concurrency);
        Calls c = new Calls();
        calls.set(c);
        List<Long> good = new ArrayList<>();
        List<Long> bad = new ArrayList<>();
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < CB_REQUESTS; i++) {
            long job = JOB_IDS.incrementAndGet();
            boolean toDead = dead && i % 10 == 9;
            (toDead ? bad : good).add(job);
            long sunum = online.get(i % online.size());
            StagingRequest r = svc.submit(new StagingStore.NewRequest("mwa", job, url(toDead ? "/dead" : "/slow"),
                    null, StagingService.files(List.of("/download/sums/SUM0/D" + sunum + "/S00000/image.fits"))));
            assertThat(r.readyFiles()).isEqualTo(1);
            ids.add(r.id());
        }
        Long[] array = ids.toArray(Long[]::new);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (jdbc.queryForObject("SELECT count(*) FROM staging.request WHERE id = ANY (?) AND callback_attempts > 0",
                Long.class, (Object) array) < CB_REQUESTS) {
            assertThat(System.nanoTime()).as("every callback tried within 120 s").isLessThan(deadline);
            svc.tick();
        }
        awaitAnswered(c, good.size());
        double seconds = (c.lastAnswer.get() - c.firstArrival.get()) / 1e9;
        assertThat(c.byJob.keySet()).containsExactlyInAnyOrderElementsOf(
                Stream.concat(good.stream(), bad.stream()).toList());
        assertThat(c.byJob.values()).allSatisfy(n -> assertThat(n.get()).as("callbacks of a request").isEqualTo(1));
        assertThat(jdbc.queryForObject("SELECT count(*) FROM staging.request WHERE id = ANY (?) AND state = 'notified'"
                + " AND callback_attempts = 1", Long.class, (Object) array)).isEqualTo((long) good.size());
        assertThat(jdbc.queryForObject("SELECT count(*) FROM staging.request WHERE id = ANY (?) AND state = 'completed'"
                + " AND callback_attempts = 1 AND callback_error IS NOT NULL AND callback_next > now()", Long.class,
                (Object) array)).as("dead callbacks tried once, retried later").isEqualTo((long) bad.size());
        forgetRequests();
        Delivery d = new Delivery(good.size() / seconds, seconds);
        say("callbacks %-34s: %3d good in %.2f s = %.1f/s%n", label, good.size(), seconds, d.perSecond());
        return d;
    }

    @Test
    void callbacksPerSecondWithASlowReceiver() throws Exception {
        List<Long> online = TapedUnits.create(drms, "stbench.online", 4, 10);
        int pool = service.settings().callbackConcurrency();
        // concurrency 1 is MWA's delivery (and this service's before callback-concurrency): one callback at a time
        int[] concurrencies = {1, pool};
        Bench bench = new Bench("StagingBenchmark-callbacks", CB_REQUESTS + " requests, receiver answering in "
                + SLOW_MS + " ms, dead ones timing out after " + TIMEOUT_MS + " ms");
        for (int n : concurrencies) {
            String c = "callback-concurrency " + n;
            bench.rate(c + ", slow receiver", "good callbacks/s",
                    () -> callbacks(online, n, false, "slow, " + c).perSecond());
            bench.rate(c + ", slow + 1/10 dead", "good callbacks/s",
                    () -> callbacks(online, n, true, "slow + 1/10 dead, " + c).perSecond());
            bench.compare(c + ", slow + 1/10 dead", c + ", slow receiver");
        }
        bench.compare("callback-concurrency " + pool + ", slow receiver", "callback-concurrency 1, slow receiver");
        bench.run();
    }

    static final long STARTED = System.nanoTime();

    /** A progress line, with the seconds since the benchmark's class was loaded. */
    static void say(String format, Object... args) {
        System.out.printf("[%6.1f s] " + format, Stream.concat(
                Stream.of((System.nanoTime() - STARTED) / 1e9), Arrays.stream(args)).toArray());
    }
}
