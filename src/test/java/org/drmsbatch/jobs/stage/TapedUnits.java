package org.drmsbatch.jobs.stage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.types.DrmsType;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.sums.Sums;
import org.drmsbatch.sums.tape.TapeArchive;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What the stage tests start from: records of an archived series, one storage unit each, put on tape with
 * {@link TapeArchive#archive} and then taken offline as the scrub does (the row says offline, the allocation row
 * and the directory go). It keeps each unit's files as they were archived, to compare with what a stage restores.
 */
public final class TapedUnits {

    static final int W = 40;
    static final int H = 30;

    private TapedUnits() {
    }

    public static String jsd(String series, int tapeGroup) {
        return """
                Seriesname: %s
                Unitsize: 1
                Archive: 1
                Tapegroup: %d
                StagingRetention: 6
                PrimeKeys: FSN
                Keyword: FSN, int, variable, record, DRMS_MISSING_VALUE, %%d, none, "frame"
                Data: image, variable, float, 2, %d, %d, DN, fits, "", 0.0, 1.0, "image"
                """.formatted(series, tapeGroup, W, H);
    }

    public static float[] image(int fsn) {
        float[] a = new float[W * H];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (100 * Math.sin(0.01 * i * fsn) + fsn);
        }
        return a;
    }

    /** Creates the series with {@code n} records, FSN 1..n, each in its own unit; returns the sunums by FSN. */
    public static List<Long> create(Drms drms, String series, int tapeGroup, int n) {
        drms.createSeries(new JsdParser().parse(series + ".jsd", jsd(series, tapeGroup)), true);
        return drms.inSession(s -> {
            List<Record> rs = s.create(series, n);
            List<Long> sunums = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                rs.get(i).set("FSN", i + 1);
                rs.get(i).write("image", SegmentArray.ofFloats(image(i + 1), W, H));
                sunums.add(rs.get(i).sunum());
            }
            s.close(rs, DrmsSession.Action.INSERT);
            return sunums;
        });
    }

    /** Archives the units in this order ({@code copies} 1 or 2) in one transaction. */
    public static void archive(Drms drms, TapeArchive archive, List<Long> sunums, int copies) {
        drms.inSession(s -> {
            try {
                List<TapeArchive.Unit> units = new ArrayList<>();
                Map<Long, Sums.Info> info = drms.sums().get(s.connection(), sunums, false, 0);
                for (long sunum : sunums) {
                    Sums.Info i = info.get(sunum);
                    units.add(new TapeArchive.Unit(sunum, i.path(), i.group(), i.bytes()));
                }
                archive.archive(s.connection(), units, copies, 1000);
                return null;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Each unit's files (path relative to the unit's directory to bytes), read from the unit's directory now. */
    public static Map<Long, Map<String, byte[]>> files(Drms drms, List<Long> sunums) {
        Map<Long, Map<String, byte[]>> out = new TreeMap<>();
        Map<Long, Sums.Info> info = drms.read(s -> s.storageUnitInfo(sunums));
        for (long sunum : sunums) {
            out.put(sunum, files(info.get(sunum).path()));
        }
        return out;
    }

    public static Map<String, byte[]> files(Path dir) {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isRegularFile(p)) {
                    out.put(dir.relativize(p).toString(), Files.readAllBytes(p));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Takes units offline as the scrub does: the row says offline, the allocation row and the directory go. */
    public static void takeOffline(Drms drms, JdbcTemplate jdbc, List<Long> sunums) {
        Map<Long, Sums.Info> info = drms.read(s -> s.storageUnitInfo(sunums));
        Long[] array = sunums.toArray(Long[]::new);
        jdbc.update("UPDATE sums.sum_main SET online_status = 'N' WHERE ds_index = ANY (?)", (Object) array);
        jdbc.update("DELETE FROM sums.sum_partn_alloc WHERE ds_index = ANY (?)", (Object) array);
        for (Sums.Info i : info.values()) {
            Sums.deleteTree(i.path());
        }
    }

    /** The image values of the series' records by FSN, read through Drms (online units only). */
    public static Map<Integer, float[]> images(Drms drms, String series) {
        Map<Integer, float[]> out = new TreeMap<>();
        for (Record r : drms.read(s -> s.open(series, 0))) {
            out.put(r.getInt("FSN"), r.read("image", DrmsType.FLOAT).floats());
        }
        return out;
    }
}
