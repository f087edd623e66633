package org.drmsbatch.buffer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

import tools.jackson.databind.JsonNode;

/**
 * The data buffer: strain chunks arriving over HTTP, stored one file each until a job collects them and a snapshot
 * moves them away (the glitchflow datastore, done durably). Layout of its directory:
 *
 * <pre>
 * data/gwb&lt;nanoseconds&gt;.json   the buffered chunks, {"h":[…],"t":[t0,dt]}           ({@link ChunkStore})
 * state.json                     OPERATIONAL/FROZEN, who froze it and when, the counters, a snapshot under way
 *                                                                                  ({@link BufferStateMachine})
 * log.jsonl                      one JSON line per store, freeze, reopen, snapshot and recovery (append + fsync)
 *                                                                                  ({@link BufferLog})
 * snapshots/&lt;name&gt;/             snapshots: the chunk files and manifest.json             ({@link Snapshots})
 * snapshots/.inprogress-&lt;name&gt;/ a snapshot being taken (manifest first, then the files): finished at open
 * snapshot-requests.jsonl        which snapshot each request id got
 * rejected/                      chunk files that could not be read, each with a .reason file
 * .lock                          held while open: one process owns a buffer                ({@link BufferLock})
 * </pre>
 *
 * Every chunk is written to a temporary file, forced to disk, renamed into {@code data/} and the directory forced,
 * so a file in {@code data/} is always complete. The directory is the truth: at {@link #open} the buffer is
 * recovered ({@link Recovery}): the counters are recomputed from it (and the difference logged when the saved ones
 * disagree), left-over temporary files are removed, and a snapshot interrupted by a crash is finished (or, if its
 * manifest was never written, undone).
 *
 * <p>This class is the buffer's face: it takes the locks and orders the steps of the parts above. Thread-safe.
 * Stores run concurrently (a shared lock); freeze, reopen and the start and end of a snapshot take the exclusive
 * lock, so once {@link #freeze} returns no store is in flight and the counters are final. A reader that needs the
 * chunk files to stay where they are while it reads them (the collect job) {@link #hold}s the buffer: a snapshot is
 * refused while it is held ({@link BufferBusyException}), and a hold taken while a snapshot is under way waits for
 * its end, so the two never overlap. One process owns a buffer ({@link BufferLock}), so this is so across processes
 * too.
 */
public final class DataBuffer implements BufferFiles, AutoCloseable {

    /** The user and token glitchflow records when the buffer is (re)opened. */
    public static final String DEFAULT_USER = "databuf";

    static final String REJECTED = "rejected";

    /** The buffers open in this process, by directory (one process owns a buffer: {@link BufferLock}). */
    private static final Map<Path, DataBuffer> OPEN = new java.util.concurrent.ConcurrentHashMap<>();

    private final Path directory;
    private final long maxSize;
    private final long maxChunkBytes;
    private final BufferLock lock;
    private final BufferLog log;
    private final ChunkStore chunks;
    private final BufferStateMachine state;
    private final Snapshots snapshots;

    private final ReentrantReadWriteLock storeLock = new ReentrantReadWriteLock();
    private final ReentrantLock adminLock = new ReentrantLock();
    /** The holds ({@link #hold}) not yet released, by number; guarded by {@link #adminLock}. */
    private final Map<Long, String> holds = new LinkedHashMap<>();
    private long holdNumbers;
    private volatile boolean closed;
    /** Test hook: told each step of a snapshot ("manifest", "moved 3", "renamed", "reset"). */
    private volatile Consumer<String> steps = s -> { };

    private DataBuffer(Path directory, long maxSize, long maxChunkBytes, BufferLock lock) throws IOException {
        this.directory = directory;
        this.maxSize = maxSize;
        this.maxChunkBytes = maxChunkBytes;
        this.lock = lock;
        this.log = new BufferLog(directory);
        this.chunks = new ChunkStore(directory);
        this.state = new BufferStateMachine(directory);
        this.snapshots = new Snapshots(directory, chunks, step -> steps.accept(step));
    }

    /**
     * Opens (creating when missing) the buffer in {@code directory} and recovers it: finishes or undoes an
     * interrupted snapshot, removes temporary files, recomputes the counters from the files.
     *
     * @param maxSize       the byte count at which {@link #train} freezes the buffer ({@code drms.buffer.max-size})
     * @param maxChunkBytes the largest chunk body accepted ({@code drms.buffer.max-chunk-bytes})
     * @throws BufferInUseException when another process has it open
     * @throws IllegalStateException when another instance in this process has it open
     */
    public static DataBuffer open(Path directory, long maxSize, long maxChunkBytes) throws IOException {
        if (maxSize < 0 || maxChunkBytes <= 0) {
            throw new IllegalArgumentException("max-size must be >= 0 and max-chunk-bytes > 0");
        }
        Path dir = directory.toAbsolutePath().normalize();
        Files.createDirectories(dir.resolve(ChunkStore.DATA));
        Files.createDirectories(dir.resolve(Snapshots.SNAPSHOTS));
        BufferLock lock = BufferLock.acquire(dir);
        try {
            DataBuffer b = new DataBuffer(dir, maxSize, maxChunkBytes, lock);
            Recovery.recover(b.chunks, b.state, b.snapshots, b.log, b::finishSnapshot);
            OPEN.put(dir, b);
            return b;
        } catch (IOException | RuntimeException e) {
            lock.release();
            throw e;
        }
    }

    /**
     * The chunk files of the buffer in {@code directory} as a reader in this process sees them: the buffer itself
     * when this process has it open, else a view of its directory that opens nothing (the buffer is another
     * process's: a collect worker reads the files the manager, which owns the buffer, listed and holds). Opens
     * nothing either way.
     */
    public static BufferFiles files(Path directory) {
        Path dir = directory.toAbsolutePath().normalize();
        DataBuffer open = OPEN.get(dir);
        return open != null ? open : new SharedBufferFiles(dir);
    }

    @Override
    public boolean owner() {
        return true;
    }

    public Path directory() {
        return directory;
    }

    /** Where the buffered chunk files are. */
    @Override
    public Path dataDirectory() {
        return chunks.directory();
    }

    public Path snapshotsDirectory() {
        return snapshots.directory();
    }

    public long maxSize() {
        return maxSize;
    }

    public long maxChunkBytes() {
        return maxChunkBytes;
    }

    // ------------------------------------------------------------------------------------------------ storing

    /**
     * Validates a chunk body and stores it. A body of the plain shape {@code {"h":[…],"t":[t0,dt]}} (the one
     * glitchflow's clients send) is stored byte for byte as received, parsed once and not written back; any other
     * valid body (other members, which are ignored, or numbers the one-pass reader leaves to the token parser) as its
     * canonical JSON, see {@link #store(Chunk)}. Either way the file is a chunk's JSON with h and t only, as
     * glitchflow's. The limit applies to the body received.
     *
     * @throws InvalidChunkException when it is over {@link #maxChunkBytes} or not a valid chunk (nothing stored)
     * @throws BufferFrozenException when the buffer is FROZEN (nothing stored)
     */
    public StoredChunk store(byte[] body) throws IOException {
        if (body.length > maxChunkBytes) {
            throw tooLarge(body.length);
        }
        Chunk plain = ChunkParser.plain(body);
        return write(plain != null ? body : ChunkParser.tokens(body).toJson());
    }

    /** The complaint about a body of {@code bytes} bytes over the limit (also for callers reading a stream). */
    public InvalidChunkException tooLarge(long bytes) {
        return new InvalidChunkException("the chunk is " + (bytes > maxChunkBytes ? bytes + " bytes" : "larger")
                + ", over the limit of " + maxChunkBytes + " bytes (drms.buffer.max-chunk-bytes)", "", 0, 0);
    }

    /**
     * Stores a chunk as {@code data/gwb<nanoseconds>.json} (its canonical JSON), durably, and counts it. A chunk
     * built in this process has no body received: the limit applies to its canonical JSON.
     *
     * @throws InvalidChunkException when its stored form is over {@link #maxChunkBytes} (nothing stored)
     * @throws BufferFrozenException when the buffer is FROZEN (nothing stored)
     */
    public StoredChunk store(Chunk chunk) throws IOException {
        byte[] file = chunk.toJson();
        if (file.length > maxChunkBytes) {
            throw tooLarge(file.length);
        }
        return write(file);
    }

    /** Writes a chunk file unless the buffer is FROZEN; logs it. */
    private StoredChunk write(byte[] file) throws IOException {
        storeLock.readLock().lock();
        try {
            checkOpen();
            if (state.state() != BufferState.OPERATIONAL) {
                throw new BufferFrozenException("Datastore frozen.");
            }
            StoredChunk stored = chunks.write(file);
            Map<String, Object> line = BufferLog.line("store", "Write file");
            line.put("size", stored.bytes());
            line.put("name", stored.name());
            log.append(line);
            return stored;
        } finally {
            storeLock.readLock().unlock();
        }
    }

    /** Where {@link #reject} puts chunk files that cannot be read, each with a {@code <name>.reason} file. */
    @Override
    public Path rejectedDirectory() {
        return directory.resolve(REJECTED);
    }

    /**
     * Takes a chunk file that cannot be read out of the buffer: moves it to {@code rejected/} next to a
     * {@code <name>.reason} file saying why, counts the buffer again (so the counters are right whether or not the
     * file came through {@link #store}) and logs it. Waits for a snapshot under way
     * (which would otherwise list a file it can no longer move). A name no longer in the buffer changes nothing.
     *
     * @return the file's new place, or null when it was not in the buffer
     */
    /** Writes {@code <rejected>/<name>.reason} (made if needed), durably: why a chunk file was taken out. */
    static void writeReason(Path rejected, String name, String reason) throws IOException {
        Files.createDirectories(rejected);
        DurableFiles.writeAtomically(rejected.resolve(name + ".reason"),
                (Instant.now() + " " + name + ": " + reason + "\n").getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public Path reject(String name, String reason) throws IOException {
        ChunkStore.requireChunkName(name);
        adminLock.lock();
        try {
            checkOpen();
            Path source = chunks.directory().resolve(name);
            if (!Files.exists(source)) {
                return null;
            }
            Path dir = rejectedDirectory();
            writeReason(dir, name, reason);
            long bytes = Files.size(source);
            Path target = dir.resolve(name);
            storeLock.writeLock().lock();
            try {
                chunks.moveOut(name, target);
            } finally {
                storeLock.writeLock().unlock();
            }
            DurableFiles.forceDirectory(chunks.directory());
            DurableFiles.forceDirectory(dir);
            Map<String, Object> line = BufferLog.line("reject", "Rejected file");
            line.put("name", name);
            line.put("size", bytes);
            line.put("reason", reason);
            log.append(line);
            return target;
        } finally {
            adminLock.unlock();
        }
    }

    /**
     * Takes note of chunk files another process moved to {@code rejected/} (a collect worker that reads this buffer's
     * directory without owning it: {@link #files}): counts the buffer again and logs each rejection as {@link #reject}
     * does, with the reason from its {@code .reason} file. A name still in {@code data/}, or not in {@code rejected/},
     * is not logged.
     *
     * @return the names logged
     */
    public List<String> rejectedElsewhere(List<String> names) throws IOException {
        List<String> logged = new ArrayList<>();
        adminLock.lock();
        try {
            checkOpen();
            for (String name : names) {
                ChunkStore.requireChunkName(name);
                Path target = rejectedDirectory().resolve(name);
                if (Files.exists(chunks.directory().resolve(name)) || !Files.exists(target)) {
                    continue;
                }
                String reason = "";
                try {
                    reason = Files.readString(rejectedDirectory().resolve(name + ".reason"), StandardCharsets.UTF_8)
                            .trim();
                    String prefix = name + ": ";
                    int at = reason.indexOf(prefix);
                    reason = at >= 0 ? reason.substring(at + prefix.length()) : reason;
                } catch (IOException e) {
                    // no reason file: logged without one
                }
                Map<String, Object> line = BufferLog.line("reject", "Rejected file");
                line.put("name", name);
                line.put("size", Files.size(target));
                line.put("reason", reason);
                log.append(line);
                logged.add(name);
            }
            storeLock.writeLock().lock();
            try {
                chunks.setStats(chunks.count());
            } finally {
                storeLock.writeLock().unlock();
            }
            return logged;
        } finally {
            adminLock.unlock();
        }
    }

    // ------------------------------------------------------------------------------------------------ reading

    /** The counters (consistent: files and bytes of the same moment). */
    public BufferStats stats() {
        return chunks.stats();
    }

    public BufferState state() {
        return state.state();
    }

    /** State, who set it and when, and the counters. */
    public BufferStatus describe() {
        return state.describe(chunks.stats());
    }

    /** The names of the buffered chunk files, in name order (which is arrival order). */
    @Override
    public List<String> fileNames() throws IOException {
        return chunks.files().stream().map(p -> p.getFileName().toString()).toList();
    }

    /** The buffered chunk files, in name order (which is arrival order). */
    public List<Path> files() throws IOException {
        return chunks.files();
    }

    /**
     * Reads one buffered chunk by file name (one pass over a plain file with the fast double parser, the token
     * parser for anything else).
     */
    @Override
    public Chunk read(String name) throws IOException {
        return ChunkParser.parse(chunks.bytes(name));
    }

    /**
     * The t0 of one buffered chunk by file name, read without its samples (to put files in time order cheaply: from
     * the file's last bytes when it ends with its t member, as stored bodies do); a file whose t0 reads may still
     * fail {@link #read} on a bad sample.
     */
    @Override
    public double t0(String name) throws IOException {
        return chunks.t0(name);
    }

    /** The log lines, oldest first, each a JSON object. */
    public List<JsonNode> logEntries() throws IOException {
        return log.entries();
    }

    // ------------------------------------------------------------------------------------------------ holds

    /**
     * Holds the buffer's chunk files in place until the returned hold is released: no snapshot moves them meanwhile
     * (one is refused with {@link BufferBusyException} naming {@code holder}). Waits for a snapshot under way, so a
     * reader that lists the files after this returns sees them all until it releases the hold. Stores, freeze and
     * reopen go on as usual; several holds may be held at once.
     *
     * @param holder who holds it, for the refusal's message (e.g. {@code collect execution 42})
     */
    public Hold hold(String holder) {
        adminLock.lock();
        try {
            checkOpen();
            long number = ++holdNumbers;
            holds.put(number, holder);
            return new Hold(number);
        } finally {
            adminLock.unlock();
        }
    }

    /** Who holds the buffer now ({@link #hold}), oldest first; empty when nobody does. */
    public List<String> holders() {
        adminLock.lock();
        try {
            return new ArrayList<>(holds.values());
        } finally {
            adminLock.unlock();
        }
    }

    /**
     * Refuses when the buffer is held ({@link #hold}), as a snapshot would be: for a caller that wants to say so
     * before it starts one. (Only the snapshot's own refusal is atomic: a hold may be taken right after this.)
     *
     * @throws BufferBusyException naming the holders
     */
    public void checkNotHeld() {
        adminLock.lock();
        try {
            refuseWhileHeld();
        } finally {
            adminLock.unlock();
        }
    }

    private void refuseWhileHeld() {
        if (!holds.isEmpty()) {
            List<String> holders = new ArrayList<>(holds.values());
            throw new BufferBusyException("the data buffer is in use by " + String.join(", ", holders)
                    + ", which reads its chunk files where they are; a snapshot now would move them away under it:"
                    + " take it when " + (holders.size() == 1 ? "that has" : "those have") + " ended", holders);
        }
    }

    /** A {@link #hold} on the buffer; {@link #close} releases it (once; closing again does nothing). */
    public final class Hold implements AutoCloseable {

        private final long number;

        private Hold(long number) {
            this.number = number;
        }

        @Override
        public void close() {
            adminLock.lock();
            try {
                holds.remove(number);
            } finally {
                adminLock.unlock();
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ state

    /**
     * Freezes the buffer: no more chunks are stored. Waits for stores in flight, so the counters are final when it
     * returns. Freezing a frozen buffer records the new user and token (as glitchflow does).
     */
    public BufferStatus freeze(String user, String token) throws IOException {
        adminLock.lock();
        try {
            storeLock.writeLock().lock();
            try {
                checkOpen();
                state.freeze(user, token, chunks.stats());
                Map<String, Object> line = BufferLog.line("freeze", "Buffer frozen");
                line.put("user", user);
                line.put("token", token);
                line.put("n_itm", chunks.stats().files());
                line.put("buff_size", chunks.stats().bytes());
                log.append(line);
                return describe();
            } finally {
                storeLock.writeLock().unlock();
            }
        } finally {
            adminLock.unlock();
        }
    }

    /** Opens the buffer for chunks again (user and token back to {@value #DEFAULT_USER}); the files stay. */
    public BufferStatus reopen() throws IOException {
        adminLock.lock();
        try {
            storeLock.writeLock().lock();
            try {
                checkOpen();
                state.reopen(chunks.stats());
                log.append(BufferLog.line("reopen", "Buffer reopened"));
                return describe();
            } finally {
                storeLock.writeLock().unlock();
            }
        } finally {
            adminLock.unlock();
        }
    }

    /**
     * glitchflow's freeze rule: when the byte count has reached {@link #maxSize}, freeze (recording user and token,
     * even when already frozen) and answer frozen with the counters; else answer waiting and change nothing.
     */
    public TrainDecision train(String user, String token) throws IOException {
        adminLock.lock();
        try {
            if (chunks.stats().bytes() >= maxSize) {
                BufferStatus s = freeze(user, token);
                return new TrainDecision(true, s.stats());
            }
            return new TrainDecision(false, chunks.stats());
        } finally {
            adminLock.unlock();
        }
    }

    // ------------------------------------------------------------------------------------------------ snapshot

    /**
     * Takes a snapshot: freezes the buffer if it is not frozen (as {@code user}/{@code token}), moves every
     * buffered file into {@code snapshots/<UTC time>} with a manifest (name, bytes, SHA-256 of each file), resets
     * the counters and reopens. Crash-safe: the manifest is written into {@code snapshots/.inprogress-<name>}
     * before any file moves and the directory gets its final name only when complete, so after a crash there is
     * the whole buffer or the whole snapshot, and {@link #open} (or calling this again, which opens nothing new
     * while one is recorded under way) finishes it.
     *
     * @throws BufferBusyException when the buffer is {@link #hold held} (nothing is changed)
     */
    public Snapshot snapshot(String user, String token) throws IOException {
        return snapshot(user, token, null);
    }

    /**
     * As {@link #snapshot(String, String)}, once per request: when a snapshot was already taken for this (non-null)
     * request id, recorded in its manifest, it is returned and nothing new is taken. So a job that was killed while
     * its snapshot was under way, and is restarted with the same request id, gets the snapshot it started (finished
     * by {@link #open}) rather than an empty new one. A call that finds a snapshot failed midway in this process
     * finishes it and returns it, also recording it as this request's.
     *
     * @throws BufferBusyException when the buffer is {@link #hold held} and the snapshot would move files out of it
     *                             (nothing is moved; the snapshot already taken for this request is still returned)
     */
    public Snapshot snapshot(String user, String token, String request) throws IOException {
        adminLock.lock();
        try {
            checkOpen();
            String pending = state.snapshot();
            if (pending != null) {
                // a snapshot this process started and failed on (an I/O error): finish it if it got its manifest
                if (snapshots.hasManifest(pending) || snapshots.isRenamed(pending)) {
                    if (snapshots.hasManifest(pending)) {
                        refuseWhileHeld(); // files of its manifest may still be in data/
                    }
                    if (request != null) {
                        // this request gets it (the buffer is empty after it): asked again, it gets it again, not
                        // a new empty one. Recorded first, so a crash while finishing changes nothing to that.
                        snapshots.recordRequestIfAbsent(request, pending);
                    }
                    return finishSnapshot(pending);
                }
                if (snapshots.isInProgress(pending)) {
                    snapshots.undo(pending);
                }
                state.noteSnapshot(null);
            }
            if (request != null) {
                Snapshot taken = snapshots.forRequest(request);
                if (taken != null) {
                    return taken;
                }
            }
            refuseWhileHeld();
            String name;
            storeLock.writeLock().lock();
            try {
                if (state.state() != BufferState.FROZEN) {
                    freeze(user, token);
                }
                name = snapshots.newName();
                state.startSnapshot(name, chunks.stats());
                Map<String, Object> line = BufferLog.line("snapshot-start", "Snapshot started");
                line.put("snapshot", name);
                log.append(line);
            } finally {
                storeLock.writeLock().unlock();
            }
            try {
                snapshots.begin(name, user, token, request);
            } catch (IOException | RuntimeException e) {
                if (!snapshots.hasManifest(name)) {
                    // no manifest: nothing has moved and there is nothing to finish. Forget the attempt (the buffer
                    // stays frozen), so that the next call takes a snapshot of its own rather than taking a name
                    // the attempt chose but never made for its own (a snapshot of that name may exist by then).
                    try {
                        if (snapshots.isInProgress(name)) {
                            snapshots.undo(name);
                        }
                        state.noteSnapshot(null);
                        state.save(chunks.stats());
                    } catch (IOException | RuntimeException again) {
                        e.addSuppressed(again);
                    }
                }
                throw e;
            }
            return finishSnapshot(name);
        } finally {
            adminLock.unlock();
        }
    }

    /** Moves the files its manifest lists into the snapshot and renames it, then resets the buffer and reopens. */
    private Snapshot finishSnapshot(String name) throws IOException {
        Snapshot snapshot = snapshots.complete(name);
        storeLock.writeLock().lock();
        try {
            BufferStats remaining = chunks.count();
            state.reopen(remaining);
            chunks.setStats(remaining);
            Map<String, Object> line = BufferLog.line("snapshot", "Buffer cleaned");
            line.put("snapshot", name);
            line.put("n_itm", snapshot.files().size());
            line.put("buff_size", snapshot.bytes());
            log.append(line);
            log.append(BufferLog.line("reopen", "Buffer reopened"));
            steps.accept("reset");
        } finally {
            storeLock.writeLock().unlock();
        }
        return snapshot;
    }

    /** The snapshots taken, oldest first. */
    public List<Snapshot> snapshots() throws IOException {
        return snapshots.list();
    }

    // ------------------------------------------------------------------------------------------------ lifecycle

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the data buffer " + directory + " is closed");
        }
    }

    /** Test hook: {@code listener} is told each step of a snapshot. */
    void onSnapshotStep(Consumer<String> listener) {
        this.steps = listener;
    }

    /** Saves the counters and releases the directory. */
    @Override
    public void close() throws IOException {
        adminLock.lock();
        try {
            storeLock.writeLock().lock();
            try {
                if (closed) {
                    return;
                }
                closed = true;
                OPEN.remove(directory, this);
                try {
                    state.save(chunks.stats());
                } finally {
                    log.close();
                    lock.release();
                }
            } finally {
                storeLock.writeLock().unlock();
            }
        } finally {
            adminLock.unlock();
        }
    }
}
