package org.drmsbatch.readers;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.stream.Collectors;

import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.query.Query;
import org.drmsbatch.drms.query.RecordSets;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamException;
import org.springframework.batch.infrastructure.item.ItemStreamReader;
import org.springframework.batch.infrastructure.item.ItemStreamSupport;

/**
 * Reads the records of a record-set query, its record sets one after the other, each in recnum order, a page at
 * a time ({@link RecordSets#page}).
 *
 * <p>The record set is the one that existed when the step first opened the reader: for each record set the
 * largest recnum of its series is taken then and kept in the step ExecutionContext (key {@code <name>.bounds}),
 * and only rows up to it count, for choosing versions too. So records written while the job runs, such as clones
 * into the same series (new versions of the same prime keys), are never read, and do not hide the records they
 * were made from. The position, the record set and the recnum of the last record handed out ({@code <name>.set},
 * {@code <name>.last}), is saved at every commit, so a restart resumes after the last committed record.
 *
 * <p>An optional recnum range {@code [from, to]} restricts the reader to the records of the record set whose
 * recnum lies in it (versions are still chosen among all rows of the snapshot), for partitioning; each
 * partition's step keeps its own position and snapshot.
 */
public class RecordSetReader extends ItemStreamSupport implements ItemStreamReader<Record> {

    public static final int DEFAULT_PAGE_SIZE = 100;
    static final String SET = "set";
    static final String LAST = "last";
    static final String BOUNDS = "bounds";

    private final RecordSets recordSets;
    private final int pageSize;
    private final long from;
    private final long to;

    private final Query query;
    private long[] bounds;
    private int set;
    private long last;
    private final Deque<Record> page = new ArrayDeque<>();
    private boolean setDone;

    /** All records of {@code query}, pages of {@value #DEFAULT_PAGE_SIZE}. */
    public RecordSetReader(RecordSets recordSets, Query query) {
        this(recordSets, query, DEFAULT_PAGE_SIZE, 1, Long.MAX_VALUE);
    }

    /**
     * The records of {@code query} whose recnum lies in {@code [from, to]} (none when from &gt; to).
     *
     * @param recordSets the catalog's record sets (their statement timeout holds for the reader's queries)
     * @param query      the record-set query, parsed (with {@link RecordSets#parseWithoutFiles} for a job)
     * @param pageSize   records fetched per query (at least 1)
     */
    public RecordSetReader(RecordSets recordSets, Query query, int pageSize, long from, long to) {
        if (pageSize < 1) {
            throw new IllegalArgumentException("page size must be at least 1, not " + pageSize);
        }
        this.recordSets = recordSets;
        this.query = query;
        this.pageSize = pageSize;
        this.from = from;
        this.to = to;
        setName("recordSetReader");
    }

    /** The index in the query of the record set of the record {@link #read} returned last. */
    public int set() {
        return set;
    }

    /** The query read. */
    public Query query() {
        return query;
    }

    @Override
    public void open(ExecutionContext context) {
        int n = query.sets().size();
        String boundsKey = getExecutionContextKey(BOUNDS);
        if (context.containsKey(boundsKey)) {
            bounds = Arrays.stream(context.getString(boundsKey).split(",")).mapToLong(Long::parseLong).toArray();
            if (bounds.length != n) {
                throw new ItemStreamException("the saved position has " + bounds.length + " record sets, the query '"
                        + query + "' has " + n);
            }
        } else {
            bounds = new long[n];
            for (int i = 0; i < n; i++) {
                bounds[i] = recordSets.maxRecnum(query, i);
            }
        }
        set = context.containsKey(getExecutionContextKey(SET)) ? context.getInt(getExecutionContextKey(SET)) : 0;
        last = context.containsKey(getExecutionContextKey(LAST)) ? context.getLong(getExecutionContextKey(LAST))
                : from - 1;
        page.clear();
        setDone = false;
        save(context);
    }

    @Override
    public Record read() {
        while (set < bounds.length) {
            if (page.isEmpty() && !setDone) {
                long after = Math.max(last, from - 1);
                List<Record> next = after >= Math.min(to, bounds[set]) ? List.of()
                        : recordSets.page(query, set, after, to, bounds[set], pageSize);
                page.addAll(next);
                setDone = next.size() < pageSize;
            }
            Record r = page.poll();
            if (r != null) {
                last = r.recnum();
                return r;
            }
            set++;
            last = from - 1;
            setDone = false;
        }
        return null;
    }

    @Override
    public void update(ExecutionContext context) {
        save(context);
    }

    private void save(ExecutionContext context) {
        context.putString(getExecutionContextKey(BOUNDS),
                Arrays.stream(bounds).mapToObj(Long::toString).collect(Collectors.joining(",")));
        context.putInt(getExecutionContextKey(SET), set);
        context.putLong(getExecutionContextKey(LAST), last);
    }

    @Override
    public void close() {
        page.clear();
    }
}
