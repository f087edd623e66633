package org.drmsbatch.jobs.stage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.SeriesDefinition;
import org.drmsbatch.jobs.ChunkHooks;
import org.drmsbatch.sums.StorageException;
import org.drmsbatch.sums.StorageUnit;
import org.drmsbatch.staging.StagingStore;
import org.drmsbatch.sums.Sums;
import org.drmsbatch.sums.tape.TapeArchive;
import org.drmsbatch.sums.tape.TapeException;
import org.drmsbatch.sums.tape.TapeFile;
import org.drmsbatch.sums.tape.TapeLibrary;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamWriter;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Restores a chunk of storage units from tape in the DRMS session of the chunk's transaction (SUMS' get with
 * retrieval): for each unit still offline, a directory ({@link DrmsSession#restoreUnit}) and the unit's tape file
 * read into it ({@link TapeLibrary.Drive#read}, length and MD5 checked). The chunk commit makes the chunk's units
 * online (DARO, for the retention asked or their series' staging retention) together; a rollback removes their
 * directories and they stay offline. A unit online by now (staged by a run that died after its commit, or by
 * another request) is passed over, so nothing is staged twice.
 *
 * <p>The drive stays mounted across units and chunks: the partition's units come volume by volume in position
 * order, so each volume is mounted once; the next volume is mounted when the volume changes, and the drive is
 * released when the step closes.
 *
 * <p>A unit whose tape file cannot be read (a checksum mismatch, a volume damaged or missing) is read from its next
 * copy (its second copy is on another volume); when no copy can be read, its directory and allocation go at once
 * ({@link DrmsSession#abandonRestore}), it is recorded as failed with each copy's reason, and the chunk's other
 * units still commit. A volume missing from the library is marked damaged ({@link TapeArchive#markDamaged}) in the
 * chunk's transaction and not tried again by this partition; a checksum mismatch condemns one tape file, not its
 * volume.
 *
 * <p>Kept in the step's ExecutionContext, committed with their chunk: {@value #STAGED}, {@value #ONLINE} (units found
 * online) and {@value #FAILED} (the failed units and why, see {@link StageFailures}).
 */
public class RestoredUnitWriter implements ItemStreamWriter<Long> {

    static final String STAGED = "stage.staged";
    static final String ONLINE = "stage.online";
    static final String FAILED = "stage.failed";

    private final Drms drms;
    private final TapeArchive archive;
    private final Integer retention;
    private final int defaultRetention;
    private final ChunkHooks.Hook hook;

    private final Map<String, Integer> seriesRetention = new HashMap<>();
    /** Volumes found missing by this partition, and why: not mounted again. */
    private final Map<String, String> damaged = new HashMap<>();
    private TapeLibrary.Drive drive;
    private long staged;
    private long online;
    private Map<Long, String> failed = new LinkedHashMap<>();
    private long reached;

    /**
     * @param retention        days the staged units stay online, or null for each unit's series' staging retention
     * @param defaultRetention when neither gives one ({@code drms.session.default-retention})
     * @param hook             reached by each unit restored (none in the product; a test's may pause there)
     */
    public RestoredUnitWriter(Drms drms, TapeArchive archive, Integer retention, int defaultRetention,
                              ChunkHooks.Hook hook) {
        this.drms = drms;
        this.archive = archive;
        this.retention = retention;
        this.defaultRetention = defaultRetention;
        this.hook = hook;
    }

    @Override
    public void write(Chunk<? extends Long> chunk) throws Exception {
        if (chunk.isEmpty()) {
            return;
        }
        DrmsSession s = drms.session();
        Connection c = s.connection();
        List<Long> sunums = new ArrayList<>(chunk.getItems());
        Map<Long, Sums.Info> info = drms.sums().get(c, sunums, false, 0);
        Map<Long, List<TapeFile>> copies = archive.locations(c, sunums);
        long chunkStaged = 0;
        long chunkOnline = 0;
        Map<Long, String> chunkFailed = new LinkedHashMap<>();
        List<String> chunkDamaged = new ArrayList<>();
        List<Long> nowOnline = new ArrayList<>();
        for (long sunum : sunums) {
            Sums.Info i = info.get(sunum);
            if (i == null) {
                chunkFailed.put(sunum, "unknown storage unit (deleted since the request was planned)");
                continue;
            }
            if (i.online()) {
                chunkOnline++;
                nowOnline.add(sunum);
                continue;
            }
            List<TapeFile> files = copies.getOrDefault(sunum, List.of());
            if (files.isEmpty()) {
                chunkFailed.put(sunum, "offline and never archived: its data are gone");
                continue;
            }
            StorageUnit su;
            try {
                su = s.restoreUnit(sunum, i.group(), retention(i.owningSeries()));
            } catch (StorageException e) {
                chunkFailed.put(sunum, e.getMessage());
                continue;
            }
            List<String> reasons = new ArrayList<>();
            boolean read = false;
            for (TapeFile f : files) {
                String known = damaged.get(f.volume());
                if (known != null) {
                    reasons.add(known);
                    continue;
                }
                try {
                    driveFor(f.volume()).read(f, TapeArchive.tapeName(sunum), su.directory());
                    read = true;
                    break;
                } catch (TapeException e) {
                    reasons.add(e.getMessage());
                    if (!archive.library().has(f.volume())) {
                        String why = "volume " + f.volume() + " is missing: " + e.getMessage();
                        damaged.put(f.volume(), e.getMessage());
                        chunkDamaged.add(f.volume());
                        archive.markDamaged(c, f.volume(), why);
                    }
                    empty(su.directory());
                }
            }
            if (!read) {
                s.abandonRestore(su);
                chunkFailed.put(sunum, String.join("; ", reasons));
                continue;
            }
            chunkStaged++;
            nowOnline.add(sunum);
            hook.reached(++reached, "storage unit " + sunum);
        }
        // the staging requests waiting for these units learn it in the same commit
        StagingStore.ready(c, nowOnline);
        StagingStore.failed(c, chunkFailed);
        count(chunkStaged, chunkOnline, chunkFailed, chunkDamaged);
    }

    /** The drive holding {@code volume}: the one mounted when it holds it, else that one released and it mounted. */
    private TapeLibrary.Drive driveFor(String volume) throws InterruptedException {
        if (drive != null && drive.volume().equals(volume)) {
            return drive;
        }
        release();
        drive = archive.library().mount(volume);
        return drive;
    }

    private void release() {
        if (drive != null) {
            TapeLibrary.Drive d = drive;
            drive = null;
            d.close();
        }
    }

    private int retention(String series) {
        if (retention != null) {
            return retention;
        }
        if (series == null) {
            return defaultRetention;
        }
        return seriesRetention.computeIfAbsent(series.toLowerCase(java.util.Locale.ROOT), k -> {
            // looked up without an exception: a failed lookup would mark the chunk's transaction rollback-only
            SeriesDefinition def = drms.listSeries("^" + Pattern.quote(series) + "$").stream().findFirst()
                    .orElse(null);
            return def != null && def.stagingRetention() > 0 ? def.stagingRetention() : defaultRetention;
        });
    }

    /** Removes what a failed read left in a unit's directory, so the next copy is read into an empty one. */
    private static void empty(Path dir) {
        Sums.deleteTree(dir);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new StorageException("Cannot make " + dir + " again after a failed tape read: " + e, e);
        }
    }

    /** Adds a chunk's counts now and takes them back if its transaction rolls back. */
    private void count(long chunkStaged, long chunkOnline, Map<Long, String> chunkFailed, List<String> chunkDamaged) {
        staged += chunkStaged;
        online += chunkOnline;
        Map<Long, String> before = new LinkedHashMap<>(failed);
        failed.putAll(chunkFailed);
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCompletion(int status) {
                    if (status != STATUS_COMMITTED) {
                        staged -= chunkStaged;
                        online -= chunkOnline;
                        failed = before;
                        chunkDamaged.forEach(damaged::remove); // its mark rolled back: found again next time
                    }
                }
            });
        }
    }

    @Override
    public void open(ExecutionContext context) {
        staged = context.getLong(STAGED, 0L);
        online = context.getLong(ONLINE, 0L);
        failed = StageFailures.parse(context.containsKey(FAILED) ? context.getString(FAILED) : null);
        reached = 0;
    }

    @Override
    public void update(ExecutionContext context) {
        context.putLong(STAGED, staged);
        context.putLong(ONLINE, online);
        context.putString(FAILED, StageFailures.format(failed));
    }

    @Override
    public void close() {
        release();
    }
}
