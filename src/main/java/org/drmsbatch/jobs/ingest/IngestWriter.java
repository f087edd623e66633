package org.drmsbatch.jobs.ingest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ItemWriter;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Makes a chunk's inbox files records, in the DRMS session of the chunk's transaction: keywords set, each file
 * linked (same filesystem) or copied and synced into its record's storage unit as the segment, the rows and the
 * ingest ledger rows inserted. After the commit the inbox files are deleted (completing the move); a rollback leaves
 * them in the inbox and the session's new storage units are removed.
 */
class IngestWriter implements ItemWriter<InboxFile> {

    private static final Logger log = LoggerFactory.getLogger(IngestWriter.class);

    private final Drms drms;
    private final Path inbox;
    private final String series;
    private final String segment;

    IngestWriter(Drms drms, Path inbox, String series, String segment) {
        this.drms = drms;
        this.inbox = inbox;
        this.series = series;
        this.segment = segment;
    }

    @Override
    public void write(Chunk<? extends InboxFile> chunk) {
        if (chunk.isEmpty()) {
            return;
        }
        DrmsSession s = drms.session();
        List<? extends InboxFile> items = chunk.getItems();
        List<Record> records = new ArrayList<>(s.create(series, items.size()));
        for (int i = 0; i < items.size(); i++) {
            InboxFile f = items.get(i);
            Record r = records.get(i);
            for (Map.Entry<String, Object> k : f.keywords().entrySet()) {
                r.set(k.getKey(), k.getValue());
            }
            r.adoptFile(segment, f.file(), f.dims(), f.bzero(), f.bscale());
        }
        s.close(records, DrmsSession.Action.INSERT);
        for (int i = 0; i < items.size(); i++) {
            IngestLedger.record(s.connection(), inbox, items.get(i), series, records.get(i).recnum());
        }
        List<Path> files = items.stream().map(InboxFile::file).toList();
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                for (Path f : files) {
                    try {
                        Files.deleteIfExists(f);
                    } catch (IOException e) { // the next run's ledger check deletes it
                        log.warn("ingest: cannot delete the ingested {}: {}", f, e.toString());
                    }
                }
            }
        });
    }
}
