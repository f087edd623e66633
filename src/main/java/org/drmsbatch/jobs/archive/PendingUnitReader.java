package org.drmsbatch.jobs.archive;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import org.drmsbatch.sums.SumsStatus;
import org.drmsbatch.sums.tape.TapeArchive;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamReader;
import org.springframework.batch.infrastructure.item.ItemStreamSupport;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Reads the storage units waiting for archive (JSOC's tapearc query): allocation status DAAP (4), online and not
 * yet archived, optionally of one owning series, ordered by tape group then sunum, so that a chunk mostly goes to
 * one volume.
 *
 * <p>Keyset paging, a page of {@code pageSize} (the chunk size) per query, after the last unit handed out: its tape
 * group and sunum ({@code <name>.group}, {@code <name>.last}) are kept in the step ExecutionContext at each commit,
 * so a restart resumes after the last committed chunk. Reading is idempotent anyway: an archived unit is no longer
 * DAAP, and the writer checks each unit again under a row lock before it writes it.
 */
public class PendingUnitReader extends ItemStreamSupport implements ItemStreamReader<TapeArchive.Unit> {

    static final String GROUP = "group";
    static final String LAST = "last";

    private final JdbcTemplate jdbc;
    private final String series;
    private final int pageSize;

    private int group;
    private long last;
    private final Deque<TapeArchive.Unit> page = new ArrayDeque<>();
    private boolean done;

    /**
     * @param jdbc     on the main DataSource
     * @param series   only units owned by this series (null: all)
     * @param pageSize units fetched per query (at least 1)
     */
    public PendingUnitReader(JdbcTemplate jdbc, String series, int pageSize) {
        if (pageSize < 1) {
            throw new IllegalArgumentException("page size must be at least 1, not " + pageSize);
        }
        this.jdbc = jdbc;
        this.series = series;
        this.pageSize = pageSize;
        setName("pendingUnitReader");
    }

    @Override
    public void open(ExecutionContext context) {
        group = context.getInt(getExecutionContextKey(GROUP), Integer.MIN_VALUE);
        last = context.getLong(getExecutionContextKey(LAST), Long.MIN_VALUE);
        page.clear();
        done = false;
    }

    @Override
    public TapeArchive.Unit read() {
        if (page.isEmpty() && !done) {
            List<TapeArchive.Unit> next = next();
            page.addAll(next);
            done = next.size() < pageSize;
        }
        TapeArchive.Unit u = page.poll();
        if (u != null) {
            group = u.group();
            last = u.sunum();
        }
        return u;
    }

    private List<TapeArchive.Unit> next() {
        List<Object> args = new ArrayList<>(List.of(group, last));
        String bySeries = "";
        if (series != null) {
            bySeries = " AND lower(m.owning_series) = lower(?)";
            args.add(series);
        }
        args.add(pageSize);
        String sql = """
                SELECT m.ds_index, m.online_loc, coalesce(m.storage_group, 0) AS tape_group, m.bytes
                FROM sums.sum_partn_alloc a JOIN sums.sum_main m ON m.ds_index = a.ds_index
                WHERE a.status = %d AND m.online_status = 'Y' AND m.archive_status = 'N'
                  AND (coalesce(m.storage_group, 0), m.ds_index) > (?, ?)%s
                ORDER BY tape_group, m.ds_index LIMIT ?""".formatted(SumsStatus.DAAP, bySeries);
        return jdbc.query(sql,
                (rs, i) -> new TapeArchive.Unit(rs.getLong(1), Path.of(rs.getString(2)), rs.getInt(3), rs.getLong(4)),
                args.toArray());
    }

    @Override
    public void update(ExecutionContext context) {
        context.putInt(getExecutionContextKey(GROUP), group);
        context.putLong(getExecutionContextKey(LAST), last);
    }

    @Override
    public void close() {
        page.clear();
    }
}
