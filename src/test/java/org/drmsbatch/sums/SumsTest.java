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
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import org.drmsbatch.TestDatabase;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/** SUMS on a real database: alloc, put with retention, get with the retention touch, delete, partitions. */
class SumsTest {

    @TempDir
    Path home;

    DriverManagerDataSource ds;
    Sums sums;
    /** 2026-01-10 12:00 UTC */
    final Clock clock = Clock.fixed(Instant.parse("2026-01-10T12:00:00Z"), ZoneOffset.UTC);

    @BeforeEach
    void database() {
        ds = new DriverManagerDataSource(TestDatabase.newDatabase(), TestDatabase.user(), "");
        Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
        sums = new Sums(ds, List.of(home.resolve("SUM0"), home.resolve("SUM1")), clock);
        sums.registerPartitions();
    }

    @Test
    void syncForcesEveryFileOfEverySlotConcurrentlyAndReturnsTheirSize() throws Exception {
        StorageUnit su = sums.alloc(7, 1024, 0);
        long expected = 0;
        for (int slot = 0; slot < 12; slot++) { // more files than sync threads
            Path dir = Files.createDirectories(su.slotDirectory(slot));
            for (int f = 0; f < 3; f++) {
                byte[] data = new byte[1000 * slot + 7 * f + 1];
                Files.write(dir.resolve("seg" + f + ".fits"), data);
                expected += data.length;
            }
        }
        assertThat(Sums.sync(su.directory())).isEqualTo(expected);
        assertThat(Sums.sync(Files.createDirectories(home.resolve("SUM0/empty")))).isZero();
        Path gone = home.resolve("SUM0/D999999");
        assertThatThrownBy(() -> Sums.sync(gone)).isInstanceOf(StorageException.class)
                .hasMessageContaining("Cannot sync " + gone);
    }

    @Test
    void allocMakesADirectoryOnAPartitionAndAnUncommittedRow() throws Exception {
        StorageUnit su = sums.alloc(7, 1024, 0);
        assertThat(su.directory()).isDirectory();
        assertThat(su.directory().getFileName().toString()).isEqualTo("D" + su.sunum());
        assertThat(su.directory().getParent()).isIn(home.resolve("SUM0"), home.resolve("SUM1"));
        assertThat(su.slotDirectory(3).getFileName().toString()).isEqualTo("S00003");
        assertThat(queryInt("SELECT status FROM sums.sum_partn_alloc WHERE ds_index = " + su.sunum()))
                .isEqualTo(SumsStatus.DARW);
    }

    @Test
    void putRecordsSizeRetentionAndArchiveFlag() throws Exception {
        StorageUnit kept = sums.alloc(1, 0, 2);
        Files.write(kept.directory().resolve("a.bin"), new byte[1000]);
        StorageUnit archived = sums.alloc(1, 0, 2);
        Files.write(archived.directory().resolve("b.bin"), new byte[10]);
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            sums.put(c, kept, 1, "test.s", 0, 5, 2, "me");
            sums.put(c, archived, 1, "test.s", 1, 30, 2, "me");
            c.commit();
            Map<Long, Sums.Info> info = sums.get(c, List.of(kept.sunum(), archived.sunum(), 999999L), false, 0);
            c.commit();
            assertThat(info).containsOnlyKeys(kept.sunum(), archived.sunum());
            Sums.Info k = info.get(kept.sunum());
            assertThat(k.bytes()).isEqualTo(1000);
            assertThat(k.online()).isTrue();
            assertThat(k.path()).isEqualTo(kept.directory());
            assertThat(k.owningSeries()).isEqualTo("test.s");
            assertThat(k.status()).isEqualTo(SumsStatus.DADP);
            assertThat(k.effectiveDate()).isEqualTo("202601151200"); // now + 5 days
            Sums.Info a = info.get(archived.sunum());
            assertThat(a.status()).as("no tape library: delete pending").isEqualTo(SumsStatus.DADP);
            assertThat(a.effectiveDate()).isEqualTo("202602091200"); // now + 30 days
        }
        Sums withTapes = new Sums(ds, List.of(home.resolve("SUM0")), clock, true);
        StorageUnit taped = withTapes.alloc(1, 0, 2);
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            withTapes.put(c, taped, 1, "test.s", 1, 30, 2, "me");
            c.commit();
            assertThat(withTapes.get(c, List.of(taped.sunum()), false, 0).get(taped.sunum()).status())
                    .as("archive pending").isEqualTo(SumsStatus.DAAP);
            assertThat(queryInt("SELECT archive_substatus FROM sums.sum_partn_alloc WHERE ds_index = "
                    + taped.sunum())).isEqualTo(SumsStatus.DAADP);
        }
    }

    @Test
    void getWithTouchExtendsRetentionAsSumsDoes() throws Exception {
        StorageUnit su = sums.alloc(1, 0, 0);
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            sums.put(c, su, 1, "test.s", 0, 10, 0, "me"); // effective 2026-01-20 12:00
            c.commit();
            // negative retention: max(current, now + |r| + 3 days): 2 + 3 days is earlier than the current date
            sums.get(c, List.of(su.sunum()), true, -2);
            c.commit();
            assertThat(effectiveDate(c, su)).isEqualTo("202601201200");
            // negative retention, longer: now + 20 + 3 days
            sums.get(c, List.of(su.sunum()), true, -20);
            c.commit();
            assertThat(effectiveDate(c, su)).isEqualTo("202602021200");
            // positive retention sets now + r + 3 days even when that is earlier
            sums.get(c, List.of(su.sunum()), true, 1);
            c.commit();
            assertThat(effectiveDate(c, su)).isEqualTo("202601141200");
        }
    }

    @Test
    void deleteRemovesTheRowsAndNamesTheDirectories() throws Exception {
        StorageUnit su = sums.alloc(1, 0, 0);
        Files.writeString(su.directory().resolve("x"), "x");
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            sums.put(c, su, 1, "test.s", 0, 10, 0, "me");
            c.commit();
            // the rows go in the transaction; the directories are the caller's to remove after the commit
            assertThat(sums.delete(c, List.of(su.sunum()))).containsExactly(su.directory());
            assertThat(su.directory()).isDirectory();
            c.commit();
            assertThat(sums.get(c, List.of(su.sunum()), false, 0)).isEmpty();
        }
    }

    @Test
    void aPartitionDisabledForWritingIsNotUsedAndNoRoomIsAClearError() throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE sums.sum_partn_avail SET pds_set_num = -1 WHERE partn_name = '"
                    + home.resolve("SUM0") + "'");
        }
        for (int i = 0; i < 5; i++) {
            assertThat(sums.alloc(1, 0, 0).directory().getParent()).isEqualTo(home.resolve("SUM1"));
        }
        assertThatThrownBy(() -> sums.alloc(1, Long.MAX_VALUE, 0)).isInstanceOf(StorageException.class)
                .hasMessageContaining("No SUMS partition has");
    }

    @Test
    void theSweepKeepsALiveSessionsUnitsAndRemovesThemOnceItsTransactionHasEnded()
            throws Exception {
        try (Connection session = ds.getConnection(); Connection other = ds.getConnection()) {
            session.setAutoCommit(false);
            long sid;
            // what DrmsSession does: take the session id and hold the advisory lock on it in its transaction
            try (Statement s = session.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT id, pg_advisory_xact_lock(id) FROM nextval('drms.drms_sessionid_seq') AS id")) {
                rs.next();
                sid = rs.getLong(1);
            }
            try (PreparedStatement ps = other.prepareStatement(
                    "INSERT INTO drms.drms_session (sessionid, sessionns, status) VALUES (?, 'test', 'open')")) {
                ps.setLong(1, sid);
                ps.executeUpdate();
            }
            StorageUnit su = sums.alloc(sid, 0, 0);
            assertThat(sums.sweep()).as("the session's transaction still runs").isEmpty();
            assertThat(su.directory()).isDirectory();

            // the transaction ends without a commit (its process gone before cleaning up); the pooled connection
            // lives on and goes on to other work
            session.rollback();
            try (Statement s = session.createStatement()) {
                s.executeQuery("SELECT 1").close();
            }
            assertThat(sums.sweep()).containsExactly(su.directory());
            assertThat(su.directory()).doesNotExist();
            assertThat(queryInt("SELECT count(*) FROM sums.sum_partn_alloc WHERE status = 1")).isZero();
            assertThat(queryInt("SELECT count(*) FROM drms.drms_session WHERE status = 'open'")).isZero();
            session.rollback();
        }
    }

    @Test
    void theSweepRemovesDirectoriesThatNoRowOwns() throws Exception {
        Path stray = home.resolve("SUM1").resolve("D987654");
        Files.createDirectories(stray.resolve("S00000"));
        Path notAUnit = home.resolve("SUM1").resolve("Downloads");
        Files.createDirectories(notAUnit);
        assertThat(sums.sweep()).containsExactly(stray);
        assertThat(notAUnit).isDirectory();
    }

    @Test
    void theSweepRemovesTheLeftoverDirectoryOfAUnitTakenOfflineAndKeepsOnlineUnitsAndLiveAllocations()
            throws Exception {
        StorageUnit online = sums.alloc(1, 0, 0);
        StorageUnit offline = sums.alloc(1, 0, 0);
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            sums.put(c, online, 1, "test.s", 0, 10, 0, "me");
            sums.put(c, offline, 1, "test.s", 1, 10, 0, "me");
            // what the scrub commits for an archived unit, and then a crash before its rm -rf: the row stays
            // (offline, to be staged back), the allocation row goes, the directory is left
            try (Statement s = c.createStatement()) {
                s.executeUpdate("UPDATE sums.sum_main SET archive_status = 'Y', online_status = 'N' WHERE ds_index = "
                        + offline.sunum());
                s.executeUpdate("DELETE FROM sums.sum_partn_alloc WHERE ds_index = " + offline.sunum());
            }
            c.commit();
        }
        try (Connection session = ds.getConnection()) {
            session.setAutoCommit(false);
            long sid;
            try (Statement s = session.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT id, pg_advisory_xact_lock(id) FROM nextval('drms.drms_sessionid_seq') AS id")) {
                rs.next();
                sid = rs.getLong(1);
            }
            StorageUnit live = sums.alloc(sid, 0, 0);

            assertThat(sums.sweep()).containsExactly(offline.directory());

            assertThat(offline.directory()).doesNotExist();
            assertThat(online.directory()).isDirectory();
            assertThat(live.directory()).isDirectory();
            assertThat(queryInt("SELECT count(*) FROM sums.sum_main WHERE online_status = 'N' AND ds_index = "
                    + offline.sunum())).as("the offline unit's row stays").isEqualTo(1);
            session.rollback();
        }
    }

    @Test
    void aPartitionClaimedByAnotherCatalogIsRefusedAndNeverSwept() throws Exception {
        Path foreign = home.resolve("FOREIGN");
        Files.createDirectories(foreign.resolve("D42"));
        Files.writeString(foreign.resolve(Sums.MARKER), "00000000-0000-0000-0000-000000000000\n");
        Sums other = new Sums(ds, List.of(home.resolve("SUM0"), foreign), clock);
        assertThatThrownBy(other::registerPartitions).isInstanceOf(StorageException.class)
                .hasMessageContaining("belongs to another catalog");
        assertThat(other.sweep()).isEmpty();
        assertThat(foreign.resolve("D42")).isDirectory();
        assertThat(Files.readString(home.resolve("SUM0").resolve(Sums.MARKER)).trim())
                .hasSize(36).isNotEqualTo("00000000-0000-0000-0000-000000000000");
    }

    private String effectiveDate(Connection c, StorageUnit su) throws Exception {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT effective_date FROM sums.sum_partn_alloc WHERE ds_index = ?")) {
            ps.setLong(1, su.sunum());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    @Test
    void allocOfflineTakesOverTheAllocationOfADeadSessionButNotOfALiveOne() throws Exception {
        // session 41 began restoring unit 500 and wrote a file
        StorageUnit first = sums.allocOffline(41, 500, 0, 0);
        Files.write(first.directory().resolve("half.fits"), new byte[100]);
        try (Connection live = ds.getConnection()) {
            live.setAutoCommit(false);
            try (Statement s = live.createStatement()) {
                s.execute("SELECT pg_advisory_xact_lock(41)"); // session 41's transaction is running
            }
            assertThatThrownBy(() -> sums.allocOffline(42, 500, 0, 0)).isInstanceOf(StorageException.class)
                    .hasMessage("Storage unit 500 is online or being staged already");
            assertThat(first.directory().resolve("half.fits")).exists();
            live.rollback(); // session 41 is over (as when its process dies)
        }
        StorageUnit second = sums.allocOffline(42, 500, 0, 0);
        assertThat(second.directory()).isDirectory().isEmptyDirectory();
        if (!second.directory().equals(first.directory())) {
            assertThat(first.directory()).doesNotExist();
        }
        assertThat(queryInt("SELECT sumid FROM sums.sum_partn_alloc WHERE ds_index = 500")).isEqualTo(42);
        assertThat(queryInt("SELECT count(*) FROM sums.sum_partn_alloc WHERE ds_index = 500")).isEqualTo(1);
    }

    private int queryInt(String sql) throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
