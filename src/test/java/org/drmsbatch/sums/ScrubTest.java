package org.drmsbatch.sums;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.drmsbatch.segments.SegmentFiles;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * The scrub on a real database and real directories: units made through DRMS sessions (a series that archives, with
 * a tape library, so its units wait for the archive, and one that does not), their archived state and effective
 * dates set by SQL; the partition's capacity is a few units, so that they fill it.
 */
class ScrubTest {

    static final int UNIT_BYTES = 1000;

    @TempDir
    Path home;

    DriverManagerDataSource ds;
    Sums sums;
    Drms drms;
    Path sum0;
    /** The bytes of each unit: the file and the unit's own bookkeeping (its Records.txt), all alike. */
    long unitBytes;

    @BeforeEach
    void database() throws Exception {
        ds = new DriverManagerDataSource(TestDatabase.newDatabase(), TestDatabase.user(), "");
        Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
        sum0 = home.resolve("SUM0");
        sums = new Sums(ds, List.of(sum0), Clock.systemUTC(), true);
        sums.registerPartitions();
        drms = new Drms(ds, new DataSourceTransactionManager(ds), sums, new SegmentFiles(), "drms", 2);
        drms.createSeries(new JsdParser().parse("arch.jsd", jsd("scrub.arch", 1)), false);
        drms.createSeries(new JsdParser().parse("temp.jsd", jsd("scrub.temp", 0)), false);
        Files.write(home.resolve("blob.bin"), new byte[UNIT_BYTES]);
    }

    static String jsd(String name, int archive) {
        return """
                Seriesname: %s
                Unitsize: 1
                Archive: %d
                Retention: 5
                PrimeKeys: FSN
                Keyword: FSN, int, variable, record, DRMS_MISSING_VALUE, %%d, none, "frame"
                Data: blob, variable, string, 0, none, generic, "a file"
                """.formatted(name, archive);
    }

    /** A record with a file of {@value #UNIT_BYTES} bytes, in a session of its own: a storage unit of its own. */
    long unit(String series) throws Exception {
        long sunum = drms.inSession(s -> {
            Record r = s.create(series);
            r.set("FSN", 1);
            r.storeFile("blob", home.resolve("blob.bin"));
            s.close(r, DrmsSession.Action.INSERT);
            return r.sunum();
        });
        long bytes = queryLong("SELECT bytes FROM sums.sum_main WHERE ds_index = " + sunum);
        assertThat(bytes).isGreaterThanOrEqualTo(UNIT_BYTES);
        if (unitBytes == 0) {
            unitBytes = bytes;
        }
        assertThat(bytes).as("units alike").isEqualTo(unitBytes);
        return sunum;
    }

    /** 'YYYYMMDDHHMM' {@code days} from now (negative: in the past). */
    static String date(double days) {
        return Sums.effectiveDate(LocalDateTime.now(ZoneOffset.UTC).plusMinutes((long) (days * 24 * 60)));
    }

    /** The unit as the archive leaves it (archive_status Y), with allocation status and effective date. */
    void archived(long sunum, int status, String effective) throws Exception {
        sql("UPDATE sums.sum_main SET archive_status = 'Y' WHERE ds_index = " + sunum);
        alloc(sunum, status, effective);
    }

    void alloc(long sunum, int status, String effective) throws Exception {
        sql("UPDATE sums.sum_partn_alloc SET status = " + status + ", effective_date = '" + effective
                + "' WHERE ds_index = " + sunum);
    }

    Scrub scrub(double high, double low, int units) {
        return new Scrub(ds, Clock.systemUTC(), high, low, units * unitBytes);
    }

    @Test
    void archivedExpiredUnitsGoOfflineOldestFirstUntilAtOrBelowTheLowWater() throws Exception {
        // given ten archived units whose retention ended, on days in shuffled order, filling the partition
        int[] daysAgo = {4, 9, 2, 7, 1, 10, 3, 8, 6, 5};
        List<Long> units = new ArrayList<>();
        for (int d : daysAgo) {
            long u = unit("scrub.arch");
            archived(u, SumsStatus.DADP, date(-d));
            units.add(u);
        }
        assertThat(queryLong("SELECT sum(bytes) FROM sums.sum_main")).isEqualTo(10 * unitBytes);
        Scrub scrub = scrub(95, 75, 10);
        assertThat(scrub.use(sum0)).isEqualTo(100.0);

        // when it is scrubbed one unit per transaction
        Scrub.Result r = scrub.scrub(sum0, false, 1);

        // then the three oldest (10, 9, 8 days) went offline: 100 → 90 → 80 → 70 ≤ 75
        assertThat(r.before()).isEqualTo(100.0);
        assertThat(r.after()).isEqualTo(70.0);
        assertThat(r.offline()).isEqualTo(3);
        assertThat(r.deleted()).isZero();
        assertThat(r.bytesFreed()).isEqualTo(3 * unitBytes);
        assertThat(r.describe("SUM0")).isEqualTo("SUM0: 100.0% → 70.0%, 3 units taken offline, 0 deleted, "
                + 3 * unitBytes + " bytes freed");
        for (int i = 0; i < units.size(); i++) {
            long u = units.get(i);
            Path dir = sum0.resolve("D" + u);
            if (daysAgo[i] >= 8) {
                assertThat(onlineStatus(u)).as("unit %d days old", daysAgo[i]).isEqualTo("N");
                assertThat(dir).doesNotExist();
                assertThat(queryLong("SELECT count(*) FROM sums.sum_partn_alloc WHERE ds_index = " + u)).isZero();
            } else {
                assertThat(onlineStatus(u)).as("unit %d days old", daysAgo[i]).isEqualTo("Y");
                assertThat(dir.resolve("S00000")).isDirectory();
            }
        }
        assertThat(scrub.use(sum0)).isEqualTo(70.0);
        // an offline unit is still known, as archived and offline: it can be staged back
        try (Connection c = ds.getConnection()) {
            Sums.Info i = sums.get(c, List.of(units.get(5)), false, 0).get(units.get(5));
            assertThat(i.online()).isFalse();
            assertThat(i.archived()).isTrue();
        }
    }

    @Test
    void onlyUnitsWhoseRetentionEndedAndThatNoLivePinHoldsAreTaken() throws Exception {
        long offline = unit("scrub.arch");       // archived, DADP, expired: offline
        archived(offline, SumsStatus.DADP, date(-20));
        long staged = unit("scrub.arch");        // archived, staged back (DARO), expired: offline
        archived(staged, SumsStatus.DARO, date(-19));
        long temporary = unit("scrub.temp");     // never archived, DADP, expired: deleted
        alloc(temporary, SumsStatus.DADP, date(-18));
        long waiting = unit("scrub.arch");       // waiting for the archive (DAAP), expired: stays
        alloc(waiting, SumsStatus.DAAP, date(-17));
        long permanent = unit("scrub.arch");     // archived, permanent: stays
        archived(permanent, SumsStatus.DAPERM, date(-16));
        long requested = unit("scrub.arch");     // pinned by a request until tomorrow: stays
        archived(requested, SumsStatus.DADP, date(-15));
        long running = unit("scrub.arch");       // pinned by a running job: stays
        archived(running, SumsStatus.DADP, date(-14));
        long lapsed = unit("scrub.arch");        // its pin expired yesterday: offline
        archived(lapsed, SumsStatus.DADP, date(-13));
        long ended = unit("scrub.arch");         // pinned by a job that has ended: offline
        archived(ended, SumsStatus.DADP, date(-12));
        long kept = unit("scrub.arch");          // archived, retention ends tomorrow: stays (but forced: offline)
        archived(kept, SumsStatus.DADP, date(1));
        long young = unit("scrub.temp");         // never archived, retention ends tomorrow: stays, even forced
        alloc(young, SumsStatus.DADP, date(1));
        long runningExecution = jobExecution(true);
        long endedExecution = jobExecution(false);
        try (Connection c = ds.getConnection()) {
            sums.pin(c, List.of(requested), "request:7", java.time.Instant.now().plusSeconds(86400));
            sums.pin(c, List.of(running, kept), "job:" + runningExecution, null);
            sums.pin(c, List.of(lapsed), "request:8", java.time.Instant.now().minusSeconds(86400));
            sums.pin(c, List.of(ended), "job:" + endedExecution, null);
        }
        Scrub scrub = scrub(95, 1, 11);

        Scrub.Result r = scrub.scrub(sum0, false, 100);

        assertThat(r.offline()).isEqualTo(4);
        assertThat(r.deleted()).isEqualTo(1);
        assertThat(r.bytesFreed()).isEqualTo(5 * unitBytes);
        assertThat(r.after()).isCloseTo(100.0 * 6 / 11, org.assertj.core.data.Offset.offset(1e-9));
        for (long u : List.of(offline, staged, lapsed, ended)) {
            assertThat(onlineStatus(u)).as("unit %d", u).isEqualTo("N");
            assertThat(sum0.resolve("D" + u)).doesNotExist();
        }
        assertThat(onlineStatus(temporary)).as("deleted: no row").isNull();
        assertThat(sum0.resolve("D" + temporary)).doesNotExist();
        List<Long> stay = List.of(waiting, permanent, requested, running, kept, young);
        for (long u : stay) {
            assertThat(onlineStatus(u)).as("unit %d", u).isEqualTo("Y");
            assertThat(sum0.resolve("D" + u).resolve("S00000")).isDirectory();
        }

        // forced (the partition now above a lower high water): archived units whose retention has not ended go too,
        // unless pinned; never one waiting for the archive, a permanent one or one never archived
        r = scrub(50, 1, 11).scrub(sum0, true, 100);
        assertThat(r.offline()).as("kept and running are pinned by the running job").isZero();
        sql("UPDATE batch_job_execution SET end_time = now(), status = 'COMPLETED' WHERE job_execution_id = "
                + runningExecution);
        r = scrub(50, 1, 11).scrub(sum0, true, 100);
        assertThat(r.offline()).isEqualTo(2); // running and kept, once their job has ended
        assertThat(r.deleted()).isZero();
        assertThat(onlineStatus(kept)).isEqualTo("N");
        assertThat(onlineStatus(running)).isEqualTo("N");
        for (long u : List.of(waiting, permanent, requested, young)) {
            assertThat(onlineStatus(u)).as("unit %d", u).isEqualTo("Y");
            assertThat(sum0.resolve("D" + u)).isDirectory();
        }
    }

    @Test
    void atOrBelowTheHighWaterNothingIsTaken() throws Exception {
        List<Long> units = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            long u = unit("scrub.arch");
            archived(u, SumsStatus.DADP, date(-30));
            units.add(u);
        }
        Scrub.Result r = scrub(95, 90, 10).scrub(sum0, true, 100);
        assertThat(r.ran()).isFalse();
        assertThat(r.offline() + r.deleted()).isZero();
        assertThat(r.describe("SUM0")).isEqualTo("SUM0: 50.0%, below the high water (95.0%), nothing to do");
        for (long u : units) {
            assertThat(onlineStatus(u)).isEqualTo("Y");
            assertThat(sum0.resolve("D" + u)).isDirectory();
        }
    }

    @Test
    void aPartitionStillAboveTheHighWaterIsDisabledForWritingUntilAScrubGetsItBelow() throws Exception {
        // given a full partition whose units all wait for the archive
        List<Long> units = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            units.add(unit("scrub.arch"));
        }
        Scrub scrub = scrub(95, 50, 4);

        Scrub.Result r = scrub.scrub(sum0, false, 100);
        assertThat(r.stillAbove()).isTrue();
        assertThat(r.disabled()).isTrue();
        assertThat(r.describe("SUM0")).isEqualTo("SUM0: 100.0% → 100.0%, 0 units taken offline, 0 deleted, 0 bytes"
                + " freed, still above the high water (95.0%) with nothing more it may take: disabled for writing");
        assertThat(queryLong("SELECT pds_set_num FROM sums.sum_partn_avail")).isEqualTo(-1);
        assertThatThrownBy(() -> sums.alloc(1, 0, 0)).isInstanceOf(StorageException.class)
                .hasMessageContaining("No SUMS partition has");

        // when they have been archived and their retention has ended, the next scrub takes two and enables it
        for (long u : units) {
            archived(u, SumsStatus.DADP, date(-1));
        }
        r = scrub.scrub(sum0, false, 1);
        assertThat(r.offline()).isEqualTo(2);
        assertThat(r.after()).isEqualTo(50.0);
        assertThat(r.enabled()).isTrue();
        assertThat(r.describe("SUM0")).endsWith(", enabled for writing again");
        assertThat(queryLong("SELECT pds_set_num FROM sums.sum_partn_avail")).isZero();
        assertThat(sums.alloc(1, 0, 0).directory()).isDirectory();
    }

    @Test
    void withoutACapacityTheUseIsTheFileSystems() throws Exception {
        var store = Files.getFileStore(sum0);
        double df = 100.0 * (store.getTotalSpace() - store.getUsableSpace()) / store.getTotalSpace();
        double use = new Scrub(ds, Clock.systemUTC(), 95, 90, null).use(sum0);
        assertThat(use).isBetween(df - 1, df + 1).isBetween(0.0, 100.0);
        assertThatThrownBy(() -> new Scrub(ds, Clock.systemUTC(), 80, 90, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("low-water (90.0)");
    }

    /** A job execution row as Spring Batch writes it: running (no end time) or ended. */
    long jobExecution(boolean running) throws Exception {
        long id = queryLong("SELECT coalesce(max(job_execution_id), 0) + 1 FROM batch_job_execution");
        sql("INSERT INTO batch_job_instance (job_instance_id, version, job_name, job_key) VALUES (" + id
                + ", 0, 'export', 'k" + id + "')");
        sql("INSERT INTO batch_job_execution (job_execution_id, version, job_instance_id, create_time, start_time,"
                + " end_time, status) VALUES (" + id + ", 0, " + id + ", now(), now(), "
                + (running ? "NULL, 'STARTED'" : "now(), 'COMPLETED'") + ")");
        return id;
    }

    String onlineStatus(long sunum) throws Exception {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT online_status FROM sums.sum_main WHERE ds_index = ?")) {
            ps.setLong(1, sunum);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    void sql(String sql) throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate(sql);
        }
    }

    long queryLong(String sql) throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
