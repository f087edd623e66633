package org.drmsbatch.jobs.collect;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
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
 * <p>The order is fixed when the step opens the reader: files arriving later are left for the next run. From
 * {@link #open} to {@link #close} the reader {@link DataBuffer#hold holds} the buffer, so no snapshot moves the
 * files it listed (a snapshot asked for meanwhile is refused, naming the holder). A listed file that is gone all the
 * same when its turn comes (moved away by something else) fails the step with a {@link MissingChunkException}
 * naming it: it is never skipped silently. One that another reader rejected meanwhile is skipped as rejected.
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
    private final String holder;
    private DataBuffer.Hold hold;
    private List<Entry> order = List.of();
    private int next;
    private Entry last;

    /** @param holder who reads, as a refused snapshot names it (e.g. {@code collect execution 42}) */
    public BufferChunkReader(DataBuffer buffer, String holder) {
        this.buffer = buffer;
        this.holder = holder;
    }

    @Override
    public void open(ExecutionContext context) {
        close();
        hold = buffer.hold(holder); // before listing: waits for a snapshot under way, refuses new ones until close()
        try {
            list(context);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private void list(ExecutionContext context) {
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
        } catch (NoSuchFileException ex) {
            throw missing(e.name(), ex);
        } catch (IOException | RuntimeException ex) {
            throw reject(e.name(), String.valueOf(ex.getMessage()), ex);
        }
    }

    private RejectedChunkException reject(String name, String reason, Throwable cause) {
        Path moved;
        try {
            moved = buffer.reject(name, reason);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + name + " to " + buffer.rejectedDirectory(), e);
        }
        if (moved == null) {
            throw missing(name, cause);
        }
        return new RejectedChunkException(name, reason, cause);
    }

    /**
     * A listed file no longer in the buffer: skipped only when it was rejected meanwhile (by another reader), else
     * the step fails naming it.
     */
    private RuntimeException missing(String name, Throwable cause) {
        if (Files.exists(buffer.rejectedDirectory().resolve(name))) {
            return new RejectedChunkException(name, "rejected meanwhile by another reader (see "
                    + buffer.rejectedDirectory().getFileName() + "/" + name + ".reason)", cause);
        }
        return new MissingChunkException(name);
    }

    @Override
    public void update(ExecutionContext context) {
        if (last != null) {
            context.putString(LAST_NAME, last.name());
            context.putString(LAST_T0, Double.toString(last.t0())); // text: Infinity is not JSON
        }
    }

    /** Releases the hold on the buffer. */
    @Override
    public void close() {
        if (hold != null) {
            hold.close();
            hold = null;
        }
    }
}
