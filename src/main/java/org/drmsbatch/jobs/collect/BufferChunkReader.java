package org.drmsbatch.jobs.collect;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.drmsbatch.buffer.BufferFiles;
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
 *
 * <p>Files are read and parsed ahead, in order, by a few threads of the reader's own (at most {@code readAhead}
 * files beyond the one asked for): parsing a chunk's JSON is most of a read, and this way it runs on several cores
 * and while the writer writes the previous commit's segments. What {@link #read} returns, skips and fails on is
 * unchanged: a read's outcome (its chunk, or why the file is rejected or missing) is taken in order, in the step's
 * thread, where the rejection happens as before.
 *
 * <p>A partition of a partitioned collect reads a slice instead ({@link #BufferChunkReader(BufferFiles, List, String,
 * int, int)}): the names the manager listed, in order, under the manager's hold; it holds nothing itself, and
 * reads the files through {@link BufferFiles}, the buffer itself in the process that owns it, else a view of its
 * directory (a worker of the cluster). Its position is the last file read of its slice. A file of the slice gone
 * when its turn comes fails the step as above; on a restart of the partition, files of the slice gone meanwhile
 * are left out (as a restart of the whole step lists the buffer again). The files it rejected through a view are
 * kept in its ExecutionContext ({@value #REJECTED}) for the manager to tell the buffer's owner.
 */
public class BufferChunkReader implements ItemStreamReader<BufferedChunk> {

    static final String LAST_NAME = "collect.reader.last";
    static final String LAST_T0 = "collect.reader.last.t0";
    /** A partition's slice: the names of its files, in order, comma-separated. */
    static final String SLICE = "collect.reader.slice";
    /** A partition's ExecutionContext: the directory of the buffer the manager listed (its absolute path). */
    static final String BUFFER = "collect.reader.buffer";
    /** Set once a partition's reader has opened: a later open is a restart. */
    static final String OPENED = "collect.reader.opened";
    /** The files a partition's reader rejected through a view of the buffer's directory, comma-separated. */
    static final String REJECTED = "collect.reader.rejected";

    /** A file and its sort key; t0 is +Infinity for a file that could not be parsed (read last, then rejected). */
    record Entry(String name, double t0, String problem) {
    }

    private static final Comparator<Entry> ORDER = Comparator.comparingDouble(Entry::t0)
            .thenComparing(Entry::name);

    private static final AtomicInteger POOLS = new AtomicInteger();
    /** In {@link #ahead} for a file that is not read (its listing already failed). */
    private static final Future<Chunk> UNREAD = CompletableFuture.completedFuture(null);

    /** The buffer to hold and list (null for a slice). */
    private final DataBuffer buffer;
    private final BufferFiles files;
    /** The partition's slice, or null: list the buffer. */
    private final List<String> slice;
    private final List<String> rejectedHere = new ArrayList<>();
    private final String holder;
    private final int readAhead;
    private final int threads;
    private ExecutorService parsers;
    /** The reads under way, of {@code order[next]}, {@code order[next + 1]}, … up to {@code order[submitted - 1]}. */
    private final ArrayDeque<Future<Chunk>> ahead = new ArrayDeque<>();
    private int submitted;
    private DataBuffer.Hold hold;
    private List<Entry> order = List.of();
    private int next;
    private Entry last;

    /** A reader that reads one file at a time, in the step's thread. */
    public BufferChunkReader(DataBuffer buffer, String holder) {
        this(buffer, holder, 0, 0);
    }

    /**
     * @param holder    who reads, as a refused snapshot names it (e.g. {@code collect execution 42})
     * @param readAhead how many files beyond the current one may be read and parsed ahead (0: none, every read in
     *                  the step's thread)
     * @param threads   the threads that read ahead (at least 1 when readAhead &gt; 0)
     */
    public BufferChunkReader(DataBuffer buffer, String holder, int readAhead, int threads) {
        if (readAhead < 0 || (readAhead > 0 && threads < 1)) {
            throw new IllegalArgumentException("readAhead " + readAhead + " with " + threads + " threads");
        }
        this.buffer = buffer;
        this.files = buffer;
        this.slice = null;
        this.holder = holder;
        this.readAhead = readAhead;
        this.threads = threads;
    }

    /**
     * A reader of a partition's slice: these files, in this order, read through {@code files}. It holds nothing:
     * the manager that listed them holds the buffer until the partitioned step ends.
     */
    public BufferChunkReader(BufferFiles files, List<String> slice, String holder, int readAhead, int threads) {
        if (readAhead < 0 || (readAhead > 0 && threads < 1)) {
            throw new IllegalArgumentException("readAhead " + readAhead + " with " + threads + " threads");
        }
        this.buffer = null;
        this.files = files;
        this.slice = List.copyOf(slice);
        this.holder = holder;
        this.readAhead = readAhead;
        this.threads = threads;
    }

    /** The buffer's files in the order a collect reads them (t0, then name), listed now. */
    static List<Entry> list(BufferFiles files) {
        List<Entry> entries = new ArrayList<>();
        try {
            for (String name : files.fileNames()) {
                try {
                    entries.add(new Entry(name, files.t0(name), null)); // the samples are read in read()
                } catch (NoSuchFileException e) {
                    // gone meanwhile
                } catch (IOException | RuntimeException e) {
                    entries.add(new Entry(name, Double.POSITIVE_INFINITY, String.valueOf(e.getMessage())));
                }
            }
        } catch (IOException e) {
            throw new ItemStreamException("cannot list the data buffer " + files.dataDirectory(), e);
        }
        entries.sort(ORDER);
        return entries;
    }

    /** A slice as an ExecutionContext holds it. */
    static String encode(List<String> names) {
        return String.join(",", names);
    }

    static List<String> decode(String slice) {
        return slice.isEmpty() ? List.of() : List.of(slice.split(","));
    }

    @Override
    public void open(ExecutionContext context) {
        close();
        if (slice != null) {
            openSlice(context);
            return;
        }
        hold = buffer.hold(holder); // before listing: waits for a snapshot under way, refuses new ones until close()
        try {
            list(context);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private void list(ExecutionContext context) {
        order = list(files);
        next = 0;
        last = null;
        if (context.containsKey(LAST_NAME)) {
            Entry saved = new Entry(context.getString(LAST_NAME), Double.parseDouble(context.getString(LAST_T0)), null);
            last = saved;
            while (next < order.size() && ORDER.compare(order.get(next), saved) <= 0) {
                next++;
            }
        }
        startReading();
    }

    /**
     * The slice after the saved position; on a restart without the files of it gone meanwhile. An entry's t0 is its
     * place in the slice (the slice's order is the manager's).
     */
    private void openSlice(ExecutionContext context) {
        boolean restart = context.containsKey(OPENED);
        context.putString(OPENED, "true");
        context.remove(REJECTED); // told to the buffer's owner at the end of the execution that rejected them
        rejectedHere.clear();
        int from = 0;
        last = null;
        if (context.containsKey(LAST_NAME)) {
            String saved = context.getString(LAST_NAME);
            int at = slice.indexOf(saved);
            if (at < 0) {
                throw new ItemStreamException("the saved position " + saved + " is not in this partition's slice");
            }
            from = at + 1;
            last = new Entry(saved, at, null);
        }
        List<Entry> entries = new ArrayList<>();
        for (int i = from; i < slice.size(); i++) {
            String name = slice.get(i);
            if (restart && !Files.exists(files.dataDirectory().resolve(name))) {
                continue; // gone since the run that failed: as a restart of the whole step would not list it
            }
            entries.add(new Entry(name, i, null));
        }
        order = entries;
        next = 0;
        startReading();
    }

    private void startReading() {
        submitted = next;
        if (readAhead > 0) {
            int n = POOLS.incrementAndGet();
            AtomicInteger thread = new AtomicInteger();
            ThreadFactory named = r -> {
                Thread t = new Thread(r, "collect-read-" + n + "-" + thread.incrementAndGet());
                t.setDaemon(true);
                return t;
            };
            parsers = Executors.newFixedThreadPool(threads, named);
            readAhead();
        }
    }

    /** Starts the reads of the files after the current one, up to {@link #readAhead} of them. */
    private void readAhead() {
        while (submitted < order.size() && submitted <= next + readAhead) {
            Entry e = order.get(submitted++);
            ahead.add(e.problem() != null ? UNREAD : parsers.submit(() -> files.read(e.name())));
        }
    }

    /** The chunk of file {@code e}, read ahead by {@code f} or now. */
    private Chunk chunk(Entry e, Future<Chunk> f) throws IOException, InterruptedException {
        if (f == null) {
            return files.read(e.name());
        }
        try {
            Chunk c = f.get();
            if (!Files.exists(files.dataDirectory().resolve(e.name()))) {
                // read ahead, but gone when its turn comes: as if read now (rejected meanwhile, or missing)
                throw new NoSuchFileException(files.dataDirectory().resolve(e.name()).toString());
            }
            return c;
        } catch (ExecutionException ex) {
            Throwable cause = ex.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        }
    }

    @Override
    public BufferedChunk read() {
        if (next >= order.size()) {
            return null;
        }
        Future<Chunk> f = null;
        if (parsers != null) {
            readAhead();
            f = ahead.poll();
        }
        Entry e = order.get(next++);
        last = e;
        if (e.problem() != null) {
            throw reject(e.name(), e.problem(), null);
        }
        try {
            Chunk c = chunk(e, f);
            return new BufferedChunk(e.name(), c);
        } catch (InterruptedException ex) { // not the file's fault: the step fails, the file stays
            Thread.currentThread().interrupt();
            f.cancel(true);
            throw new ItemStreamException("interrupted while reading " + e.name(), ex);
        } catch (NoSuchFileException ex) {
            throw missing(e.name(), ex);
        } catch (IOException | RuntimeException ex) {
            throw reject(e.name(), String.valueOf(ex.getMessage()), ex);
        }
    }

    private RejectedChunkException reject(String name, String reason, Throwable cause) {
        Path moved;
        try {
            moved = files.reject(name, reason);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + name + " to " + files.rejectedDirectory(), e);
        }
        if (moved == null) {
            throw missing(name, cause);
        }
        if (!files.owner()) {
            rejectedHere.add(name);
        }
        return new RejectedChunkException(name, reason, cause);
    }

    /**
     * A listed file no longer in the buffer: skipped only when it was rejected meanwhile (by another reader), else
     * the step fails naming it.
     */
    private RuntimeException missing(String name, Throwable cause) {
        if (Files.exists(files.rejectedDirectory().resolve(name))) {
            return new RejectedChunkException(name, "rejected meanwhile by another reader (see "
                    + files.rejectedDirectory().getFileName() + "/" + name + ".reason)", cause);
        }
        return new MissingChunkException(name);
    }

    @Override
    public void update(ExecutionContext context) {
        if (last != null) {
            context.putString(LAST_NAME, last.name());
            if (slice == null) {
                context.putString(LAST_T0, Double.toString(last.t0())); // text: Infinity is not JSON
            }
        }
        if (!rejectedHere.isEmpty()) {
            context.putString(REJECTED, encode(rejectedHere));
        }
    }

    /** Stops the reads ahead (waiting for those under way), then releases the hold on the buffer. */
    @Override
    public void close() {
        try {
            stopReadingAhead();
        } finally {
            if (hold != null) {
                hold.close();
                hold = null;
            }
        }
    }

    private void stopReadingAhead() {
        if (parsers == null) {
            return;
        }
        ahead.forEach(f -> f.cancel(true));
        ahead.clear();
        ExecutorService p = parsers;
        parsers = null;
        p.shutdownNow();
        try {
            if (!p.awaitTermination(60, TimeUnit.SECONDS)) {
                throw new ItemStreamException("the reads ahead of " + holder + " did not stop within 60 s");
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
