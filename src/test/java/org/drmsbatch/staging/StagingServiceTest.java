package org.drmsbatch.staging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpServer;
import org.drmsbatch.TestDatabase;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.jobs.stage.TapedUnits;
import org.drmsbatch.sums.tape.TapeArchive;
import org.drmsbatch.sums.tape.TarTapeLibrary;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The staging service's monitor, turned by hand ({@link StagingService#tick()}) against a real catalog, tape library
 * of tar files and a callback receiver on a real socket: requests for the same units share one tape read, a
 * callback that fails twice is delivered once at the retry interval, a request past its expiry is reported with
 * MWA's return code and a failure report, and callbacks go to allowed hosts only.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = {
        "drms.tape.time-scale=0", "drms.tape.drives=2", "drms.tape.volume-capacity=40KB",
        "drms.staging.callback-hosts=127.0.0.1", "drms.staging.callback-retry=1s",
        "drms.staging.callback-username=asvo", "drms.staging.callback-password=s3cret",
        "drms.staging.callbacks-per-minute=6000"})
class StagingServiceTest {

    static final Path HOME = JobTests.newHome("drms-staging-test");

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry, HOME);
        registry.add("drms.tape.directory", () -> HOME.resolve("tape").toString());
    }

    @Autowired
    StagingService service;
    @Autowired
    Drms drms;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    TapeArchive archive;
    @Autowired
    TarTapeLibrary library;

    HttpServer receiver;
    final List<String> bodies = new CopyOnWriteArrayList<>();
    final List<String> auth = new CopyOnWriteArrayList<>();
    final AtomicInteger failuresLeft = new AtomicInteger();
    /** Every attempt the receiver saw: the body's job id and when (nanoTime). */
    final List<long[]> attemptTimes = new CopyOnWriteArrayList<>();

    @BeforeEach
    void receiver() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/jobresult", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            java.util.regex.Matcher job = java.util.regex.Pattern.compile("\"job_id\":(\\d+)").matcher(body);
            attemptTimes.add(new long[] {job.find() ? Long.parseLong(job.group(1)) : -1, System.nanoTime()});
            int code = failuresLeft.getAndDecrement() > 0 ? 503 : 200;
            if (code == 200) {
                bodies.add(body);
                auth.add(ex.getRequestHeaders().getFirst("Authorization"));
            }
            ex.sendResponseHeaders(code, -1);
            ex.close();
        });
        receiver.start();
    }

    @AfterEach
    void stop() {
        receiver.stop(0);
    }

    String notifyUrl() {
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/jobresult";
    }

    /** Turns the monitor until the condition holds (a stage job runs between turns), at most 60 s. */
    void tickUntil(BooleanSupplier done) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition reached within 60 s").isLessThan(end);
            service.tick();
            Thread.sleep(50);
        }
    }

    StagingRequest request(long id) {
        return service.store().request(id).orElseThrow();
    }

    @Test
    void twoRequestsForTheSameUnitsShareOneTapeReadAndEachCallbackIsDeliveredOnceAfterTwoFailures()
            throws Exception {
        List<Long> sunums = TapedUnits.create(drms, "stq.shared", 11, 4);
        TapedUnits.archive(drms, archive, sunums, 1);
        TapedUnits.takeOffline(drms, jdbc, sunums);
        long readBefore = library.counters().bytesRead();
        List<String> paths = sunums.stream().map(s -> "/download/sums/SUM0/D" + s + "/S00000/image.fits").toList();

        failuresLeft.set(2);
        StagingRequest a = service.submit(new StagingStore.NewRequest("mwa", 501L, notifyUrl(), null,
                StagingService.files(paths)));
        StagingRequest b = service.submit(new StagingStore.NewRequest("mwa", 502L, notifyUrl(), null,
                StagingService.files(paths.subList(1, 3))));
        assertThat(a.totalFiles()).isEqualTo(4);
        assertThat(a.waitingFiles()).isEqualTo(4);
        assertThatThrownBy(() -> service.submit(new StagingStore.NewRequest("mwa", 501L, notifyUrl(), null,
                StagingService.files(paths)))).isInstanceOf(StagingStore.DuplicateJobException.class);

        tickUntil(() -> bodies.size() == 2);

        assertThat(request(a.id()).state()).isEqualTo("notified");
        assertThat(request(b.id()).state()).isEqualTo("notified");
        assertThat(request(a.id()).readyFiles()).isEqualTo(4);
        // one read per unit, whichever request asked
        long tapeFileBytes = jdbc.queryForObject("SELECT sum(bytes) FROM sums.sum_file WHERE ds_index = ANY (?)",
                Long.class, (Object) sunums.toArray(Long[]::new));
        assertThat(library.counters().bytesRead() - readBefore).isEqualTo(tapeFileBytes);
        // two failures then one delivery per request: three attempts in all for the first, spaced by the retry
        int attempts = request(a.id()).callbackAttempts() + request(b.id()).callbackAttempts();
        assertThat(attempts).isEqualTo(4);
        // a failed attempt is tried again only after the retry interval (1 s)
        for (long job : List.of(501L, 502L)) {
            List<Long> times = attemptTimes.stream().filter(t -> t[0] == job).map(t -> t[1]).sorted().toList();
            for (int i = 1; i < times.size(); i++) {
                assertThat(Duration.ofNanos(times.get(i) - times.get(i - 1))).as("retry gap of job %d", job)
                        .isGreaterThanOrEqualTo(Duration.ofMillis(900));
            }
        }
        assertThat(attemptTimes).hasSize(4);
        assertThat(bodies).anySatisfy(body -> assertThat(body).contains("\"job_id\":501", "\"return_code\":0",
                "\"total_files\":4", "\"ready_files\":4", "\"comment\":\"All 4 files staged successfully\""));
        assertThat(auth).allSatisfy(h -> assertThat(h).isEqualTo("Basic "
                + java.util.Base64.getEncoder().encodeToString("asvo:s3cret".getBytes(StandardCharsets.UTF_8))));
        // the units stay pinned for the requests until they expire
        assertThat(jdbc.queryForObject("SELECT count(*) FROM sums.sum_pin WHERE holder = ?", Long.class,
                StagingStore.holder(a.id()))).isEqualTo(4L);
    }

    @Test
    void aRequestWithAnUnknownUnitEndsWithFileErrorsAndAReport() throws Exception {
        List<Long> sunums = TapedUnits.create(drms, "stq.errors", 12, 2);
        TapedUnits.archive(drms, archive, sunums, 1);
        TapedUnits.takeOffline(drms, jdbc, sunums);
        List<String> paths = List.of("/download/sums/SUM0/D" + sunums.get(0) + "/S00000/image.fits",
                "/download/sums/SUM0/D999999999/S00000/image.fits", "/no/unit/here.fits");

        StagingRequest r = service.submit(new StagingStore.NewRequest("mwa", 601L, notifyUrl(), null,
                StagingService.files(paths)));
        assertThat(r.errorFiles()).isEqualTo(2);

        tickUntil(() -> !bodies.isEmpty());

        assertThat(bodies.get(0)).contains("\"return_code\":5", "\"ready_files\":1", "\"error_files\":2",
                "Out of 3 files in total, 1 were staged successfully, but 2 files had errors");
        Path report = service.settings().reportDirectory().resolve("601.txt");
        assertThat(Files.readString(report)).startsWith("Job failure report for job 601: Out of a total of 3 files,"
                + " 2 had errors and 2 failed to transfer.\n\nFiles with errors:\n")
                .contains("  /no/unit/here.fits\n");
        assertThat(service.reports()).anySatisfy(rep -> assertThat(rep.jobId()).isEqualTo(601L));
    }

    @Test
    void aCallbackToAHostOffTheAllowListIsRefusedAtSubmission() {
        assertThatThrownBy(() -> service.submit(new StagingStore.NewRequest("mwa", 701L,
                "http://169.254.169.254/latest/meta-data", null, StagingService.files(List.of("/D1/x")))))
                .isInstanceOf(StagingException.class).hasMessageContaining("169.254.169.254")
                .hasMessageContaining("drms.staging.callback-hosts");
        assertThat(service.store().latestMwa(701L)).isEmpty();
        assertThat(CallbackTarget.check("http://127.0.0.1:9/x", List.of("127.0.0.1"))).isNotNull();
        assertThatThrownBy(() -> CallbackTarget.check("file:///etc/passwd", List.of("127.0.0.1")))
                .hasMessageContaining("http");
        assertThatThrownBy(() -> CallbackTarget.check("http://user:pw@127.0.0.1/", List.of("127.0.0.1")))
                .hasMessageContaining("credentials");
    }

    /**
     * Callbacks go out several at once (callback-concurrency 4) yet in request order, started no closer than the rate
     * limit allows (600 a minute: 100 ms apart), each recorded once, even with two monitors turning at the same time.
     */
    @Test
    void callbacksGoOutConcurrentlyInRequestOrderAtTheRateLimitAndEachIsRecordedOnce() throws Exception {
        List<Long> sunums = TapedUnits.create(drms, "stq.rate", 13, 3);
        StagingSettings s = service.settings();
        StagingSettings settings = new StagingSettings(s.checkInterval(), s.expiry(), s.restageInterval(),
                Duration.ofMinutes(10), 600, Duration.ofSeconds(10), List.of("127.0.0.1"), null, null,
                s.reportExpiry(), s.reportDirectory(), 4);
        StagingService.StageLauncher none = new StagingService.StageLauncher() {
            @Override
            public boolean busy() {
                return true;
            }

            @Override
            public void launch(long batch) {
                throw new IllegalStateException("nothing to stage");
            }
        };
        // a receiver that takes 350 ms to answer, on threads enough for every caller; job 806 gets a 503
        List<Long> arrivals = new CopyOnWriteArrayList<>();
        List<Long> arrivedAt = new CopyOnWriteArrayList<>();
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger mostInFlight = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(16);
        HttpServer slow = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        slow.setExecutor(threads);
        slow.createContext("/slow", ex -> {
            mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            long at = System.nanoTime();
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Matcher m = Pattern.compile("\"job_id\":(\\d+)").matcher(body);
            long job = m.find() ? Long.parseLong(m.group(1)) : -1;
            synchronized (arrivals) {
                arrivals.add(job);
                arrivedAt.add(at);
            }
            try {
                Thread.sleep(350);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inFlight.decrementAndGet();
            ex.sendResponseHeaders(job == 806 ? 503 : 200, -1);
            ex.close();
        });
        slow.start();
        try {
            String url = "http://127.0.0.1:" + slow.getAddress().getPort() + "/slow";
            List<Long> ids = new ArrayList<>();
            for (long job = 801; job <= 812; job++) {
                ids.add(service.submit(new StagingStore.NewRequest("mwa", job, url, null, StagingService.files(
                        List.of("/x/D" + sunums.get((int) job % 3) + "/S00000/image.fits")))).id());
            }

            // two monitors (two processes, say) turn at once: one delivers, the other finds the monitor busy
            StagingService one = new StagingService(service.store(), settings, none, new Callbacks(settings),
                    Clock.systemUTC());
            StagingService two = new StagingService(service.store(), settings, none, new Callbacks(settings),
                    Clock.systemUTC());
            long t0 = System.nanoTime();
            Thread other = new Thread(two::tick);
            other.start();
            one.tick();
            other.join();
            one.tick();
            two.tick();
            double seconds = (System.nanoTime() - t0) / 1e9;

            assertThat(arrivals).as("each callback once, in request order").containsExactly(801L, 802L, 803L, 804L,
                    805L, 806L, 807L, 808L, 809L, 810L, 811L, 812L);
            for (int i = 1; i < arrivedAt.size(); i++) {
                assertThat((arrivedAt.get(i) - arrivedAt.get(i - 1)) / 1e6).as("ms between callbacks %d and %d", i,
                        i + 1).isGreaterThan(60);
            }
            assertThat((arrivedAt.get(11) - arrivedAt.get(0)) / 1e6).as("ms from the first callback to the 12th")
                    .isGreaterThan(11 * 100 - 60);
            assertThat(mostInFlight.get()).as("callbacks in flight at once").isBetween(2, 4);
            assertThat(seconds).as("one after another they would take 12 x 0.35 s").isLessThan(12 * 0.35);
            for (int i = 0; i < ids.size(); i++) {
                StagingRequest r = request(ids.get(i));
                assertThat(r.callbackAttempts()).as("attempts of job %d", r.jobId()).isEqualTo(1);
                if (r.jobId() == 806) {
                    assertThat(r.state()).isEqualTo("completed");
                    assertThat(r.callbackError()).isEqualTo("HTTP 503");
                    assertThat(r.callbackNext()).isAfter(Instant.now().plusSeconds(500));
                } else {
                    assertThat(r.state()).as("job %d", r.jobId()).isEqualTo("notified");
                }
            }
            service.store().delete(ids.get(5));
        } finally {
            slow.stop(0);
            threads.shutdownNow();
        }
    }

    @Test
    void jobResultCodesFollowMwa() {
        assertThat(JobResult.of(1, 10, 10, 0, 60).return_code()).isEqualTo(0);
        assertThat(JobResult.of(1, 10, 7, 3, 60)).extracting(JobResult::return_code, JobResult::comment)
                .containsExactly(5, "Out of 10 files in total, 7 were staged successfully, but 3 files had errors");
        assertThat(JobResult.of(1, 10, 4, 1, 172800)).extracting(JobResult::return_code, JobResult::comment)
                .containsExactly(10, "Job timed out after 172800 seconds. Out of 10 files in total, 4 staged"
                        + " successfully, and 1 files had errors");
        assertThat(JobResult.of(1, 0, 0, 0, 60).return_code()).isEqualTo(101);
    }
}
