package org.drmsbatch.drms.query;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsException;
import org.drmsbatch.drms.KeywordDef;
import org.drmsbatch.drms.LinkDef;
import org.drmsbatch.drms.OfflineException;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.SegmentDef;
import org.drmsbatch.drms.SeriesCatalog;
import org.drmsbatch.drms.SeriesDefinition;
import org.drmsbatch.drms.types.DrmsType;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.sums.SumsStatus;

/**
 * The catalog reads of the status site ({@code /status}), kept cheap on series of millions of records: record
 * counts come from exact {@code count(*)} only for small tables and from PostgreSQL's statistics otherwise (see
 * {@link SeriesCount}); the latest records and a keyword's trend read the last rows by the recnum primary key
 * ({@code ORDER BY recnum DESC LIMIT n}), an index scan whatever the series' size.
 */
public class SiteReads {

    /** Tables up to this size (bytes, heap only) are counted exactly. */
    public static final long EXACT_COUNT_BYTES = 8L << 20;

    private final Drms drms;

    public SiteReads(Drms drms) {
        this.drms = drms;
    }

    /** The database server's version, e.g. {@code 17.2}; throws when the database does not answer. */
    public String databaseVersion() {
        return drms.read(s -> {
            try (Statement st = s.connection().createStatement();
                    ResultSet rs = st.executeQuery("SHOW server_version")) {
                rs.next();
                return rs.getString(1);
            } catch (SQLException e) {
                throw new DrmsException("The database does not answer: " + e.getMessage(), e);
            }
        });
    }

    /**
     * A series and its number of records (every version: rows of its table).
     *
     * @param records the count
     * @param exact   true: {@code count(*)} (tables up to {@link #EXACT_COUNT_BYTES}); false: PostgreSQL's estimate
     *                {@code pg_class.reltuples} (as of the last ANALYZE/VACUUM), or, never analyzed, the largest
     *                recnum (an upper bound)
     */
    public record SeriesCount(String name, String description, long records, boolean exact, int keywords,
                              int segments) {
    }

    /** Every series with its record count, by name. */
    public List<SeriesCount> series() {
        List<SeriesDefinition> defs = drms.listSeries(null);
        return drms.read(s -> {
            List<SeriesCount> out = new ArrayList<>();
            for (SeriesDefinition d : defs) {
                out.add(count(s.connection(), d));
            }
            out.sort((a, b) -> a.name().compareToIgnoreCase(b.name()));
            return out;
        });
    }

    /** One series' record count, see {@link SeriesCount}. */
    public SeriesCount series(String name) {
        SeriesDefinition d = drms.describeSeries(name);
        return drms.read(s -> count(s.connection(), d));
    }

    private static SeriesCount count(Connection c, SeriesDefinition d) {
        String table = SeriesCatalog.table(d);
        try {
            long records;
            boolean exact;
            long bytes;
            double reltuples;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT pg_relation_size(?::regclass), reltuples FROM pg_class WHERE oid = ?::regclass")) {
                ps.setString(1, table);
                ps.setString(2, table);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    bytes = rs.getLong(1);
                    reltuples = rs.getDouble(2);
                }
            }
            String sql;
            if (bytes <= EXACT_COUNT_BYTES) {
                sql = "SELECT count(*) FROM " + table;
                exact = true;
            } else if (reltuples >= 0) {
                sql = null;
                exact = false;
            } else {
                sql = "SELECT coalesce(max(recnum), 0) FROM " + table;
                exact = false;
            }
            if (sql == null) {
                records = (long) reltuples;
            } else {
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                    rs.next();
                    records = rs.getLong(1);
                }
            }
            int keywords = (int) d.keywords().stream().filter(k -> !k.implicit()).count();
            return new SeriesCount(d.name(), d.description(), records, exact, keywords, d.segments().size());
        } catch (SQLException e) {
            throw new DrmsException("Cannot count the records of " + d.name() + ": " + e.getMessage(), e);
        }
    }

    /** A record as the site shows it: its keywords printed with their formats, in definition order. */
    public record RecordRow(long recnum, long sunum, Map<String, String> keywords) {
    }

    /** The keywords the site's tables show: explicit ones, not implicit (bzero, cparms). */
    public static List<KeywordDef> shownKeywords(SeriesDefinition d) {
        return d.keywords().stream().filter(k -> !k.implicit()).toList();
    }

    /** The last {@code n} records of a series by recnum, newest first. */
    public List<RecordRow> latest(String series, int n) {
        return drms.read(s -> {
            SeriesDefinition d = s.definition(series);
            List<RecordRow> out = new ArrayList<>();
            try (Statement st = s.connection().createStatement();
                    ResultSet rs = st.executeQuery("SELECT * FROM " + SeriesCatalog.table(d)
                            + " ORDER BY recnum DESC LIMIT " + Math.max(1, n))) {
                for (Record r : s.records(series, rs)) {
                    out.add(row(r, d));
                }
            } catch (SQLException e) {
                throw new DrmsException("Cannot read the latest records of " + series + ": " + e.getMessage(), e);
            }
            return out;
        });
    }

    private static RecordRow row(Record r, SeriesDefinition d) {
        Map<String, String> k = new LinkedHashMap<>();
        for (KeywordDef kd : shownKeywords(d)) {
            if (!kd.isLink()) {
                k.put(kd.name(), r.format(kd.name()));
            }
        }
        return new RecordRow(r.recnum(), r.sunum(), k);
    }

    /** A running job's records by state ({@link RecordStatus#ofExecution}); all zero for a job that keeps none. */
    public Map<String, Long> progress(long jobExecution) {
        return drms.read(s -> org.drmsbatch.drms.RecordStatus.ofExecution(s.connection(), jobExecution));
    }

    /**
     * One point of a keyword's trend: a record's recnum, its time (TAI seconds of the series' time prime key; NaN when
     * the series has none or the record's is missing) and the keyword's value (NaN when missing).
     */
    public record TrendPoint(long recnum, double time, double value) {
    }

    /** A keyword's trend: the time prime key it is plotted over (null: by recnum), and its points, oldest first. */
    public record Trend(String timeKey, List<TrendPoint> points) {
    }

    /**
     * The series' first prime key of type time (T_REC, T_OBS, T_START…), the axis a keyword's time series is plotted
     * over; null when it has none.
     */
    public static String timeKey(SeriesDefinition d) {
        for (String name : d.primeKeys()) {
            Optional<KeywordDef> k = d.keyword(name);
            if (k.isPresent() && k.get().isColumn() && k.get().type() == DrmsType.TIME) {
                return k.get().name();
            }
        }
        return null;
    }

    /**
     * A numeric keyword's values over the last {@code n} records by recnum (oldest first), with each record's time
     * when the series has a time prime key: the keyword must be a column of the series (not linked, not constant) of a
     * numeric or time type.
     */
    public Trend trend(String series, String keyword, int n) {
        return drms.read(s -> {
            SeriesDefinition d = s.definition(series);
            KeywordDef k = d.keyword(keyword).orElseThrow(() -> new DrmsException(
                    "Series '" + d.name() + "' has no keyword '" + keyword + "'"));
            if (!k.isColumn() || k.type() == DrmsType.STRING) {
                throw new DrmsException("Keyword '" + k.name() + "' of " + d.name()
                        + " is not a numeric column: a trend needs a number or a time");
            }
            String timeKey = timeKey(d);
            KeywordDef t = timeKey == null ? null : d.keyword(timeKey).orElseThrow();
            List<TrendPoint> out = new ArrayList<>();
            try (Statement st = s.connection().createStatement();
                    ResultSet rs = st.executeQuery("SELECT recnum, " + SeriesCatalog.quote(k.column())
                            + "::double precision, " + (t == null ? "NULL" : SeriesCatalog.quote(t.column()))
                            + "::double precision FROM " + SeriesCatalog.table(d) + " ORDER BY recnum DESC LIMIT "
                            + Math.max(1, n))) {
                while (rs.next()) {
                    double v = rs.getDouble(2);
                    boolean missing = rs.wasNull() || k.type().isMissing(missingProbe(k.type(), v));
                    double time = rs.getDouble(3);
                    boolean noTime = rs.wasNull() || t == null || t.type().isMissing(missingProbe(t.type(), time));
                    out.add(new TrendPoint(rs.getLong(1), noTime ? Double.NaN : time, missing ? Double.NaN : v));
                }
            } catch (SQLException e) {
                throw new DrmsException("Cannot read " + k.name() + " of " + series + ": " + e.getMessage(), e);
            }
            java.util.Collections.reverse(out);
            return new Trend(timeKey, out);
        });
    }

    private static Object missingProbe(DrmsType type, double v) {
        return switch (type) {
            case CHAR -> (byte) v;
            case SHORT -> (short) v;
            case INT -> (int) v;
            case LONGLONG -> (long) v;
            case FLOAT -> (float) v;
            default -> v;
        };
    }

    /** A segment of a record: its file, dimensions, whether it is online. */
    public record SegmentInfo(String name, String type, String file, List<Integer> dims, boolean online,
                              String description) {
        /** Whether the site can draw it as an image: two axes, data present and online. */
        public boolean image() {
            return dims.size() == 2 && file != null && online;
        }
    }

    /** A link of a record: the target series and record (recnum), or null when unset or gone. */
    public record LinkInfo(String name, String targetSeries, Long targetRecnum) {
    }

    /** A record with its keywords, links and segments. */
    public record RecordPage(String series, RecordRow row, List<LinkInfo> links, List<SegmentInfo> segments,
                             Map<String, String> units) {
    }

    /** A record by recnum, if it exists. */
    public Optional<RecordPage> record(String series, long recnum) {
        return drms.read(s -> {
            SeriesDefinition d = s.definition(series);
            Optional<Record> found = s.open(d.name(), recnum);
            if (found.isEmpty()) {
                return Optional.empty();
            }
            Record r = found.get();
            List<LinkInfo> links = new ArrayList<>();
            for (LinkDef l : d.links()) {
                Long target = r.follow(l.name()).map(Record::recnum).orElse(null);
                links.add(new LinkInfo(l.name(), l.targetSeries(), target));
            }
            List<SegmentInfo> segs = new ArrayList<>();
            for (SegmentDef sd : d.segments()) {
                String file = sd.isLink() ? null : r.segmentFile(sd.name());
                boolean online;
                List<Integer> dims = new ArrayList<>();
                try {
                    r.segmentPath(sd.name());
                    online = true;
                } catch (OfflineException e) {
                    online = false;
                } catch (DrmsException e) {
                    online = false;
                }
                if (!sd.isLink()) {
                    for (int a : r.dimensions(sd.name())) {
                        dims.add(a);
                    }
                }
                segs.add(new SegmentInfo(sd.name(), String.valueOf(sd.type()), file, dims, online,
                        sd.description()));
            }
            Map<String, String> units = new LinkedHashMap<>();
            for (KeywordDef k : shownKeywords(d)) {
                if (k.unit() != null && !k.unit().isBlank() && !"none".equalsIgnoreCase(k.unit())) {
                    units.put(k.name(), k.unit());
                }
            }
            return Optional.of(new RecordPage(d.name(), row(r, d), links, segs, units));
        });
    }

    /**
     * A 2-D segment's values as doubles with its two axis lengths, for a preview: {@code [nx, ny]} in
     * {@code dims}. Throws when the record, the segment or its file is missing, or it is not 2-D.
     */
    public record Image(double[] data, int nx, int ny) {
    }

    public Image image(String series, long recnum, String segment) {
        return drms.read(s -> {
            Record r = s.open(series, recnum).orElseThrow(() -> new DrmsException(
                    "Series '" + series + "' has no record " + recnum));
            SegmentArray a = r.read(segment, DrmsType.DOUBLE);
            if (a.naxis() != 2) {
                throw new DrmsException("Segment '" + segment + "' of " + r + " has " + a.naxis()
                        + " axes: a preview needs 2");
            }
            return new Image(a.doubles(), a.dim(0), a.dim(1));
        });
    }

    /**
     * Storage units by state: online, archived (on tape; online or not), offline (not on disk), and waiting for
     * archive (DAAP allocations). One pass over {@code sums.sum_main}: about 100 ms per million units.
     */
    public Map<String, Long> units() {
        return drms.read(s -> {
            Map<String, Long> out = new LinkedHashMap<>();
            try (PreparedStatement ps = s.connection().prepareStatement("""
                    SELECT count(*) FILTER (WHERE online_status = 'Y'),
                           count(*) FILTER (WHERE archive_status = 'Y'),
                           count(*) FILTER (WHERE online_status <> 'Y'),
                           (SELECT count(*) FROM sums.sum_partn_alloc WHERE status = ?)
                    FROM sums.sum_main""")) {
                ps.setInt(1, SumsStatus.DAAP);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    out.put("online", rs.getLong(1));
                    out.put("archived", rs.getLong(2));
                    out.put("offline", rs.getLong(3));
                    out.put("waiting for archive", rs.getLong(4));
                }
            } catch (SQLException e) {
                throw new DrmsException("Cannot count the storage units: " + e.getMessage(), e);
            }
            return out;
        });
    }
}
