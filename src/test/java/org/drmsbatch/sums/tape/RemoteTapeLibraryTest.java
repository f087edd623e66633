package org.drmsbatch.sums.tape;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.drmsbatch.DrmsApplication;
import org.drmsbatch.TestDatabase;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.jobs.stage.TapedUnits;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.drmsbatch.sums.Sums;
import org.drmsbatch.sums.tape.TapeLibrary.Drive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A site without a tape library (A, this test's context) keeps its tape on another site's server (B, a second
 * drms-batch application started here on a loopback port, with its own home, database, tar tape library and staging
 * monitor): A's archive job uploads its units' tape files to B, B's archive job puts them on B's tape and B's forced
 * scrub takes them off B's disk, and A's stage job brings A's units back through B's WLCG Tape REST API with the
 * archived bytes, B reading them from its tape. A corrupted file on B fails A's stage naming the unit; an upload
 * without B's token is refused with B's 401.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = {
        "drms.tape.remote.poll-interval=100ms", "drms.tape.remote.timeout=30s", "drms.tape.drives=2",
        "drms.tape.remote.token=" + RemoteTapeLibraryTest.B_TOKEN})
class RemoteTapeLibraryTest {

    static final String B_TOKEN = "site-b-token-0123456789";
    static final Path HOME = JobTests.newHome("drms-remote-a");
    static final Path B_HOME = JobTests.newHome("drms-remote-b");
    static ConfigurableApplicationContext b;

    /** B: {@code drms serve} as a test starts it, on a free loopback port. */
    static synchronized ConfigurableApplicationContext b() {
        if (b == null) {
            b = new SpringApplicationBuilder(DrmsApplication.class).web(WebApplicationType.SERVLET)
                    .logStartupInfo(false).run(
                            "--spring.datasource.url=" + TestDatabase.newDatabase(),
                            "--spring.datasource.username=" + TestDatabase.user(),
                            "--spring.datasource.hikari.minimum-idle=0",
                            "--spring.datasource.hikari.idle-timeout=10000",
                            "--drms.home=" + B_HOME,
                            "--spring.main.web-application-type=servlet",
                            "--server.address=127.0.0.1", "--server.port=0",
                            "--drms.security.token=" + B_TOKEN,
                            "--drms.tape.directory=" + B_HOME.resolve("tape"),
                            "--drms.tape.time-scale=0",
                            "--drms.staging.check-interval=200ms",
                            // B's disk is "full": a forced scrub takes every archived unit off it
                            "--drms.sums.capacity=1000B");
        }
        return b;
    }

    static URI bUrl() {
        return URI.create("http://127.0.0.1:" + b().getEnvironment().getProperty("local.server.port"));
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry, HOME);
        registry.add("drms.tape.remote.url", () -> bUrl().toString());
    }

    @AfterAll
    static void stopB() {
        if (b != null) {
            b.close();
        }
    }

    @Autowired
    Drms drms;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    JobControl jobs;
    @Autowired
    TapeArchive archive;
    @Autowired
    RemoteTapeLibrary library;

    static JobRun run(JobControl control, String job, Map<String, String> parameters) throws InterruptedException {
        return JobTests.awaitEnd(control, control.launch(job, parameters).getId(), 120);
    }

    static String join(List<Long> sunums) {
        return sunums.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    JdbcTemplate bJdbc() {
        return b().getBean(JdbcTemplate.class);
    }

    @Test
    void aSiteArchivesToAnotherSitesServerAndStagesBackFromItsTape() throws Exception {
        // given four units of an archived series on A
        List<Long> sunums = TapedUnits.create(drms, "rmt.units", 1, 4);
        Map<Long, Map<String, byte[]>> archived = TapedUnits.files(drms, sunums);
        TapeLibrary.TapeCounters before = library.counters();

        // when A's archive job runs: the tape files go to B
        JobRun archiving = run(jobs, "archive", Map.of("series", "rmt.units"));
        assertThat(archiving.status()).as("%s", archiving).isEqualTo("COMPLETED");

        // then each unit has a tape file whose position is B's unit holding it, with the same MD5 and length
        Map<Long, TapeFile> files = new LinkedHashMap<>();
        drms.read(s -> {
            try {
                archive.locations(s.connection(), sunums).forEach((k, v) -> files.put(k, v.get(0)));
                return null;
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(files).containsOnlyKeys(sunums);
        long written = 0;
        for (long sunum : sunums) {
            TapeFile f = files.get(sunum);
            Map<String, Object> onB = bJdbc().queryForMap("SELECT volume, name, md5, bytes, sunum FROM tape.files"
                    + " WHERE sunum = ?", f.position());
            assertThat(onB).containsEntry("volume", f.volume()).containsEntry("name", "D" + sunum)
                    .containsEntry("md5", f.md5()).containsEntry("bytes", f.bytes());
            written += f.bytes();
        }
        assertThat(library.counters().bytesWritten() - before.bytesWritten()).isEqualTo(written);
        List<Long> onB = files.values().stream().map(TapeFile::position).toList();

        // and B's archive job puts them on B's tape, B's forced scrub takes them off B's disk; A's go offline too
        JobControl bJobs = b().getBean(JobControl.class);
        JobRun bArchive = run(bJobs, "archive", Map.of("series", "tape.files"));
        assertThat(bArchive.status()).as("%s", bArchive).isEqualTo("COMPLETED");
        JobRun bScrub = run(bJobs, "scrub", Map.of("force", "true", "series", "tape.files"));
        assertThat(bScrub.status()).as("%s", bScrub).isEqualTo("COMPLETED");
        for (long sunum : onB) {
            assertThat(bJdbc().queryForObject("SELECT online_status || archive_status FROM sums.sum_main"
                    + " WHERE ds_index = ?", String.class, sunum)).as("B's unit %d", sunum).isEqualTo("NY");
        }
        TapedUnits.takeOffline(drms, jdbc, sunums);
        TarTapeLibrary bTape = b().getBean(TarTapeLibrary.class);
        long bRead = bTape.counters().bytesRead();

        // when A's stage job brings them back
        JobRun staging = run(jobs, "stage", Map.of("sunum", join(sunums)));

        // then A's units are online with the archived bytes and values
        assertThat(staging.status()).as("%s", staging).isEqualTo("COMPLETED");
        assertThat(staging.exitDescription()).startsWith("4 storage units requested: 4 staged from tape");
        Map<Long, Map<String, byte[]>> now = TapedUnits.files(drms, sunums);
        for (long sunum : sunums) {
            assertThat(now.get(sunum).keySet()).containsExactlyElementsOf(archived.get(sunum).keySet());
            archived.get(sunum).forEach((name, bytes) ->
                    assertThat(now.get(sunum).get(name)).as("%s of %d", name, sunum).isEqualTo(bytes));
        }
        Map<Integer, float[]> images = TapedUnits.images(drms, "rmt.units");
        assertThat(images).hasSize(4);
        images.forEach((fsn, values) -> assertThat(values).as("FSN %d", fsn).isEqualTo(TapedUnits.image(fsn)));
        assertThat(library.counters().bytesRead() - before.bytesRead()).isEqualTo(written);

        // and B really staged them from its tape, for WLCG stage requests that A released
        assertThat(bTape.counters().bytesRead() - bRead).isGreaterThan(0);
        assertThat(bJdbc().queryForObject("SELECT count(*) FROM batch_job_instance WHERE job_name = 'stage'",
                Long.class)).isGreaterThan(0);
        for (long sunum : onB) {
            assertThat(bJdbc().queryForObject("SELECT online_status FROM sums.sum_main WHERE ds_index = ?",
                    String.class, sunum)).as("B's unit %d", sunum).isEqualTo("Y");
        }
        assertThat(bJdbc().queryForList("SELECT DISTINCT f.released FROM staging.file f JOIN staging.request r"
                + " ON r.id = f.request_id WHERE r.kind = 'wlcg' AND f.sunum = ANY (?)", Boolean.class,
                (Object) onB.toArray(Long[]::new))).containsExactly(true);
    }

    @Test
    void aCorruptedFileOnBFailsTheStageNamingTheUnit() throws Exception {
        List<Long> sunums = TapedUnits.create(drms, "rmt.bad", 2, 1);
        long sunum = sunums.get(0);
        assertThat(run(jobs, "archive", Map.of("series", "rmt.bad")).status()).isEqualTo("COMPLETED");
        TapeFile f = drms.read(s -> {
            try {
                return archive.locations(s.connection(), sunums).get(sunum).get(0);
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        TapedUnits.takeOffline(drms, jdbc, sunums);
        // B's copy, still on B's disk, has a byte flipped
        Sums.Info onB = b().getBean(Drms.class).read(s -> s.storageUnitInfo(List.of(f.position()))).get(f.position());
        Path file = onB.path().resolve("S00000").resolve("D" + sunum + ".tar");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(raf.length() - 300);
            int x = raf.read();
            raf.seek(raf.length() - 300);
            raf.write(x ^ 0x5a);
        }

        JobRun staging = run(jobs, "stage", Map.of("sunum", Long.toString(sunum)));

        assertThat(staging.status()).isEqualTo("FAILED");
        assertThat(staging.exitDescription()).contains("storage unit " + sunum + ": Checksum mismatch in tape file "
                + f.fileNumber() + " (D" + sunum + ") of volume " + f.volume() + " (storage unit " + f.position()
                + " of " + bUrl() + ") downloaded from " + bUrl());
        assertThat(jdbc.queryForObject("SELECT online_status FROM sums.sum_main WHERE ds_index = ?", String.class,
                sunum)).isEqualTo("N");
        // a checksum mismatch condemns the tape file, not A's volume
        assertThat(jdbc.queryForObject("SELECT damaged FROM sums.sum_tape WHERE tapeid = ?", String.class,
                f.volume())).isNull();
    }

    @Test
    void anUploadWithoutBsTokenIsRefusedWithBs401() throws Exception {
        Path unit = Files.createDirectories(HOME.resolve("loose/D1/S00000"));
        Files.writeString(unit.resolve("a.txt"), "a\n");
        try (RemoteTapeLibrary anonymous = new RemoteTapeLibrary(bUrl(), null, HOME.resolve("anonymous"), 1,
                1_000_000_000L, Duration.ofMillis(100), Duration.ofSeconds(30), Duration.ofSeconds(30))) {
            anonymous.create("VX0001L9");
            try (Drive d = anonymous.mount("VX0001L9")) {
                d.truncate(0);
                assertThatThrownBy(() -> d.append(1, "D1", unit.getParent())).isInstanceOf(TapeException.class)
                        .hasMessageContaining("Remote tape library " + bUrl() + ": PUT /api/tape/v1/upload/VX0001L9/D1"
                                + " answered HTTP 401")
                        .hasMessageContaining("drms.tape.remote.token");
            }
        }
        long stored = bJdbc().queryForObject("SELECT count(*) FROM drms.drms_series WHERE seriesname = 'tape.files'",
                Long.class) == 0 ? 0 : bJdbc().queryForObject("SELECT count(*) FROM tape.files"
                + " WHERE volume = 'VX0001L9'", Long.class);
        assertThat(stored).isZero();
    }
}
