package org.drmsbatch.buffer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The data buffer: strain chunks arriving over HTTP, stored one file each until a job collects them and a snapshot
 * moves them away (the glitchflow datastore, done durably). Layout of its directory:
 *
 * <pre>
 * data/gwb&lt;nanoseconds&gt;.json   the buffered chunks, {"h":[…],"t":[t0,dt]}
 * state.json                     OPERATIONAL/FROZEN, who froze it and when, the counters, a snapshot under way
 * log.jsonl                      one JSON line per store, freeze, reopen, snapshot and recovery (append + fsync)
 * snapshots/&lt;name&gt;/             snapshots: the chunk files and manifest.json
 * snapshots/.inprogress-&lt;name&gt;/ a snapshot being taken (manifest first, then the files): finished at open
 * .lock                          held while open: one process owns a buffer
 * </pre>
 *
 * Every chunk is written to a temporary file, forced to disk, renamed into {@code data/} and the directory forced,
 * so a file in {@code data/} is always complete. The directory is the truth: at {@link #open} the counters are
 * recomputed from it (and the difference logged when the saved ones disagree), left-over temporary files are
 * removed, and a snapshot interrupted by a crash is finished (or, if its manifest was never written, undone).
 *
 * <p>Thread-safe. Stores run concurrently (a shared lock); freeze, reopen and the start and end of a snapshot take
 * the exclusive lock, so once {@link #freeze} returns no store is in flight and the counters are final.
 */
public final class DataBuffer implements AutoCloseable {

    /** The user and token glitchflow records when the buffer is (re)opened. */
    public static final String DEFAULT_USER = "databuf";

    static final String DATA = "data";
    static final String SNAPSHOTS = "snapshots";
    static final String STATE = "state.json";
    /** Which snapshot each request id got: a line {"request", "snapshot"} per snapshot taken for a request. */
    static final String SNAPSHOT_REQUESTS = "snapshot-requests.jsonl";
    static final String LOG = "log.jsonl";
    static final String MANIFEST = "manifest.json";
    static final String REJECTED = "rejected";
    static final String IN_PROGRESS = ".inprogress-";
    private static final String TMP = ".tmp-";
    private static final Pattern CHUNK_NAME = Pattern.compile("gwb(\\d{1,19})\\.json");
    private static final DateTimeFormatter SNAPSHOT_NAME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Path directory;
    private final Path data;
    private final Path snapshots;
    private final long maxSize;
    private final long maxChunkBytes;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final FileChannel log;

    private final ReentrantReadWriteLock storeLock = new ReentrantReadWriteLock();
    private final ReentrantLock adminLock = new ReentrantLock();
    private final AtomicReference<BufferStats> stats = new AtomicReference<>(BufferStats.EMPTY);
    private final AtomicLong lastNanos = new AtomicLong();
    private volatile Status status;
    private volatile boolean closed;
    /** Test hook: told each step of a snapshot ("manifest", "moved 3", "renamed", "reset"). */
    private volatile Consumer<String> steps = s -> { };

    /** What state.json holds (besides the counters). */
    private record Status(BufferState state, String user, String token, Instant since, String snapshot) {
        Status withSnapshot(String name) {
            return new Status(state, user, token, since, name);
        }
    }

    private DataBuffer(Path directory, long maxSize, long maxChunkBytes, FileChannel lockChannel, FileLock lock)
            throws IOException {
        this.directory = directory;
        this.data = directory.resolve(DATA);
        this.snapshots = directory.resolve(SNAPSHOTS);
        this.maxSize = maxSize;
        this.maxChunkBytes = maxChunkBytes;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.log = FileChannel.open(directory.resolve(LOG), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
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
        Files.createDirectories(dir.resolve(DATA));
        Files.createDirectories(dir.resolve(SNAPSHOTS));
        FileChannel lockChannel = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            lockChannel.close();
            throw new IllegalStateException("the data buffer " + dir + " is already open in this process");
        }
        if (lock == null) {
            lockChannel.close();
            String owner = "";
            try {
                owner = Files.readString(dir.resolve(".lock"), StandardCharsets.UTF_8).trim();
            } catch (IOException e) {
                // unknown owner
            }
            throw new BufferInUseException("the data buffer " + dir + " is in use by another process"
                    + (owner.isEmpty() ? "" : " (" + owner + ")") + "; one process owns a buffer: run the jobs "
                    + "that use it in that process (e.g. POST /api/jobs/collect to its drms serve) or stop it first");
        }
        try { // say who owns it, for the message above
            lockChannel.truncate(0);
            lockChannel.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + " on " + hostName() + "\n")
                    .getBytes(StandardCharsets.UTF_8)), 0);
        } catch (IOException e) {
            // only the message would lack the owner
        }
        try {
            DataBuffer b = new DataBuffer(dir, maxSize, maxChunkBytes, lockChannel, lock);
            b.recover();
            return b;
        } catch (IOException | RuntimeException e) {
            lock.release();
            lockChannel.close();
            throw e;
        }
    }

    public Path directory() {
        return directory;
    }

    /** Where the buffered chunk files are. */
    public Path dataDirectory() {
        return data;
    }

    public Path snapshotsDirectory() {
        return snapshots;
    }

    public long maxSize() {
        return maxSize;
    }

    public long maxChunkBytes() {
        return maxChunkBytes;
    }

    // ------------------------------------------------------------------------------------------------ storing

    /**
     * Validates a chunk body and stores it.
     *
     * @throws InvalidChunkException when it is over {@link #maxChunkBytes} or not a valid chunk (nothing stored)
     * @throws BufferFrozenException when the buffer is FROZEN (nothing stored)
     */
    public StoredChunk store(byte[] body) throws IOException {
        if (body.length > maxChunkBytes) {
            throw tooLarge(body.length);
        }
        return store(ChunkParser.parse(body));
    }

    /** The complaint about a body of {@code bytes} bytes over the limit (also for callers reading a stream). */
    public InvalidChunkException tooLarge(long bytes) {
        return new InvalidChunkException("the chunk is " + (bytes > maxChunkBytes ? bytes + " bytes" : "larger")
                + ", over the limit of " + maxChunkBytes + " bytes (drms.buffer.max-chunk-bytes)", "", 0, 0);
    }

    /**
     * Stores a chunk as {@code data/gwb<nanoseconds>.json} (its canonical JSON), durably, and counts it.
     *
     * @throws BufferFrozenException when the buffer is FROZEN (nothing stored)
     */
    public StoredChunk store(Chunk chunk) throws IOException {
        byte[] json = chunk.toJson();
        if (json.length > maxChunkBytes) {
            throw tooLarge(json.length);
        }
        storeLock.readLock().lock();
        try {
            checkOpen();
            if (status.state() != BufferState.OPERATIONAL) {
                throw new BufferFrozenException("Datastore frozen.");
            }
            String name = "gwb" + nextNanos() + ".json";
            Path tmp = data.resolve(TMP + name);
            try {
                try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    ByteBuffer buf = ByteBuffer.wrap(json);
                    while (buf.hasRemaining()) {
                        c.write(buf);
                    }
                    c.force(true);
                }
                Files.move(tmp, data.resolve(name), StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(tmp);
                throw e;
            }
            forceDirectory(data);
            stats.accumulateAndGet(null, (s, ignored) -> s.plus(json.length));
            Map<String, Object> line = logLine("store", "Write file");
            line.put("size", json.length);
            line.put("name", name);
            appendLog(line);
            return new StoredChunk(name, json.length);
        } finally {
            storeLock.readLock().unlock();
        }
    }

    /** Where {@link #reject} puts chunk files that cannot be read, each with a {@code <name>.reason} file. */
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
    public Path reject(String name, String reason) throws IOException {
        if (!CHUNK_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a chunk file name: " + name);
        }
        adminLock.lock();
        try {
            checkOpen();
            Path source = data.resolve(name);
            if (!Files.exists(source)) {
                return null;
            }
            Path dir = rejectedDirectory();
            Files.createDirectories(dir);
            writeAtomically(dir.resolve(name + ".reason"), (Instant.now() + " " + name + ": " + reason + "\n")
                    .getBytes(StandardCharsets.UTF_8));
            long bytes = Files.size(source);
            Path target = dir.resolve(name);
            storeLock.writeLock().lock();
            try {
                Files.move(source, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                // counted again rather than decremented: a file that cannot be read may not have come through store
                stats.set(count(data));
            } finally {
                storeLock.writeLock().unlock();
            }
            forceDirectory(data);
            forceDirectory(dir);
            Map<String, Object> line = logLine("reject", "Rejected file");
            line.put("name", name);
            line.put("size", bytes);
            line.put("reason", reason);
            appendLog(line);
            return target;
        } finally {
            adminLock.unlock();
        }
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "this host";
        }
    }

    /** Nanoseconds since the epoch, strictly increasing in this buffer (and past every name already in data/). */
    private long nextNanos() {
        Instant now = Instant.now();
        long wall = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        return lastNanos.accumulateAndGet(wall, (last, w) -> Math.max(last + 1, w));
    }

    // ------------------------------------------------------------------------------------------------ reading

    /** The counters (consistent: files and bytes of the same moment). */
    public BufferStats stats() {
        return stats.get();
    }

    public BufferState state() {
        return status.state();
    }

    /** State, who set it and when, and the counters. */
    public BufferStatus describe() {
        Status s = status;
        return new BufferStatus(s.state(), s.user(), s.token(), s.since(), stats.get());
    }

    /** The names of the buffered chunk files, in name order (which is arrival order). */
    public List<String> fileNames() throws IOException {
        return chunkFiles(data).stream().map(p -> p.getFileName().toString()).toList();
    }

    /** The buffered chunk files, in name order (which is arrival order). */
    public List<Path> files() throws IOException {
        return chunkFiles(data);
    }

    /** Reads one buffered chunk by file name. */
    public Chunk read(String name) throws IOException {
        if (!CHUNK_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a chunk file name: " + name);
        }
        return Chunk.parse(Files.readAllBytes(data.resolve(name)));
    }

    /**
     * The t0 of one buffered chunk by file name, read without converting its samples (to put files in time order
     * cheaply); a file whose t0 reads may still fail {@link #read} on a bad sample.
     */
    public double t0(String name) throws IOException {
        if (!CHUNK_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a chunk file name: " + name);
        }
        return ChunkParser.t0(Files.readAllBytes(data.resolve(name)));
    }

    /** The log lines, oldest first, each a JSON object. */
    public List<JsonNode> logEntries() throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(directory.resolve(LOG), StandardCharsets.UTF_8)) {
            if (!l.isBlank()) {
                try {
                    out.add(JSON.readTree(l));
                } catch (RuntimeException e) {
                    // a line torn by a crash: skip it
                }
            }
        }
        return out;
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
                Status s = new Status(BufferState.FROZEN, user, token, Instant.now(), status.snapshot());
                saveState(s, stats.get());
                status = s;
                Map<String, Object> line = logLine("freeze", "Buffer frozen");
                line.put("user", user);
                line.put("token", token);
                line.put("n_itm", stats.get().files());
                line.put("buff_size", stats.get().bytes());
                appendLog(line);
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
                Status s = new Status(BufferState.OPERATIONAL, DEFAULT_USER, DEFAULT_USER, Instant.now(), null);
                saveState(s, stats.get());
                status = s;
                appendLog(logLine("reopen", "Buffer reopened"));
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
            if (stats.get().bytes() >= maxSize) {
                BufferStatus s = freeze(user, token);
                return new TrainDecision(true, s.stats());
            }
            return new TrainDecision(false, stats.get());
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
     */
    public Snapshot snapshot(String user, String token) throws IOException {
        return snapshot(user, token, null);
    }

    /**
     * As {@link #snapshot(String, String)}, once per request: when a snapshot was already taken for this (non-null)
     * request id, recorded in its manifest, it is returned and nothing new is taken. So a job that was killed while
     * its snapshot was under way, and is restarted with the same request id, gets the snapshot it started (finished
     * by {@link #open}) rather than an empty new one.
     */
    public Snapshot snapshot(String user, String token, String request) throws IOException {
        adminLock.lock();
        try {
            checkOpen();
            String pending = status.snapshot();
            if (pending != null) {
                // a snapshot this process started and failed on (an I/O error): finish it if it got its manifest
                Path work = snapshots.resolve(IN_PROGRESS + pending);
                if (Files.isRegularFile(work.resolve(MANIFEST)) || Files.isDirectory(snapshots.resolve(pending))) {
                    return finishSnapshot(pending);
                }
                if (Files.isDirectory(work)) {
                    undoSnapshot(work);
                }
                status = status.withSnapshot(null);
            }
            if (request != null) {
                String taken = snapshotOf(request);
                if (taken != null && Files.isDirectory(snapshots.resolve(taken))) {
                    return readSnapshot(snapshots.resolve(taken));
                }
            }
            String name;
            storeLock.writeLock().lock();
            try {
                if (status.state() != BufferState.FROZEN) {
                    freeze(user, token);
                }
                name = newSnapshotName();
                Status s = status.withSnapshot(name);
                saveState(s, stats.get());
                status = s;
                Map<String, Object> line = logLine("snapshot-start", "Snapshot started");
                line.put("snapshot", name);
                appendLog(line);
            } finally {
                storeLock.writeLock().unlock();
            }
            Path work = snapshots.resolve(IN_PROGRESS + name);
            Files.createDirectories(work);
            List<Snapshot.Entry> entries = new ArrayList<>();
            for (Path f : chunkFiles(data)) {
                entries.add(new Snapshot.Entry(f.getFileName().toString(), Files.size(f), sha256(f)));
            }
            writeAtomically(work.resolve(MANIFEST), manifestJson(name, entries, user, token, request));
            forceDirectory(snapshots);
            steps.accept("manifest");
            return finishSnapshot(name);
        } finally {
            adminLock.unlock();
        }
    }

    /** Moves the files its manifest lists into the in-progress directory, renames it, resets and reopens. */
    private Snapshot finishSnapshot(String name) throws IOException {
        Path work = snapshots.resolve(IN_PROGRESS + name);
        Path done = snapshots.resolve(name);
        if (Files.isDirectory(work)) {
            List<Snapshot.Entry> entries = readManifest(work.resolve(MANIFEST));
            int i = 0;
            for (Snapshot.Entry e : entries) {
                Path from = data.resolve(e.name());
                if (Files.exists(from)) {
                    Files.move(from, work.resolve(e.name()), StandardCopyOption.ATOMIC_MOVE);
                }
                steps.accept("moved " + (++i));
            }
            forceDirectory(data);
            forceDirectory(work);
            Files.move(work, done, StandardCopyOption.ATOMIC_MOVE);
            forceDirectory(snapshots);
            steps.accept("renamed");
        }
        if (!Files.isDirectory(done)) {
            throw new IOException("snapshot " + name + " is recorded as under way but neither " + work + " nor "
                    + done + " exists");
        }
        Snapshot snapshot = readSnapshot(done);
        List<Snapshot.Entry> entries = snapshot.files();
        if (snapshot.request() != null && snapshotOf(snapshot.request()) == null) {
            recordRequest(snapshot.request(), name); // before the reset: a crash here is finished by open()
        }
        storeLock.writeLock().lock();
        try {
            BufferStats remaining = count(data);
            Status s = new Status(BufferState.OPERATIONAL, DEFAULT_USER, DEFAULT_USER, Instant.now(), null);
            saveState(s, remaining);
            stats.set(remaining);
            status = s;
            Map<String, Object> line = logLine("snapshot", "Buffer cleaned");
            line.put("snapshot", name);
            line.put("n_itm", entries.size());
            line.put("buff_size", entries.stream().mapToLong(Snapshot.Entry::bytes).sum());
            appendLog(line);
            appendLog(logLine("reopen", "Buffer reopened"));
            steps.accept("reset");
        } finally {
            storeLock.writeLock().unlock();
        }
        return snapshot;
    }

    /** The snapshot taken for a request id, from {@value #SNAPSHOT_REQUESTS}, or null. */
    private String snapshotOf(String request) throws IOException {
        Path index = directory.resolve(SNAPSHOT_REQUESTS);
        if (!Files.exists(index)) {
            return null;
        }
        for (String l : Files.readAllLines(index, StandardCharsets.UTF_8)) {
            if (l.isBlank()) {
                continue;
            }
            JsonNode n;
            try {
                n = JSON.readTree(l);
            } catch (tools.jackson.core.JacksonException e) {
                continue; // a line cut by a crash: its snapshot is recorded again when it is finished
            }
            if (request.equals(n.path("request").asString(null))) {
                return n.path("snapshot").asString(null);
            }
        }
        return null;
    }

    private void recordRequest(String request, String snapshot) throws IOException {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("request", request);
        line.put("snapshot", snapshot);
        byte[] bytes = ("\n" + JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
        try (FileChannel c = FileChannel.open(directory.resolve(SNAPSHOT_REQUESTS), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                c.write(buf);
            }
            c.force(true);
        }
        forceDirectory(directory);
    }

    /** The snapshots taken, oldest first. */
    public List<Snapshot> snapshots() throws IOException {
        List<Snapshot> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(snapshots)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (!n.startsWith(".") && Files.isRegularFile(p.resolve(MANIFEST))) {
                    out.add(readSnapshot(p));
                }
            }
        }
        out.sort((a, b) -> compareSnapshotNames(a.name(), b.name()));
        return out;
    }

    private static int compareSnapshotNames(String a, String b) {
        String[] x = a.split("-", 2);
        String[] y = b.split("-", 2);
        int c = x[0].compareTo(y[0]);
        if (c != 0) {
            return c;
        }
        return Integer.compare(x.length > 1 ? Integer.parseInt(x[1]) : 1, y.length > 1 ? Integer.parseInt(y[1]) : 1);
    }

    private String newSnapshotName() {
        String base = SNAPSHOT_NAME.format(Instant.now().truncatedTo(ChronoUnit.SECONDS));
        String name = base;
        for (int n = 2; Files.exists(snapshots.resolve(name)) || Files.exists(snapshots.resolve(IN_PROGRESS + name));
             n++) {
            name = base + "-" + n;
        }
        return name;
    }

    private static byte[] manifestJson(String name, List<Snapshot.Entry> entries, String user, String token,
                                       String request) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("user", user);
        m.put("token", token);
        m.put("request", request);
        m.put("created", Instant.now().toString());
        m.put("n_itm", entries.size());
        m.put("buff_size", entries.stream().mapToLong(Snapshot.Entry::bytes).sum());
        List<Map<String, Object>> files = new ArrayList<>();
        for (Snapshot.Entry e : entries) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("name", e.name());
            f.put("bytes", e.bytes());
            f.put("sha256", e.sha256());
            files.add(f);
        }
        m.put("files", files);
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m);
    }

    private static Snapshot readSnapshot(Path directory) throws IOException {
        JsonNode m = JSON.readTree(Files.readAllBytes(directory.resolve(MANIFEST)));
        return new Snapshot(directory.getFileName().toString(), directory, entries(m),
                m.hasNonNull("user") ? m.get("user").asString() : null,
                m.hasNonNull("token") ? m.get("token").asString() : null,
                m.hasNonNull("request") ? m.get("request").asString() : null);
    }

    private static List<Snapshot.Entry> readManifest(Path manifest) throws IOException {
        return entries(JSON.readTree(Files.readAllBytes(manifest)));
    }

    private static List<Snapshot.Entry> entries(JsonNode m) {
        List<Snapshot.Entry> out = new ArrayList<>();
        for (JsonNode f : m.get("files")) {
            out.add(new Snapshot.Entry(f.get("name").asString(), f.get("bytes").asLong(), f.get("sha256").asString()));
        }
        return out;
    }

    static String sha256(Path f) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (InputStream in = Files.newInputStream(f)) {
                byte[] buf = new byte[65536];
                for (int n; (n = in.read(buf)) > 0; ) {
                    md.update(buf, 0, n);
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------------------------------------ recovery

    private void recover() throws IOException {
        List<String> notes = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(data, TMP + "*")) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
                notes.add("removed the unfinished " + p.getFileName());
            }
        }
        Path stateFile = directory.resolve(STATE);
        Status saved = null;
        BufferStats savedStats = null;
        if (Files.exists(stateFile)) {
            try {
                JsonNode s = JSON.readTree(Files.readAllBytes(stateFile));
                saved = new Status(BufferState.valueOf(s.get("dstatus").asString()), s.get("user").asString(),
                        s.get("token").asString(), Instant.parse(s.get("since").asString()),
                        s.hasNonNull("snapshot") ? s.get("snapshot").asString() : null);
                savedStats = new BufferStats(s.get("n_itm").asLong(), s.get("buff_size").asLong());
            } catch (RuntimeException e) {
                notes.add("state.json unreadable (" + e.getMessage() + "); starting OPERATIONAL");
            }
        }
        status = saved != null ? saved
                : new Status(BufferState.OPERATIONAL, DEFAULT_USER, DEFAULT_USER, Instant.now(), null);
        // snapshots: a manifest means the decision was taken; finish it. No manifest: nothing has moved; undo.
        List<String> finished = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(snapshots, IN_PROGRESS + "*")) {
            for (Path work : ds) {
                String name = work.getFileName().toString().substring(IN_PROGRESS.length());
                if (Files.isRegularFile(work.resolve(MANIFEST))) {
                    finished.add(name);
                } else {
                    undoSnapshot(work);
                    notes.add("undid the snapshot " + name + " that had no manifest yet");
                }
            }
        }
        stats.set(count(data));
        lastNanos.set(maxNanos(data));
        for (String name : finished) {
            if (status.snapshot() == null || !status.snapshot().equals(name)) {
                status = status.withSnapshot(name); // recorded as under way or not, it has a manifest: finish it
            }
            finishSnapshot(name);
            notes.add("finished the interrupted snapshot " + name);
        }
        if (status.snapshot() != null) {
            if (Files.isRegularFile(snapshots.resolve(status.snapshot()).resolve(MANIFEST))) {
                finishSnapshot(status.snapshot()); // renamed but not yet reset
                notes.add("reset the buffer after the snapshot " + status.snapshot());
            } else {
                notes.add("the snapshot " + status.snapshot() + " had not started; the buffer stays FROZEN");
                status = status.withSnapshot(null);
            }
        }
        BufferStats now = count(data);
        stats.set(now);
        if (savedStats != null && !savedStats.equals(now)) {
            notes.add("counters were " + savedStats.files() + " files, " + savedStats.bytes() + " bytes; the disk holds "
                    + now.files() + " files, " + now.bytes() + " bytes");
        }
        saveState(status, now);
        if (!notes.isEmpty()) {
            Map<String, Object> line = logLine("recover", "Recovered at start");
            line.put("notes", notes);
            line.put("n_itm", now.files());
            line.put("buff_size", now.bytes());
            appendLog(line);
        }
    }

    /** Puts back into data/ any chunk file of a snapshot that never got a manifest, then removes the directory. */
    private void undoSnapshot(Path work) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(work)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (CHUNK_NAME.matcher(n).matches()) {
                    Files.move(p, data.resolve(n), StandardCopyOption.ATOMIC_MOVE);
                } else {
                    Files.delete(p);
                }
            }
        }
        forceDirectory(data);
        Files.delete(work);
        forceDirectory(snapshots);
    }

    private static List<Path> chunkFiles(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (CHUNK_NAME.matcher(p.getFileName().toString()).matches()) {
                    out.add(p);
                }
            }
        }
        out.sort(null);
        return out;
    }

    private static BufferStats count(Path dir) throws IOException {
        long files = 0;
        long bytes = 0;
        for (Path p : chunkFiles(dir)) {
            try {
                bytes += Files.size(p);
                files++;
            } catch (NoSuchFileException e) {
                // moved away meanwhile
            }
        }
        return new BufferStats(files, bytes);
    }

    private static long maxNanos(Path dir) throws IOException {
        long max = 0;
        for (Path p : chunkFiles(dir)) {
            Matcher m = CHUNK_NAME.matcher(p.getFileName().toString());
            if (m.matches()) {
                try {
                    max = Math.max(max, Long.parseLong(m.group(1)));
                } catch (NumberFormatException e) {
                    // 19 digits over Long.MAX_VALUE: not one of ours
                }
            }
        }
        return max;
    }

    // ------------------------------------------------------------------------------------------------ files

    private void saveState(Status s, BufferStats counters) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dstatus", s.state().name());
        m.put("user", s.user());
        m.put("token", s.token());
        m.put("since", s.since().toString());
        m.put("n_itm", counters.files());
        m.put("buff_size", counters.bytes());
        m.put("snapshot", s.snapshot());
        writeAtomically(directory.resolve(STATE), JSON.writeValueAsBytes(m));
    }

    /** Writes a temporary file, forces it, renames it over {@code target} and forces the directory. */
    private static void writeAtomically(Path target, byte[] content) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(content);
            while (buf.hasRemaining()) {
                c.write(buf);
            }
            c.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceDirectory(target.getParent());
    }

    private static void forceDirectory(Path dir) throws IOException {
        try (FileChannel c = FileChannel.open(dir, StandardOpenOption.READ)) {
            c.force(true);
        } catch (IOException e) {
            // some platforms cannot open a directory for fsync; the rename is then as durable as they make it
            if (!System.getProperty("os.name", "").toLowerCase().contains("win")) {
                throw e;
            }
        }
    }

    private static Map<String, Object> logLine(String event, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("level", "info");
        m.put("id", 0);
        m.put("event", event);
        m.put("time", Instant.now().toString());
        m.put("message", message);
        return m;
    }

    /** Appends one JSON line and forces it to disk. A torn last line (a crash mid-write) is skipped by readers. */
    private void appendLog(Map<String, Object> line) throws IOException {
        byte[] bytes = (JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
        synchronized (log) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                log.write(buf);
            }
            log.force(false);
        }
    }

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
                try {
                    saveState(status, stats.get());
                } finally {
                    log.close();
                    lock.release();
                    lockChannel.close();
                }
            } finally {
                storeLock.writeLock().unlock();
            }
        } finally {
            adminLock.unlock();
        }
    }
}
