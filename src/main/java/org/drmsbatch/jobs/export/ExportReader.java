package org.drmsbatch.jobs.export;

import org.drmsbatch.drms.Record;
import org.drmsbatch.readers.RecordSetReader;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamReader;

/**
 * The export step's reader: the records of a {@link RecordSetReader} (its position and snapshot saved as its own),
 * each with the index of the record set it was read for, so that the files of every partition can be listed in
 * the record-set order.
 */
public class ExportReader implements ItemStreamReader<ExportReader.Item> {

    /** A record and the index of the query's record set it was read for. */
    public record Item(int set, Record record) {
    }

    private final RecordSetReader records;

    public ExportReader(RecordSetReader records) {
        this.records = records;
    }

    @Override
    public Item read() {
        Record r = records.read();
        return r == null ? null : new Item(records.set(), r);
    }

    @Override
    public void open(ExecutionContext context) {
        records.open(context);
    }

    @Override
    public void update(ExecutionContext context) {
        records.update(context);
    }

    @Override
    public void close() {
        records.close();
    }
}
