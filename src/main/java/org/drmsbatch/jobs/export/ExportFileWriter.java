package org.drmsbatch.jobs.export;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.drmsbatch.drms.RecordStatus;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.export.ExportException;
import org.drmsbatch.export.ExportManifest;
import org.drmsbatch.export.ExportPackager;
import org.drmsbatch.export.FileNameTemplate;
import org.drmsbatch.segments.AtomicFile;
import org.drmsbatch.segments.FitsCompression;
import org.drmsbatch.segments.FitsFormat;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamException;
import org.springframework.batch.infrastructure.item.ItemStreamWriter;

/**
 * Writes the files of one partition of an export into the export's directory, each under a temporary name
 * ({@code .<name>.part-…}) renamed to its final name when complete, named by the file-name template, and lists them
 * in the partition's own {@link ExportManifest} (no two partitions write the same manifest). FITS
 * files carry the record's header cards, CHECKSUM and DATASUM, the segment's own type and scaling, and the
 * export's compression (or the segment's); as-is files are copies of the stored files.
 *
 * <p>Durability: each file is forced to disk before its rename, and the directory once per chunk, before the
 * chunk's status rows and manifest are written: every file a committed chunk lists is durable. The force and
 * rename of a file run on the writer's sync thread while the next file is written (the disk and the CPU busy at
 * once); the chunk waits for them all, and a failure of any fails it.
 *
 * <p>Restart: the manifest's committed length is kept in the step ExecutionContext; on open the manifest is cut
 * back to it, so the running number ({@code {#}}) and the set of names taken resume from the last commit, and the
 * files of the chunk that did not commit are written again under the same names (replacing them whole). Two
 * files of the partition given the same name fail it with both records named (names given in two partitions are
 * found by the package step, {@link org.drmsbatch.export.ExportPackager}).
 *
 * <p>The directory is the manager's, made and claimed before the partitions start: a writer that finds no
 * {@value ExportPackager#REQUEST_MARKER} in it (a worker on a host where the export directory is not shared)
 * fails rather than writing elsewhere.
 */
public class ExportFileWriter implements ItemStreamWriter<ExportedRecord> {

    static final String MANIFEST_BYTES = "export.manifest.bytes";

    private final Path directory;
    private final String partition;
    private final FileNameTemplate template;
    private final FitsCompression compression;
    private long manifestBytes;
    private long count;
    private final Map<String, String> names = new HashMap<>();
    /** Forces and renames each file while the next is written; started on first use, shut down by close(). */
    private ExecutorService sync;

    /**
     * @param compression the export's compression for FITS files, or null for each segment's definition
     */
    public ExportFileWriter(Path directory, FileNameTemplate template, FitsCompression compression) {
        this(directory, "partition0", template, compression, 0, "export", entries -> {
        });
    }

    /**
     * @param partition    the partition's name, which names its manifest
     * @param jobExecution the job execution named in each record's processing status
     * @param statusStep   the step each record's processing status is kept under
     * @param status       stores each chunk's processing status ({@link RecordStatus}: each record good, with its
     *                     files' bytes) in the chunk's transaction
     */
    public ExportFileWriter(Path directory, String partition, FileNameTemplate template, FitsCompression compression,
            long jobExecution, String statusStep, java.util.function.Consumer<List<RecordStatus.Entry>> status) {
        this.directory = directory;
        this.partition = partition;
        this.template = template;
        this.compression = compression;
        this.jobExecution = jobExecution;
        this.statusStep = statusStep;
        this.status = status;
    }

    private final long jobExecution;
    private final String statusStep;
    private final java.util.function.Consumer<List<RecordStatus.Entry>> status;

    @Override
    public void open(ExecutionContext context) {
        manifestBytes = context.containsKey(MANIFEST_BYTES) ? context.getLong(MANIFEST_BYTES) : 0L;
        if (!Files.isRegularFile(directory.resolve(ExportPackager.REQUEST_MARKER))) {
            throw new ItemStreamException("the export directory " + directory + " (with its "
                    + ExportPackager.REQUEST_MARKER + ") is not there: made by the job's own process, it must be"
                    + " shared with the cluster's workers at the same path (drms.export.directory)");
        }
        try {
            List<ExportManifest.Entry> entries = ExportManifest.truncate(directory, partition, manifestBytes);
            names.clear();
            for (ExportManifest.Entry e : entries) {
                names.put(e.filename(), e.record());
            }
            count = entries.size();
        } catch (IOException e) {
            throw new ItemStreamException("cannot open the export directory " + directory + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void write(Chunk<? extends ExportedRecord> chunk) throws IOException {
        long started = System.nanoTime();
        List<ExportManifest.Entry> written = new ArrayList<>();
        Map<String, String> chunkNames = new HashMap<>();
        List<Long> bytes = new ArrayList<>();
        List<Future<?>> syncs = new ArrayList<>();
        try {
            writeFiles(chunk, written, chunkNames, bytes, syncs);
        } finally {
            settle(syncs);
        }
        if (!chunk.isEmpty()) {
            long millis = (System.nanoTime() - started) / 1_000_000 / chunk.size();
            List<RecordStatus.Entry> entries = new ArrayList<>();
            int k = 0;
            for (ExportedRecord item : chunk) {
                entries.add(new RecordStatus.Entry(item.record().seriesName(), item.record().recnum(), statusStep,
                        RecordStatus.State.GOOD, null, jobExecution, null, null, bytes.get(k++), millis));
            }
            status.accept(entries);
        }
        manifestBytes = ExportManifest.append(directory, partition, written);
        names.putAll(chunkNames);
        count += written.size();
    }

    /**
     * Writes each file under its temporary name on this thread while the file before it is forced and renamed to
     * its name on the sync thread; returns when every file of the chunk is forced, renamed, and the directory
     * forced (a chunk commits only files that are durable). A failure of any fails the chunk; a file not forced is
     * never renamed.
     */
    private void writeFiles(Chunk<? extends ExportedRecord> chunk, List<ExportManifest.Entry> written,
                            Map<String, String> chunkNames, List<Long> bytes, List<Future<?>> syncs)
            throws IOException {
        for (ExportedRecord item : chunk) {
            long size = 0;
            for (ExportedRecord.File f : item.files()) {
                String name = template.name(item.record(), f.segmentFile(), count + written.size());
                String other = names.containsKey(name) ? names.get(name) : chunkNames.get(name);
                if (other != null) {
                    throw new ExportException("file-name template (ffmt) '" + template + "' gives the same name '"
                            + name + "' to " + other + " and " + f.recordSpec()
                            + "; add a field that tells them apart, e.g. {recnum} or {segment}");
                }
                chunkNames.put(name, f.recordSpec());
                Path target = directory.resolve(name);
                Path temp = AtomicFile.writeTemp(target, t -> writeFile(f, t));
                long fileSize;
                try {
                    fileSize = Files.size(temp);
                    syncs.add(sync().submit(() -> {
                        AtomicFile.commit(temp, target);
                        return null;
                    }));
                } catch (IOException | RuntimeException e) {
                    Files.deleteIfExists(temp);
                    throw e;
                }
                written.add(new ExportManifest.Entry(f.recordSpec(), name, fileSize, item.set(),
                        item.record().recnum()));
                size += fileSize;
            }
            bytes.add(size);
        }
        awaitAll(syncs);
        if (!written.isEmpty()) {
            AtomicFile.forceDirectory(directory);
        }
    }

    private ExecutorService sync() {
        if (sync == null) {
            sync = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "export-sync");
                t.setDaemon(true);
                return t;
            });
        }
        return sync;
    }

    /** Waits for every force and rename; the first failure is thrown. */
    private static void awaitAll(List<Future<?>> syncs) throws IOException {
        for (Future<?> f : syncs) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted waiting for the export's files to reach the disk");
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof IOException io) {
                    throw io;
                }
                if (c instanceof RuntimeException re) {
                    throw re;
                }
                if (c instanceof Error err) {
                    throw err;
                }
                throw new IOException(c);
            }
        }
    }

    /** After a failure: lets every force and rename still queued finish, so none runs on into the next chunk. */
    private static void settle(List<Future<?>> syncs) {
        boolean interrupted = false;
        for (Future<?> f : syncs) {
            while (true) {
                try {
                    f.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException | CancellationException e) {
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void writeFile(ExportedRecord.File f, Path temp) throws IOException {
        Path stored = f.source().segmentPath(f.segment().name());
        if (f.cards() == null) {
            Files.copy(stored, temp, StandardCopyOption.REPLACE_EXISTING);
            return;
        }
        SegmentArray a = f.source().read(f.segment().name(), null);
        FitsCompression c = compression != null ? compression
                : FitsFormat.forProtocol(f.segment().protocol()).compression(f.segment().layout());
        try {
            FitsFormat.write(temp, a, c, f.cards(), true);
        } catch (IllegalArgumentException e) {
            throw new ExportException("segment '" + f.segment().name() + "' of " + f.recordSpec() + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public void update(ExecutionContext context) {
        context.putLong(MANIFEST_BYTES, manifestBytes);
    }

    @Override
    public void close() {
        if (sync != null) {
            sync.shutdown();
            sync = null;
        }
    }

    /** Files written so far (committed or not). */
    public long count() {
        return count;
    }
}
