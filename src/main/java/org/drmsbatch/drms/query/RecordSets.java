package org.drmsbatch.drms.query;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsException;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.SeriesDefinition;

/**
 * Runs record-set queries against the catalog: parse, turn into SQL with binds ({@link QuerySql}), execute through
 * {@link CatalogReads}, every statement under the statement timeout: in a read-only transaction of its own
 * ({@code SET LOCAL statement_timeout}), or, for the pages a job's reader reads, in the chunk's transaction with the
 * timeout set around each statement.
 */
public final class RecordSets {

    /** DRMS's own default: queries give up after 10 minutes. */
    public static final Duration DEFAULT_STATEMENT_TIMEOUT = Duration.ofMinutes(10);

    private final Drms drms;
    private final Duration statementTimeout;

    public RecordSets(Drms drms) {
        this(drms, DEFAULT_STATEMENT_TIMEOUT);
    }

    /** @param statementTimeout the longest a query may run (zero: no limit) */
    public RecordSets(Drms drms, Duration statementTimeout) {
        this.drms = drms;
        this.statementTimeout = statementTimeout;
    }

    /** Parses a query against the catalog's series (errors: {@link QueryException} with the position). */
    public Query parse(String query) {
        return drms.read(s -> parse(s, query, Path.of("")));
    }

    /**
     * Parses a query that comes from elsewhere than the command line (a web request, a job parameter): as
     * {@link #parse}, but {@code @file} is refused, so nobody can make the server read its own files.
     */
    public Query parseWithoutFiles(String query) {
        return drms.read(s -> parse(s, query, null));
    }

    /**
     * The records of a query, record sets concatenated in order, each in prime-key order: the first {@code n}
     * when n &gt; 0, the last |n| when n &lt; 0, all when n = 0.
     */
    public List<Record> open(String query, int n) {
        return drms.readEachStatement(s -> withDefinitionsLastRead(s, () -> open(s, parse(s, query, Path.of("")), n)));
    }

    /** The number of records a query selects (what {@code show-info -c} prints). */
    public long count(String query) {
        return drms.readEachStatement(s -> withDefinitionsLastRead(s, () -> count(s, parse(s, query, Path.of("")))));
    }

    /** As {@link #open(String, int)} for a parsed query. */
    public List<Record> open(Query query, int n) {
        return drms.readEachStatement(s -> withDefinitionsLastRead(s, () -> open(s, query, n)));
    }

    /**
     * The records {@link #open(Query, int)} returns, in the same order, read through a cursor in pages of at most
     * {@code pageSize} records, each handed to {@code page} as it is read; {@code page} returns false to stop
     * reading. All pages are read in one read-only transaction (one snapshot), so only one page is held at a time.
     */
    public void stream(Query query, int n, int pageSize, java.util.function.Predicate<List<Record>> page) {
        drms.read(s -> {
            CatalogReads reads = CatalogReads.timed(s, statementTimeout);
            for (RecordSet rs : query.sets()) {
                SeriesDefinition def = s.definition(rs.series());
                boolean more = evaluating(query, rs, () -> reads.read(QuerySql.select(rs, def, n),
                        "read records of " + def.name(), pageSize, rows -> {
                            while (true) {
                                List<Record> records = s.records(def.name(), rows, pageSize);
                                if (records.isEmpty()) {
                                    return true;
                                }
                                if (!page.test(records)) {
                                    return false;
                                }
                            }
                        }));
                if (!more) {
                    break;
                }
            }
            return null;
        });
    }

    /** As {@link #count(String)} for a parsed query. */
    public long count(Query query) {
        return drms.readEachStatement(s -> withDefinitionsLastRead(s, () -> count(s, query)));
    }

    /**
     * The first record of a series: the first of its latest versions in prime-key order, as {@code show_info -s}
     * and jsoc_info's {@code FirstRecord} give it; empty when the series has no records.
     */
    public Optional<Record> first(String series) {
        return end(series, 1);
    }

    /** The last record of a series (see {@link #first(String)}); empty when the series has no records. */
    public Optional<Record> last(String series) {
        return end(series, -1);
    }

    private Optional<Record> end(String series, int n) {
        List<Record> r = drms.read(s -> {
            CatalogReads.timed(s, statementTimeout);
            return s.open(series, n);
        });
        return r.isEmpty() ? Optional.empty() : Optional.of(r.get(0));
    }

    /** The number of records of a series: its latest versions, one per prime-key tuple. */
    public long recordCount(String series) {
        return drms.read(s -> {
            CatalogReads.timed(s, statementTimeout);
            return s.count(series);
        });
    }

    /** The largest recnum of a series, of any version (0 when it has no records). */
    public long maxRecnum(String series) {
        return drms.readEachStatement(s -> {
            SeriesDefinition def = s.definition(series);
            return CatalogReads.timedFromFirstRead(s, statementTimeout).number(QuerySql.maxRecnum(def),
                    "read the largest record number of " + def.name());
        });
    }

    /**
     * One page of record set {@code set} of a query in recnum order (see {@link QuerySql#page}): the records with
     * {@code after < recnum <= through} that the record set selects among the rows with
     * {@code recnum <= snapshot}.
     * Runs in the current transaction when there is one (a chunk), else in a read-only one; the query runs under
     * the statement timeout either way.
     */
    public List<Record> page(Query query, int set, long after, long through, long snapshot, int limit) {
        return drms.read(s -> {
            RecordSet rs = query.sets().get(set);
            SeriesDefinition def = s.definition(rs.series());
            SqlQuery q = QuerySql.page(rs, def, after, through, snapshot, limit);
            return evaluating(query, rs, () -> CatalogReads.within(s, statementTimeout).records(def.name(), q));
        });
    }

    /** The largest recnum of the series of record set {@code set} (0 when empty), under the statement timeout. */
    public long maxRecnum(Query query, int set) {
        return drms.read(s -> {
            SeriesDefinition def = s.definition(query.sets().get(set).series());
            return CatalogReads.within(s, statementTimeout).number(QuerySql.maxRecnum(def),
                    "read the last record number of " + def.name());
        });
    }

    /**
     * The smallest and largest recnum a query selects over all its record sets, as {@code [min, max]}, or
     * {@code [1, 0]} when it selects nothing: the span to split into partitions.
     */
    public long[] recnumSpan(Query query) {
        return drms.readEachStatement(s -> {
            CatalogReads reads = CatalogReads.timedFromFirstRead(s, statementTimeout);
            long min = Long.MAX_VALUE;
            long max = Long.MIN_VALUE;
            for (RecordSet rs : query.sets()) {
                long[] span = evaluating(query, rs, () -> reads.read(QuerySql.recnumSpan(rs,
                        s.definition(rs.series())), "find the record numbers of " + rs, r -> {
                            r.next();
                            return r.getObject(1) == null ? null : new long[] {r.getLong(1), r.getLong(2)};
                        }));
                if (span != null) {
                    min = Math.min(min, span[0]);
                    max = Math.max(max, span[1]);
                }
            }
            return min > max ? new long[] {1, 0} : new long[] {min, max};
        });
    }

    private Query parse(DrmsSession s, String query, Path fileBase) {
        SeriesLookup lookup = name -> find(s, name);
        return parseWith(lookup, query, fileBase);
    }

    /** The text parser with the safe condition parser for {@code [? ?]} and {@code [! !]}. */
    private static Query parseWith(SeriesLookup lookup, String query, Path fileBase) {
        WhereCondition conditions = new WhereCondition();
        // WhereCondition reports positions in the whole query; the parser wants them within the condition text
        ConditionParser relative = (text, offset, def) -> {
            try {
                return conditions.parse(text, offset, def);
            } catch (QueryException e) {
                throw new QueryException(text, Math.max(0, e.position() - offset), e.reason());
            }
        };
        return new QueryParser(lookup, fileBase, relative).parse(query);
    }

    private static Optional<SeriesDefinition> find(DrmsSession s, String name) {
        try {
            return Optional.of(s.definition(name));
        } catch (DrmsException e) {
            return Optional.empty();
        }
    }

    /**
     * Runs {@code work} (whose statements all read through {@link CatalogReads#timedFromFirstRead}) with the series
     * definitions this process last read, when the session has no transaction of its own (autocommit: outside a
     * chunk): no round trip to read them; each statement checks, in the same round trip, that they are unchanged. A
     * changed one (found with the first statement, or when an error may have come from it) is read afresh and the
     * work done again.
     */
    private static <T> T withDefinitionsLastRead(DrmsSession s, Supplier<T> work) {
        if (!CatalogReads.autocommit(s)) {
            return work.get(); // a transaction of the caller's: definitions are read in it
        }
        s.deferDefinitionChecks(true);
        try {
            return work.get();
        } catch (DrmsSession.DefinitionsChanged e) {
            // forgotten: done again below with the definitions read afresh
        } catch (RuntimeException e) {
            if (!changedDefinitions(s)) {
                throw e; // the definitions it used are current: the error is the query's
            }
        } finally {
            s.deferDefinitionChecks(false);
        }
        return work.get();
    }

    /** Checks the definitions a failed work used unchecked (a parse error, say); true when one had changed. */
    private static boolean changedDefinitions(DrmsSession s) {
        try {
            s.checkDefinitions();
            return false;
        } catch (DrmsSession.DefinitionsChanged e) {
            return true;
        }
    }

    /**
     * The statement timeout goes with the first SELECT (one round trip less; outside a transaction, with every
     * SELECT): every statement reads through reads.
     */
    private List<Record> open(DrmsSession s, Query query, int n) {
        CatalogReads reads = CatalogReads.timedFromFirstRead(s, statementTimeout);
        List<Record> out = new ArrayList<>();
        for (RecordSet rs : query.sets()) {
            SeriesDefinition def = s.definition(rs.series());
            out.addAll(evaluating(query, rs, () -> reads.records(def.name(), QuerySql.select(rs, def, n))));
        }
        return out;
    }

    private long count(DrmsSession s, Query query) {
        CatalogReads reads = CatalogReads.timedFromFirstRead(s, statementTimeout);
        long total = 0;
        for (RecordSet rs : query.sets()) {
            total += evaluating(query, rs,
                    () -> reads.number(QuerySql.count(rs, s.definition(rs.series())), "count " + rs));
        }
        return total;
    }

    /**
     * Runs a statement of record set {@code rs}; an error the database finds in the data the condition computes
     * with (SQL state class 22, data exception: division by zero, the square root of a negative number, a value
     * out of range) is the query's: a {@link QueryException} at the position of the record set's condition.
     */
    static <T> T evaluating(Query query, RecordSet rs, Supplier<T> work) {
        try {
            return work.get();
        } catch (DrmsException e) {
            for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                if (c instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("22")) {
                    throw conditionError(query, rs, sql);
                }
            }
            throw e;
        }
    }

    private static QueryException conditionError(Query query, RecordSet rs, SQLException sql) {
        String reason = sql.getMessage() == null ? "SQL state " + sql.getSQLState() : sql.getMessage();
        int nl = reason.indexOf('\n');
        reason = (nl < 0 ? reason : reason.substring(0, nl)).replaceFirst("^ERROR:\\s*", "").trim();
        int position = rs.filters().stream().filter(f -> f instanceof WhereFilter).map(f -> (WhereFilter) f)
                .mapToInt(WhereFilter::position).filter(p -> p >= 0).findFirst().orElse(-1);
        String text = query.text();
        if (text == null || position < 0 || position > text.length()) {
            text = query.toString();
            position = Math.max(0, text.indexOf(rs.toString()));
        }
        return new QueryException(text, position, "the condition cannot be evaluated: " + reason);
    }
}
