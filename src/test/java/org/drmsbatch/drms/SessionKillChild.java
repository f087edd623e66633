package org.drmsbatch.drms;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

import com.zaxxer.hikari.HikariDataSource;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.segments.SegmentFiles;
import org.drmsbatch.sums.StorageUnit;
import org.drmsbatch.sums.Sums;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The child process of {@link SessionKillTest}: commits a first session of N records with FITS segments, then
 * opens a second session, writes segment files into new storage units, prints {@code IN_SESSION} and blocks
 * inside the open transaction until it is killed.
 *
 * <p>Arguments: jdbc-url user home n
 */
public final class SessionKillChild {

    static final String SERIES = "test.kill";
    static final String JSD = """
            Seriesname: test.kill
            Unitsize: 2
            Archive: 0
            Retention: 5
            PrimeKeys: FSN
            Keyword: FSN, int, variable, record, DRMS_MISSING_VALUE, %d, none, "frame"
            Data: image, variable, short, 2, 8, 8, DN, fits, "", 0.0, 1.0, "image"
            """;

    private SessionKillChild() {
    }

    static Path partition(Path home) {
        return home.resolve("sums").resolve("SUM0");
    }

    static HikariDataSource dataSource(String url, String user) {
        HikariDataSource ds = new HikariDataSource();
        ds.setJdbcUrl(url);
        ds.setUsername(user);
        ds.setMaximumPoolSize(6);
        return ds;
    }

    static Drms drms(HikariDataSource ds, Path home) {
        Sums sums = new Sums(ds, List.of(partition(home)));
        sums.registerPartitions();
        return new Drms(ds, new DataSourceTransactionManager(ds), sums, new SegmentFiles(), "drms", 2);
    }

    /** The image of frame {@code fsn}: values fsn*100 + i. */
    static short[] image(int fsn) {
        short[] a = new short[64];
        for (int i = 0; i < a.length; i++) {
            a[i] = (short) (fsn * 100 + i);
        }
        return a;
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String user = args[1];
        Path home = Path.of(args[2]);
        int n = Integer.parseInt(args[3]);
        PrintStream out = System.out;
        Flyway.configure().dataSource(url, user, null).locations("classpath:db/migration").load().migrate();
        HikariDataSource ds = dataSource(url, user);
        Drms drms = drms(ds, home);
        drms.createSeries(new JsdParser().parse("test.kill.jsd", JSD), false);
        drms.inSession(s -> {
            List<Record> rs = s.create(SERIES, n);
            for (int i = 0; i < n; i++) {
                rs.get(i).set("FSN", i);
                rs.get(i).write("image", SegmentArray.ofShorts(image(i), 8, 8));
            }
            s.close(rs, DrmsSession.Action.INSERT);
            return null;
        });
        out.println("COMMITTED");
        out.flush();
        new TransactionTemplate(new DataSourceTransactionManager(ds)).execute(status -> {
            DrmsSession s = drms.session();
            List<Record> rs = s.create(SERIES, 3);
            for (int i = 0; i < rs.size(); i++) {
                rs.get(i).set("FSN", 1000 + i);
                rs.get(i).write("image", SegmentArray.ofShorts(image(1000 + i), 8, 8));
            }
            s.close(rs, DrmsSession.Action.INSERT);
            for (StorageUnit su : s.storageUnits()) {
                out.println("DIR " + su.directory());
            }
            out.println("IN_SESSION");
            out.flush();
            try {
                while (System.in.read() >= 0) {
                    // block inside the open transaction until killed
                }
                Thread.sleep(Long.MAX_VALUE);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return null;
        });
    }
}
