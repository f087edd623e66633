package org.drmsbatch.jobs.archive;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import javax.sql.DataSource;

import org.drmsbatch.jobs.ChunkHooks;
import org.drmsbatch.sums.SumsStatus;
import org.drmsbatch.sums.tape.TapeArchive;
import org.drmsbatch.sums.tape.TapeFile;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamSupport;
import org.springframework.batch.infrastructure.item.ItemStreamWriter;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Writes a chunk of storage units to tape with {@link TapeArchive#archive}, in the chunk's transaction: its
 * connection is the one the chunk's {@code DataSourceTransactionManager} holds ({@link DataSourceUtils} on the main
 * DataSource). The tape files are forced to the medium before the rows are written, and the rows (sum_file,
 * sum_tape, sum_main, the allocation DAAP &rarr; DADP/DAPERM) commit with the chunk: a chunk's units count as
 * archived only once complete and durable. A chunk that rolls back leaves tape files past the volumes' committed
 * ends, which the next write to those volumes cuts off.
 *
 * <p>Each unit is checked again under a row lock on its allocation: a unit archived meanwhile (by another run,
 * whose chunk this one waits for) is no longer DAAP and is left out, so no unit is archived twice.
 *
 * <p>Counts of this step execution, kept in the step ExecutionContext and committed with their chunk:
 * {@value #UNITS} (units archived), {@value #BYTES} (their bytes, as sum_main has them) and {@value #VOLUMES}
 * (the labels of the volumes written, comma-separated).
 */
public class TapeArchiveWriter extends ItemStreamSupport implements ItemStreamWriter<TapeArchive.Unit> {

    public static final String UNITS = "archive.units";
    public static final String BYTES = "archive.bytes";
    public static final String VOLUMES = "archive.volumes";

    private final DataSource dataSource;
    private final TapeArchive archive;
    private final int copies;
    private final int copyGroupOffset;
    private final ChunkHooks.Hook hook;

    private long units;
    private long bytes;
    private final Set<String> volumes = new TreeSet<>();
    private long written;

    /**
     * @param dataSource      the main DataSource, whose connection the chunk's transaction holds
     * @param archive         the catalog's side of the tape library
     * @param copies          1 or 2
     * @param copyGroupOffset added to a unit's tape group for its second copy
     * @param hook            reached by each unit of this step execution once its tape files are forced, before
     *                        the chunk commits (none in the product)
     */
    public TapeArchiveWriter(DataSource dataSource, TapeArchive archive, int copies, int copyGroupOffset,
            ChunkHooks.Hook hook) {
        this.dataSource = dataSource;
        this.archive = archive;
        this.copies = copies;
        this.copyGroupOffset = copyGroupOffset;
        this.hook = hook;
    }

    @Override
    public void write(Chunk<? extends TapeArchive.Unit> chunk) throws Exception {
        if (chunk.isEmpty()) {
            return;
        }
        Connection tx = DataSourceUtils.getConnection(dataSource);
        List<TapeArchive.Unit> pending = stillPending(tx, chunk.getItems());
        if (pending.isEmpty()) {
            return;
        }
        Map<Long, List<TapeFile>> files = archive.archive(tx, pending, copies, copyGroupOffset);
        long chunkBytes = 0;
        Set<String> chunkVolumes = new HashSet<>();
        for (TapeArchive.Unit u : pending) {
            chunkBytes += u.bytes();
            files.get(u.sunum()).forEach(f -> chunkVolumes.add(f.volume()));
            hook.reached(++written, "unit " + u.sunum());
        }
        count(pending.size(), chunkBytes, chunkVolumes);
    }

    /** The units of the chunk still waiting for archive, their allocation rows locked until the chunk ends. */
    private static List<TapeArchive.Unit> stillPending(Connection tx, List<? extends TapeArchive.Unit> units)
            throws Exception {
        Set<Long> locked = new HashSet<>();
        Array sunums = tx.createArrayOf("bigint", units.stream().map(TapeArchive.Unit::sunum).toArray());
        try (PreparedStatement ps = tx.prepareStatement("""
                SELECT ds_index FROM sums.sum_partn_alloc WHERE ds_index = ANY (?) AND status = %d
                ORDER BY ds_index FOR UPDATE""".formatted(SumsStatus.DAAP))) {
            ps.setArray(1, sunums);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    locked.add(rs.getLong(1));
                }
            }
        } finally {
            sunums.free();
        }
        List<TapeArchive.Unit> out = new ArrayList<>();
        for (TapeArchive.Unit u : units) {
            if (locked.contains(u.sunum())) {
                out.add(u);
            }
        }
        return out;
    }

    /** Adds a chunk's counts now and takes them back if its transaction rolls back. */
    private void count(long chunkUnits, long chunkBytes, Set<String> chunkVolumes) {
        Set<String> before = new TreeSet<>(volumes);
        units += chunkUnits;
        bytes += chunkBytes;
        volumes.addAll(chunkVolumes);
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCompletion(int status) {
                    if (status != STATUS_COMMITTED) {
                        units -= chunkUnits;
                        bytes -= chunkBytes;
                        volumes.retainAll(before);
                    }
                }
            });
        }
    }

    /** Counts start at zero in each step execution: they are what this execution archived. */
    @Override
    public void open(ExecutionContext context) {
        units = 0;
        bytes = 0;
        volumes.clear();
        written = 0;
    }

    @Override
    public void update(ExecutionContext context) {
        context.putLong(UNITS, units);
        context.putLong(BYTES, bytes);
        context.putString(VOLUMES, String.join(",", volumes));
    }
}
