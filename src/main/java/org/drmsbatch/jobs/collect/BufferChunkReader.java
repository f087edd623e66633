package org.drmsbatch.jobs.collect;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.drmsbatch.buffer.Chunk;
import org.drmsbatch.buffer.DataBuffer;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamException;
import org.springframework.batch.infrastructure.item.ItemStreamReader;

/**
 * Reads the data buffer's chunk files in time order ({@code t0}, then file name). Its position, the last file read
 * (name and t0), is saved in the step ExecutionContext at each commit, so a restart resumes after the last committed
 * file. A file that cannot be read or parsed is taken out of the buffer ({@link DataBuffer#reject}: to
 * {@code <buffer>/rejected/} with a {@code <name>.reason} text file, off the counters) and reported as a
 * {@link RejectedChunkException} (a skip).
 *
 * <p>The order is fixed when the step opens the reader: files arriving later are left for the next run.
 */
public class BufferChunkReader implements ItemStreamReader<BufferedChunk> {

    static final String LAST_NAME = "collect.reader.last";
    static final String LAST_T0 = "collect.reader.last.t0";

    /** A file and its sort key; t0 is +Infinity for a file that could not be parsed (read last, then rejected). */
    record Entry(String name, double t0, String problem) {
    }

    private static final Comparator<Entry> ORDER = Comparator.comparingDouble(Entry::t0)
            .thenComparing(Entry::name);

    private final DataBuffer buffer;
    private List<Entry> order = List.of();
    private int next;
    private Entry last;

    public BufferChunkReader(DataBuffer buffer) {
        this.buffer = buffer;
    }

    @Override
    public void open(ExecutionContext context) {
        List<Entry> entries = new ArrayList<>();
        try {
            for (String name : buffer.fileNames()) {
                try {
                    entries.add(new Entry(name, buffer.t0(name), null)); // the samples are read in read()
                } catch (NoSuchFileException e) {
                    // gone meanwhile
                } catch (IOException | RuntimeException e) {
                    entries.add(new Entry(name, Double.POSITIVE_INFINITY, String.valueOf(e.getMessage())));
                }
            }
        } catch (IOException e) {
            throw new ItemStreamException("cannot list the data buffer " + buffer.dataDirectory(), e);
        }
        entries.sort(ORDER);
        order = entries;
        next = 0;
        last = null;
        if (context.containsKey(LAST_NAME)) {
            Entry saved = new Entry(context.getString(LAST_NAME), Double.parseDouble(context.getString(LAST_T0)), null);
            last = saved;
            while (next < order.size() && ORDER.compare(order.get(next), saved) <= 0) {
                next++;
            }
        }
    }

    @Override
    public BufferedChunk read() {
        if (next >= order.size()) {
            return null;
        }
        Entry e = order.get(next++);
        last = e;
        if (e.problem() != null) {
            throw reject(e.name(), e.problem(), null);
        }
        try {
            Chunk c = buffer.read(e.name());
            return new BufferedChunk(e.name(), c);
        } catch (IOException | RuntimeException ex) {
            throw reject(e.name(), String.valueOf(ex.getMessage()), ex);
        }
    }

    private RejectedChunkException reject(String name, String reason, Throwable cause) {
        try {
            buffer.reject(name, reason);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + name + " to " + buffer.rejectedDirectory(), e);
        }
        return new RejectedChunkException(name, reason, cause);
    }

    @Override
    public void update(ExecutionContext context) {
        if (last != null) {
            context.putString(LAST_NAME, last.name());
            context.putString(LAST_T0, Double.toString(last.t0())); // text: Infinity is not JSON
        }
    }

    @Override
    public void close() {
    }
}
