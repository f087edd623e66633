package org.drmsbatch.drms;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.bench.Bench;
import org.drmsbatch.drms.types.DrmsType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Creating 100 000 records with 10 keywords and no segments through DRMS sessions of 1 000 records, in records per
 * second, next to the limits measured in the same run on the same database: a plain JDBC batch insert
 * ({@code reWriteBatchedInserts=true}) and a COPY of the same rows, each in chunks of 1 000 rows per transaction, into
 * plain tables with the series table's columns and indexes. Target: sessions reach at least half of COPY.
 *
 * <p>Speed is reported, not asserted; correctness is asserted (counts and one session per 1 000 records after each
 * run, the same rows in all three tables at the end). The {@link Bench} harness runs the three paths after a warm-up
 * round, in alternation over at least 5 rounds, each round into fresh tables (after a CHECKPOINT); medians, spreads
 * and the per-round ratios are printed. Run with {@code ./mvnw -o test -Pbench -Dtest=SessionInsertBenchmark}.
 */
@Tag("benchmark")
@SpringBootTest
class SessionInsertBenchmark {

    private static final String SERIES = "bench.inserts";
    private static final String JDBC_TABLE = "public.bench_jdbc";
    private static final String COPY_TABLE = "public.bench_copy";
    private static final int RECORDS = 100_000;
    private static final int CHUNK = 1_000;

    /** The 10 keywords, in table order: name, type. */
    private static final String[] NAMES = {"FSN", "SERIAL", "CRVAL1", "CRVAL2", "CDELT1", "EXPTIME", "DSUN_OBS",
        "DATAMEAN", "T_OBS", "INSTRUME"};
    private static final DrmsType[] TYPES = {DrmsType.INT, DrmsType.LONGLONG, DrmsType.DOUBLE, DrmsType.DOUBLE,
        DrmsType.DOUBLE, DrmsType.DOUBLE, DrmsType.DOUBLE, DrmsType.FLOAT, DrmsType.TIME, DrmsType.STRING};

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry, home);
    }

    @Autowired
    Drms drms;

    @Value("${spring.datasource.url}")
    String url;

    // ---- the rows: the same values for every path ----

    static int fsn(int i) {
        return i;
    }

    static long serial(int i) {
        return 5_000_000_000L + i;
    }

    static double crval1(int i) {
        return i * 0.001;
    }

    static double crval2(int i) {
        return 0.5 - i * 0.002;
    }

    static double cdelt1(int i) {
        return 0.504 + (i % 7) * 1e-4;
    }

    static double exptime(int i) {
        return 0.135 + (i % 3);
    }

    static double dsun(int i) {
        return 1.496e11 + i * 1234.5;
    }

    static float datamean(int i) {
        return (i % 1000) * 0.25f + 0.1f;
    }

    static double tobs(int i) {
        return 1.1e9 + i * 45.0;
    }

    static String instrume(int i) {
        return i % 2 == 0 ? "HMI_FRONT2" : "HMI_SIDE1";
    }

    static SeriesDefinition series() {
        List<KeywordDef> k = new ArrayList<>();
        for (int i = 0; i < NAMES.length; i++) {
            k.add(TestSeries.kw(NAMES[i], TYPES[i], "DRMS_MISSING_VALUE"));
        }
        return new SeriesDefinition(SERIES, "bench", "bench", 1, 0, 5, 0, 0, List.of("FSN"), List.of(),
                "session insert benchmark: 10 keywords, no segments", "", false, k, List.of(), List.of());
    }

    // ---- the three paths ----

    /** Where the time of the session path goes, summed over a run (nanoseconds). */
    static final class Splits {
        long register;
        long create;
        long set;
        long close;
        long total;

        void add(Splits o) {
            register += o.register;
            create += o.create;
            set += o.set;
            close += o.close;
            total += o.total;
        }

        String perSession(int sessions) {
            long rest = total - register - create - set - close;
            return String.format(Locale.ROOT, "per 1000-record session: register %.2f ms | create %.2f ms | set %.2f ms"
                    + " | close %.2f ms | tx+commit %.2f ms", register / 1e6 / sessions, create / 1e6 / sessions,
                    set / 1e6 / sessions, close / 1e6 / sessions, rest / 1e6 / sessions);
        }
    }

    /** (a) sessions of CHUNK records: create, 10 keywords each, close INSERT. */
    long sessions(int n, Splits splits) {
        long t0 = System.nanoTime();
        for (int base = 0; base < n; base += CHUNK) {
            int b = base;
            long s0 = System.nanoTime();
            drms.inSession(s -> {
                long r0 = System.nanoTime();
                s.id(); // the session registration create would do on first use, timed on its own
                long c0 = System.nanoTime();
                List<Record> rs = s.create(SERIES, CHUNK);
                long c1 = System.nanoTime();
                for (int j = 0; j < rs.size(); j++) {
                    int i = b + j;
                    Record r = rs.get(j);
                    r.set("FSN", fsn(i));
                    r.set("SERIAL", serial(i));
                    r.set("CRVAL1", crval1(i));
                    r.set("CRVAL2", crval2(i));
                    r.set("CDELT1", cdelt1(i));
                    r.set("EXPTIME", exptime(i));
                    r.set("DSUN_OBS", dsun(i));
                    r.set("DATAMEAN", datamean(i));
                    r.set("T_OBS", tobs(i));
                    r.set("INSTRUME", instrume(i));
                }
                long c2 = System.nanoTime();
                s.close(rs, DrmsSession.Action.INSERT);
                long c3 = System.nanoTime();
                if (splits != null) {
                    splits.register += c0 - r0;
                    splits.create += c1 - c0;
                    splits.set += c2 - c1;
                    splits.close += c3 - c2;
                }
                return null;
            });
            if (splits != null) {
                splits.total += System.nanoTime() - s0;
            }
        }
        return System.nanoTime() - t0;
    }

    static String columnList() {
        return "recnum, sunum, slotnum, sessionid, sessionns, "
                + Arrays.stream(NAMES).map(n -> n.toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "));
    }

    /** (b) JDBC batch of CHUNK rows per transaction, reWriteBatchedInserts=true. */
    long jdbcBatch(String table, int n) throws SQLException {
        String rewrite = url + (url.contains("?") ? "&" : "?") + "reWriteBatchedInserts=true";
        try (Connection c = DriverManager.getConnection(rewrite, TestDatabase.user(), null)) {
            c.setAutoCommit(false);
            long t0 = System.nanoTime();
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (" + columnList()
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                for (int base = 0; base < n; base += CHUNK) {
                    for (int i = base; i < base + CHUNK; i++) {
                        ps.setLong(1, i + 1L);
                        ps.setLong(2, -1L);
                        ps.setInt(3, -1);
                        ps.setLong(4, base / CHUNK + 1L);
                        ps.setString(5, "drms");
                        ps.setInt(6, fsn(i));
                        ps.setLong(7, serial(i));
                        ps.setDouble(8, crval1(i));
                        ps.setDouble(9, crval2(i));
                        ps.setDouble(10, cdelt1(i));
                        ps.setDouble(11, exptime(i));
                        ps.setDouble(12, dsun(i));
                        ps.setFloat(13, datamean(i));
                        ps.setDouble(14, tobs(i));
                        ps.setString(15, instrume(i));
                        ps.addBatch();
                    }
                    ps.executeBatch();
                    c.commit();
                }
            }
            return System.nanoTime() - t0;
        }
    }

    /** (c) COPY of CHUNK rows per transaction (text format, built in a StringBuilder, sent as UTF-8 bytes). */
    long copy(String table, int n) throws Exception {
        try (Connection c = DriverManager.getConnection(url, TestDatabase.user(), null)) {
            c.setAutoCommit(false);
            CopyManager cm = c.unwrap(PGConnection.class).getCopyAPI();
            String sql = "COPY " + table + " (" + columnList() + ") FROM STDIN";
            long t0 = System.nanoTime();
            StringBuilder sb = new StringBuilder(CHUNK * 160);
            for (int base = 0; base < n; base += CHUNK) {
                sb.setLength(0);
                for (int i = base; i < base + CHUNK; i++) {
                    sb.append(i + 1L).append("\t-1\t-1\t").append(base / CHUNK + 1L).append("\tdrms\t")
                            .append(fsn(i)).append('\t').append(serial(i)).append('\t')
                            .append(crval1(i)).append('\t').append(crval2(i)).append('\t')
                            .append(cdelt1(i)).append('\t').append(exptime(i)).append('\t')
                            .append(dsun(i)).append('\t').append(datamean(i)).append('\t')
                            .append(tobs(i)).append('\t').append(instrume(i)).append('\n');
                }
                cm.copyIn(sql, new ByteArrayInputStream(sb.toString().getBytes(StandardCharsets.UTF_8)));
                c.commit();
            }
            return System.nanoTime() - t0;
        }
    }

    // ---- set-up and checks ----

    /** A fresh series table and fresh plain tables with the same columns and indexes (no defaults, no sequence). */
    void freshTables() throws SQLException {
        drms.createSeries(series(), true);
        try (Connection c = DriverManager.getConnection(url, TestDatabase.user(), null);
             Statement s = c.createStatement()) {
            for (String t : List.of(JDBC_TABLE, COPY_TABLE)) {
                s.execute("DROP TABLE IF EXISTS " + t);
                s.execute("CREATE TABLE " + t + " (LIKE " + SeriesCatalog.table(series()) + " INCLUDING INDEXES)");
            }
            try {
                s.execute("CHECKPOINT"); // start every timed path from a clean WAL state (needs superuser)
            } catch (SQLException notSuperuser) {
                // fine: noisier figures
            }
        }
    }

    long sql(String query) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, TestDatabase.user(), null);
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    void checkRun(int n) throws SQLException {
        long count = drms.read(s -> s.count(SERIES));
        assertThat(count).isEqualTo(n);
        String series = SeriesCatalog.table(series());
        assertThat(sql("SELECT count(*) FROM " + series)).isEqualTo(n);
        assertThat(sql("SELECT count(DISTINCT recnum) FROM " + series)).isEqualTo(n);
        assertThat(sql("SELECT count(DISTINCT sessionid) FROM " + series)).isEqualTo(n / CHUNK);
        assertThat(sql("SELECT count(*) FROM " + JDBC_TABLE)).isEqualTo(n);
        assertThat(sql("SELECT count(*) FROM " + COPY_TABLE)).isEqualTo(n);
    }

    /** The keyword columns hold the same rows in the series table and both plain tables. */
    void checkSameRows() throws SQLException {
        String cols = Arrays.stream(NAMES).map(x -> x.toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "));
        String series = SeriesCatalog.table(series());
        for (String t : List.of(JDBC_TABLE, COPY_TABLE)) {
            assertThat(sql("SELECT count(*) FROM (SELECT " + cols + " FROM " + series + " EXCEPT SELECT " + cols
                    + " FROM " + t + ") x")).as("series rows missing from " + t).isZero();
            assertThat(sql("SELECT count(*) FROM (SELECT " + cols + " FROM " + t + " EXCEPT SELECT " + cols
                    + " FROM " + series + ") x")).as(t + " rows missing from the series").isZero();
        }
        Record last = drms.read(s -> s.open(SERIES, -1).get(0));
        int i = RECORDS - 1;
        assertThat(last.get("FSN")).isEqualTo(fsn(i));
        assertThat(last.get("SERIAL")).isEqualTo(serial(i));
        assertThat(last.get("CRVAL2")).isEqualTo(crval2(i));
        assertThat(last.get("DATAMEAN")).isEqualTo(datamean(i));
        assertThat(last.get("T_OBS")).isEqualTo(tobs(i));
        assertThat(last.get("INSTRUME")).isEqualTo(instrume(i));
    }

    static double rate(long nanos, int n) {
        return n / (nanos / 1e9);
    }

    @Test
    void sessionInsertsAgainstJdbcBatchAndCopy() throws Exception {
        String series = SeriesCatalog.table(series());
        Splits splits = new Splits();
        int[] sessionRuns = {0};
        new Bench("SessionInsertBenchmark", RECORDS + " records, 10 keywords, no segments, " + (RECORDS / CHUNK)
                + " x " + CHUNK + " per transaction")
                .beforeEachRound(round -> freshTables())
                .rate("sessions", "records/s", () -> {
                    Splits mine = new Splits();
                    double r = rate(sessions(RECORDS, mine), RECORDS);
                    assertThat(drms.<Long>read(s -> s.count(SERIES))).isEqualTo(RECORDS);
                    assertThat(sql("SELECT count(DISTINCT sessionid) FROM " + series)).isEqualTo(RECORDS / CHUNK);
                    if (sessionRuns[0]++ > 0) { // not the warm-up's
                        splits.add(mine);
                    }
                    return r;
                })
                .rate("JDBC batch", "records/s", () -> {
                    double r = rate(jdbcBatch(JDBC_TABLE, RECORDS), RECORDS);
                    assertThat(sql("SELECT count(*) FROM " + JDBC_TABLE)).isEqualTo(RECORDS);
                    return r;
                })
                .rate("COPY", "records/s", () -> {
                    double r = rate(copy(COPY_TABLE, RECORDS), RECORDS);
                    assertThat(sql("SELECT count(*) FROM " + COPY_TABLE)).isEqualTo(RECORDS);
                    return r;
                })
                .compare("sessions", "COPY", 0.5)
                .compare("sessions", "JDBC batch")
                .run();
        System.out.println("where the sessions' time went, " + splits.perSession((sessionRuns[0] - 1)
                * (RECORDS / CHUNK)));
        checkRun(RECORDS);
        checkSameRows();
    }
}
