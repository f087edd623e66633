package org.drmsbatch.drms;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import com.zaxxer.hikari.HikariDataSource;
import org.drmsbatch.ChildJvm;
import org.drmsbatch.TestDatabase;
import org.drmsbatch.drms.types.DrmsType;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.sums.StorageUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process killed with SIGKILL inside an open session: after the start-up sweep the catalog and the disk agree
 * (the committed session is complete, the uncommitted one left nothing), and a sweep never removes the
 * directories of a session that is still alive.
 */
class SessionKillTest {

    private static final int N = 5;

    @TempDir
    Path home;

    @Test
    void aSessionKilledMidTransactionLeavesNothingAfterTheSweep() throws Exception {
        String url = TestDatabase.newDatabase();
        String user = TestDatabase.user();
        Path stderr = home.resolve("child.err");
        ChildJvm jvm = ChildJvm.start(SessionKillChild.class, stderr, url, user, home.toString(), String.valueOf(N));
        Process child = jvm.process();
        try {
            BlockingQueue<String> lines = jvm.lines();

            List<Path> uncommitted = new ArrayList<>();
            boolean inSession = false;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!inSession) {
                String l = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                assertThat(l).as("child output (stderr: %s)", readQuietly(stderr)).isNotNull().isNotEqualTo("EOF");
                if (l.startsWith("DIR ")) {
                    uncommitted.add(Path.of(l.substring(4)));
                } else if (l.equals("IN_SESSION")) {
                    inSession = true;
                }
            }
            // 3 records, unitsize 2: two storage units, allocated and filled but not committed
            assertThat(uncommitted).hasSize(2);
            assertThat(uncommitted).allSatisfy(d -> {
                assertThat(d).isDirectory();
                assertThat(d.resolve("S00000").resolve("image.fits")).isRegularFile();
            });
            assertThat(child.isAlive()).isTrue();

            child.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no rollback by the JVM
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).isEqualTo(137);

            // the server notices the closed socket and ends the backend; the sweep keys on that
            awaitNoOpenSessionBackend(url, user);

            try (HikariDataSource ds = SessionKillChild.dataSource(url, user)) {
                Drms drms = SessionKillChild.drms(ds, home);
                List<Path> removed = drms.sweep();
                assertThat(removed).containsAll(uncommitted);
                assertThat(uncommitted).allSatisfy(d -> assertThat(d).doesNotExist());

                List<Record> records = drms.read(s -> s.open(SessionKillChild.SERIES, 0));
                assertThat(records).extracting(r -> r.get("FSN")).containsExactly(0, 1, 2, 3, 4);
                for (Record r : records) {
                    int fsn = (Integer) r.get("FSN");
                    assertThat(r.segmentPath("image")).isRegularFile();
                    SegmentArray a = r.read("image", DrmsType.SHORT);
                    assertThat(a.dims()).containsExactly(8, 8);
                    assertThat(a.shorts()).containsExactly(SessionKillChild.image(fsn));
                }
                assertDiskAndCatalogAgree(url, user, home);
                assertThat(count(url, user, "SELECT count(*) FROM sums.sum_partn_alloc WHERE status = 1"))
                        .isZero();
                assertThat(count(url, user, "SELECT count(*) FROM drms.drms_session WHERE status = 'open'"))
                        .isZero();
                // a second sweep has nothing left to do
                assertThat(drms.sweep()).isEmpty();
            }
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void aSweepWhileASessionIsOpenLeavesThatSessionsDirectories() throws Exception {
        String url = TestDatabase.newDatabase();
        String user = TestDatabase.user();
        org.flywaydb.core.Flyway.configure().dataSource(url, user, null).locations("classpath:db/migration")
                .load().migrate();
        try (HikariDataSource ds = SessionKillChild.dataSource(url, user)) {
            Drms drms = SessionKillChild.drms(ds, home);
            drms.createSeries(new JsdParser().parse("test.kill.jsd", SessionKillChild.JSD), false);

            CountDownLatch written = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicReference<List<Path>> dirs = new AtomicReference<>();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                try {
                    drms.inSession(s -> {
                        List<Record> rs = s.create(SessionKillChild.SERIES, 3);
                        for (int i = 0; i < rs.size(); i++) {
                            rs.get(i).set("FSN", i);
                            rs.get(i).write("image", SegmentArray.ofShorts(SessionKillChild.image(i), 8, 8));
                        }
                        s.close(rs, DrmsSession.Action.INSERT);
                        dirs.set(s.storageUnits().stream().map(StorageUnit::directory).toList());
                        written.countDown();
                        try {
                            assertThat(release.await(60, TimeUnit.SECONDS)).isTrue();
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                        return null;
                    });
                } catch (Throwable t) {
                    failure.set(t);
                    written.countDown();
                }
            });
            writer.start();
            assertThat(written.await(60, TimeUnit.SECONDS)).isTrue();
            assertThat(failure.get()).isNull();
            assertThat(dirs.get()).hasSize(2).allSatisfy(d -> assertThat(d).isDirectory());

            List<Path> removed = drms.sweep(); // the writer's backend is alive: its session may still commit
            assertThat(removed).isEmpty();
            assertThat(dirs.get()).allSatisfy(d -> assertThat(d.resolve("S00000/image.fits")).isRegularFile());

            release.countDown();
            writer.join(60_000);
            assertThat(failure.get()).isNull();
            assertThat(drms.sweep()).isEmpty();
            List<Record> records = drms.read(s -> s.open(SessionKillChild.SERIES, 0));
            assertThat(records).hasSize(3);
            for (Record r : records) {
                assertThat(r.read("image", DrmsType.SHORT).shorts())
                        .containsExactly(SessionKillChild.image((Integer) r.get("FSN")));
            }
            assertDiskAndCatalogAgree(url, user, home);
        }
    }

    private static void assertDiskAndCatalogAgree(String url, String user, Path home) throws Exception {
        Set<String> owned = new HashSet<>();
        try (Connection c = DriverManager.getConnection(url, user, null); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT ds_index FROM sums.sum_main")) {
            while (rs.next()) {
                owned.add(StorageUnit.directoryName(rs.getLong(1)));
            }
        }
        List<String> onDisk;
        try (Stream<Path> s = Files.list(SessionKillChild.partition(home))) {
            onDisk = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("D")).toList();
        }
        assertThat(onDisk).isNotEmpty();
        assertThat(owned).containsAll(onDisk);
    }

    private static void awaitNoOpenSessionBackend(String url, String user) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String sql = """
                SELECT count(*) FROM drms.drms_session d JOIN pg_stat_activity p
                  ON p.pid = d.backend_pid AND p.backend_start = d.backend_start
                WHERE d.status = 'open'""";
        while (count(url, user, sql) > 0) {
            assertThat(System.nanoTime()).as("the killed session's backend is still alive").isLessThan(deadline);
            TimeUnit.MILLISECONDS.sleep(50); // polling the server for the backend's exit
        }
    }

    private static long count(String url, String user, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user, null); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "<" + e + ">";
        }
    }
}
