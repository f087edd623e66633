package org.drmsbatch.buffer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
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
import java.util.function.Consumer;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The snapshots of the buffer, {@code snapshots/<UTC time>}: each the chunk files moved out of {@code data/} and
 * a {@code manifest.json} (name, bytes and SHA-256 of each file, who asked, for which request). One is taken in
 * {@code snapshots/.inprogress-<name>}: the manifest first, then the files it lists, then the rename to its final
 * name, so after a crash there is the whole buffer or the whole snapshot, and the step interrupted can be finished
 * (a manifest: the decision was taken) or undone (no manifest: nothing has moved yet). The request each snapshot was
 * taken for, and any other request answered with it, is indexed in {@code snapshot-requests.jsonl}. Takes no lock and keeps no state: {@link DataBuffer}
 * orders the steps.
 */
final class Snapshots {

    static final String SNAPSHOTS = "snapshots";
    static final String MANIFEST = "manifest.json";
    static final String IN_PROGRESS = ".inprogress-";
    /** Which snapshot each request id got: a line {"request", "snapshot"} per snapshot taken for a request. */
    static final String SNAPSHOT_REQUESTS = "snapshot-requests.jsonl";
    private static final DateTimeFormatter SNAPSHOT_NAME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Path bufferDirectory;
    private final Path snapshots;
    private final ChunkStore chunks;
    private final Consumer<String> steps;

    /**
     * @param steps told each step of a snapshot ("manifest", "moved 3", "renamed"): a test hook
     */
    Snapshots(Path bufferDirectory, ChunkStore chunks, Consumer<String> steps) {
        this.bufferDirectory = bufferDirectory;
        this.snapshots = bufferDirectory.resolve(SNAPSHOTS);
        this.chunks = chunks;
        this.steps = steps;
    }

    Path directory() {
        return snapshots;
    }

    /** A name not yet taken: the UTC time to the second, with -2, -3… when taken again in the same second. */
    String newName() {
        String base = SNAPSHOT_NAME.format(Instant.now().truncatedTo(ChronoUnit.SECONDS));
        String name = base;
        for (int n = 2; Files.exists(snapshots.resolve(name)) || Files.exists(snapshots.resolve(IN_PROGRESS + name));
             n++) {
            name = base + "-" + n;
        }
        return name;
    }

    /** Whether the in-progress snapshot {@code name} has its manifest (it must be finished, not undone). */
    boolean hasManifest(String name) {
        return Files.isRegularFile(snapshots.resolve(IN_PROGRESS + name).resolve(MANIFEST));
    }

    /** Whether {@code name} has an in-progress directory. */
    boolean isInProgress(String name) {
        return Files.isDirectory(snapshots.resolve(IN_PROGRESS + name));
    }

    /** Whether {@code name} has its final name (renamed, maybe not yet reset). */
    boolean isRenamed(String name) {
        return Files.isDirectory(snapshots.resolve(name));
    }

    /** Whether {@code name} has its final name and its manifest. */
    boolean isComplete(String name) {
        return Files.isRegularFile(snapshots.resolve(name).resolve(MANIFEST));
    }

    /** The names of the snapshots in progress ({@code .inprogress-<name>} directories). */
    List<String> inProgress() throws IOException {
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(snapshots, IN_PROGRESS + "*")) {
            for (Path work : ds) {
                out.add(work.getFileName().toString().substring(IN_PROGRESS.length()));
            }
        }
        return out;
    }

    /**
     * Begins the snapshot {@code name}: creates its in-progress directory and writes the manifest of the chunk files
     * now buffered. From here on the snapshot is finished, never undone.
     */
    void begin(String name, String user, String token, String request) throws IOException {
        Path work = snapshots.resolve(IN_PROGRESS + name);
        Files.createDirectories(work);
        List<Snapshot.Entry> entries = new ArrayList<>();
        for (Path f : chunks.files()) {
            entries.add(new Snapshot.Entry(f.getFileName().toString(), Files.size(f), sha256(f)));
        }
        DurableFiles.writeAtomically(work.resolve(MANIFEST), manifestJson(name, entries, user, token, request));
        DurableFiles.forceDirectory(snapshots);
        steps.accept("manifest");
    }

    /**
     * Finishes the files of the snapshot {@code name}: moves those its manifest lists (and still in {@code data/})
     * into the in-progress directory, renames it, and indexes its request. Done again after a crash, it continues
     * where it stopped. The buffer is then to be reset (by the caller).
     */
    Snapshot complete(String name) throws IOException {
        Path work = snapshots.resolve(IN_PROGRESS + name);
        Path done = snapshots.resolve(name);
        if (Files.isDirectory(work)) {
            List<Snapshot.Entry> entries = entries(JSON.readTree(Files.readAllBytes(work.resolve(MANIFEST))));
            int i = 0;
            for (Snapshot.Entry e : entries) {
                Path from = chunks.directory().resolve(e.name());
                if (Files.exists(from)) {
                    Files.move(from, work.resolve(e.name()), StandardCopyOption.ATOMIC_MOVE);
                }
                steps.accept("moved " + (++i));
            }
            DurableFiles.forceDirectory(chunks.directory());
            DurableFiles.forceDirectory(work);
            Files.move(work, done, StandardCopyOption.ATOMIC_MOVE);
            DurableFiles.forceDirectory(snapshots);
            steps.accept("renamed");
        }
        if (!Files.isDirectory(done)) {
            throw new IOException("snapshot " + name + " is recorded as under way but neither " + work + " nor "
                    + done + " exists");
        }
        Snapshot snapshot = read(done);
        if (snapshot.request() != null && nameFor(snapshot.request()) == null) {
            recordRequest(snapshot.request(), name); // before the reset: a crash here is finished by open()
        }
        return snapshot;
    }

    /**
     * Undoes the in-progress snapshot {@code name}, which never got a manifest: puts back into data/ any chunk file
     * in it, then removes the directory.
     */
    void undo(String name) throws IOException {
        Path work = snapshots.resolve(IN_PROGRESS + name);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(work)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (ChunkStore.isChunkName(n)) {
                    Files.move(p, chunks.directory().resolve(n), StandardCopyOption.ATOMIC_MOVE);
                } else {
                    Files.delete(p);
                }
            }
        }
        DurableFiles.forceDirectory(chunks.directory());
        Files.delete(work);
        DurableFiles.forceDirectory(snapshots);
    }

    /** The snapshot taken for a request id, or null when none was (or it is gone). */
    Snapshot forRequest(String request) throws IOException {
        String taken = nameFor(request);
        if (taken != null && Files.isDirectory(snapshots.resolve(taken))) {
            return read(snapshots.resolve(taken));
        }
        return null;
    }

    /**
     * Records {@code name} as the snapshot taken for {@code request} unless the request already has one: for a
     * request that is answered with a snapshot begun for another (one failed midway, finished on its behalf).
     */
    void recordRequestIfAbsent(String request, String name) throws IOException {
        if (nameFor(request) == null) {
            recordRequest(request, name);
        }
    }

    /** The snapshots taken, oldest first. */
    List<Snapshot> list() throws IOException {
        List<Snapshot> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(snapshots)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (!n.startsWith(".") && Files.isRegularFile(p.resolve(MANIFEST))) {
                    out.add(read(p));
                }
            }
        }
        out.sort((a, b) -> compareNames(a.name(), b.name()));
        return out;
    }

    private static int compareNames(String a, String b) {
        String[] x = a.split("-", 2);
        String[] y = b.split("-", 2);
        int c = x[0].compareTo(y[0]);
        if (c != 0) {
            return c;
        }
        return Integer.compare(x.length > 1 ? Integer.parseInt(x[1]) : 1, y.length > 1 ? Integer.parseInt(y[1]) : 1);
    }

    /** The snapshot taken for a request id, from {@value #SNAPSHOT_REQUESTS}, or null. */
    private String nameFor(String request) throws IOException {
        Path index = bufferDirectory.resolve(SNAPSHOT_REQUESTS);
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
        try (FileChannel c = FileChannel.open(bufferDirectory.resolve(SNAPSHOT_REQUESTS), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            DurableFiles.write(c, bytes);
            c.force(true);
        }
        DurableFiles.forceDirectory(bufferDirectory);
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

    private static Snapshot read(Path directory) throws IOException {
        JsonNode m = JSON.readTree(Files.readAllBytes(directory.resolve(MANIFEST)));
        return new Snapshot(directory.getFileName().toString(), directory, entries(m),
                m.hasNonNull("user") ? m.get("user").asString() : null,
                m.hasNonNull("token") ? m.get("token").asString() : null,
                m.hasNonNull("request") ? m.get("request").asString() : null);
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
}
