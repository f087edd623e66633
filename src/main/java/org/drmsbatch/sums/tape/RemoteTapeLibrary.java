package org.drmsbatch.sums.tape;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A tape library that is another site's: a site (A) without a library of its own keeps its tape files on a second
 * drms-batch server (B), as MWA stages through its HSM's API. A writes each tape file to B with B's upload extension
 * ({@code PUT <endpoint>/upload/<volume>/<name>}, where B keeps it as a record of an archived series, which B's own
 * archive job puts on B's tape and B's scrub may take off B's disk), and reads it back through B's WLCG Tape REST API
 * ({@code POST <endpoint>/stage}, polled until the file is on B's disk, downloaded, {@code POST release}). The
 * endpoint comes from B's discovery document ({@code <url>/.well-known/wlcg-tape-rest-api}, version v1).
 *
 * <ul>
 * <li>Volumes are labels this site keeps ({@code <directory>/volumes/<label>}): {@link #create} and {@link #has}
 * as {@link TapeArchive} expects. A mount costs nothing and seeks nothing; the drives only bound how many transfers
 * run at once.</li>
 * <li>{@link Drive#append} writes the tape file (the very bytes {@link TarTapeLibrary} would write for the unit,
 * {@link TarFormat}) to a temporary file, uploads it with its MD5 and returns a {@link TapeFile} whose
 * {@code position} is B's storage unit number: a remote library has no byte positions, and B's unit is what a read
 * asks B for. B has committed the file when it answers, so {@link Drive#force} has nothing to do; a tape file of a
 * transaction that rolls back stays on B as a harmless orphan that a new upload of the same name reuses (same MD5)
 * or that B refuses (409, another MD5), and {@link Drive#truncate} has nothing to cut.</li>
 * <li>{@link Drive#read} asks B where the file is ({@code GET <endpoint>/upload/<volume>/<name>}), stages it, polls
 * every poll interval until it is COMPLETED (FAILED or CANCELLED: a {@link TapeException} with B's error), asks again
 * where it is now on B's disk, downloads it and restores it into the target with the length and MD5 checked against
 * the {@link TapeFile} (entries escaping the target and links refused, as {@link TarTapeLibrary} reads), then
 * releases the request.</li>
 * </ul>
 * Counters: mounts, bytes uploaded and downloaded; no seeks, and no modelled seconds. {@link #requests()} counts the
 * HTTP requests made to B. Every error names B's URL, the request and, when B answered, its HTTP status and detail.
 *
 * <p>The API token goes to B's origin only (the configured URL's scheme, host and port; an endpoint discovered
 * elsewhere is refused), and in clear only to a loopback address: any other host needs https.
 */
public class RemoteTapeLibrary implements TapeLibrary {

    private static final Logger log = LoggerFactory.getLogger(RemoteTapeLibrary.class);

    /** The discovery document's path (RFC 8615, WLCG Tape REST API v1). */
    public static final String DISCOVERY = "/.well-known/wlcg-tape-rest-api";

    private final URI url;
    private final String token;
    private final Path directory;
    private final Duration pollInterval;
    private final Duration timeout;
    private final Duration stageTimeout;
    private final TapeModel model;
    private final HttpClient http;
    private final JsonMapper json = JsonMapper.builder().build();
    private final Slot[] drives;
    private volatile URI endpoint;
    private long mounts;
    private long unmounts;
    private long bytesRead;
    private long bytesWritten;
    private long requests;

    private static final class Slot {
        final int index;
        String volume;
        boolean inUse;

        Slot(int index) {
            this.index = index;
        }
    }

    /**
     * @param url          B's base URL ({@code http://127.0.0.1:8080}, {@code https://tape.example.org}); http only to a
     *                     loopback address
     * @param token        B's API token (sent as {@code Authorization: Bearer}); null or blank: none (B refuses
     *                     uploads and stage requests then)
     * @param directory    where this site keeps its volume labels and the tape files being uploaded
     * @param drives       transfers at once
     * @param capacity     bytes a volume holds (what {@link TapeArchive} fills volumes to)
     * @param pollInterval how often a stage request is polled
     * @param timeout      the longest any one request to B may take until B answers (an upload: until its body is
     *                     sent and answered)
     * @param stageTimeout the longest a read waits for B to stage a file
     */
    public RemoteTapeLibrary(URI url, String token, Path directory, int drives, long capacity, Duration pollInterval,
                             Duration timeout, Duration stageTimeout) {
        this.url = checkUrl(url);
        if (drives < 1) {
            throw new IllegalArgumentException("a tape library needs at least one drive");
        }
        if (pollInterval.isNegative() || pollInterval.isZero() || timeout.isNegative() || timeout.isZero()
                || stageTimeout.isNegative() || stageTimeout.isZero()) {
            throw new IllegalArgumentException("a remote tape library's poll interval and timeouts must be positive");
        }
        this.token = token == null || token.isBlank() ? null : token.trim();
        this.directory = directory;
        this.pollInterval = pollInterval;
        this.timeout = timeout;
        this.stageTimeout = stageTimeout;
        // nothing to wait for but the transfers: no mount, seek or streaming time
        this.model = new TapeModel(0, 0, 0, 0, Double.POSITIVE_INFINITY, capacity);
        this.http = HttpClient.newBuilder()
                .connectTimeout(timeout.compareTo(Duration.ofSeconds(30)) < 0 ? timeout : Duration.ofSeconds(30))
                .followRedirects(HttpClient.Redirect.NEVER) // the token goes where it was configured to, nowhere else
                .build();
        this.drives = new Slot[drives];
        for (int i = 0; i < drives; i++) {
            this.drives[i] = new Slot(i);
        }
    }

    /** The URL, checked: http or https, a host, no query; http only to a loopback address. */
    static URI checkUrl(URI url) {
        if (url == null) {
            throw new IllegalArgumentException("a remote tape library needs B's URL (drms.tape.remote.url)");
        }
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || url.getHost() == null || url.getRawQuery() != null
                || url.getRawFragment() != null) {
            throw new IllegalArgumentException("drms.tape.remote.url '" + url + "' is not a server's base URL such as"
                    + " https://tape.example.org or http://127.0.0.1:8080");
        }
        if (scheme.equals("http") && !loopback(url.getHost())) {
            throw new IllegalArgumentException("drms.tape.remote.url '" + url + "' would send the API token in clear"
                    + " over the network: use https (http is for a loopback address only)");
        }
        String s = url.toString();
        return URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
    }

    private static boolean loopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("localhost") || h.equals("[::1]") || h.equals("::1") || h.matches("127(\\.\\d{1,3}){3}");
    }

    public URI url() {
        return url;
    }

    /** HTTP requests made to B so far. */
    public synchronized long requests() {
        return requests;
    }

    @Override
    public int drives() {
        return drives.length;
    }

    @Override
    public TapeModel model() {
        return model;
    }

    // ---- volumes: labels kept here ----

    private Path label(String volume) {
        if (volume == null || !TarTapeLibrary.LABEL.matcher(volume).matches()) {
            throw new TapeException("Not a volume label: '" + volume + "' (letters, digits, '-' and '_', at most 32)");
        }
        return directory.resolve("volumes").resolve(volume);
    }

    @Override
    public void create(String volume) {
        Path file = label(volume);
        try {
            Files.createDirectories(file.getParent());
            Files.createFile(file);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw new TapeException("Volume " + volume + " exists already (" + file + ")");
        } catch (IOException e) {
            throw new TapeException("Cannot create volume " + volume + " (" + file + "): " + e, e);
        }
    }

    @Override
    public boolean has(String volume) {
        return Files.isRegularFile(label(volume), LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public Drive mount(String volume) throws InterruptedException {
        if (!has(volume)) {
            throw new TapeException("Volume " + volume + " is not in the remote tape library at " + url + " ("
                    + label(volume) + " missing)");
        }
        synchronized (this) {
            while (true) {
                Slot holding = null;
                Slot free = null;
                for (Slot s : drives) {
                    if (volume.equals(s.volume)) {
                        holding = s;
                    } else if (!s.inUse && (free == null || free.volume != null && s.volume == null)) {
                        free = s;
                    }
                }
                if (holding != null) {
                    if (!holding.inUse) {
                        holding.inUse = true;
                        return new RemoteDrive(holding, volume);
                    }
                } else if (free != null) {
                    if (free.volume != null) {
                        unmounts++;
                    }
                    free.volume = volume;
                    free.inUse = true;
                    mounts++;
                    return new RemoteDrive(free, volume);
                }
                wait();
            }
        }
    }

    private synchronized void release(Slot slot) {
        slot.inUse = false;
        notifyAll();
    }

    @Override
    public synchronized List<DriveState> driveStates() {
        List<DriveState> out = new ArrayList<>();
        for (Slot s : drives) {
            out.add(new DriveState(s.index, s.volume, s.inUse, 0));
        }
        return out;
    }

    @Override
    public synchronized TapeCounters counters() {
        return new TapeCounters(mounts, unmounts, 0, bytesRead, bytesWritten, 0);
    }

    @Override
    public long tapeBytes(String name, Path directory) {
        return TarFormat.bytes(name, directory);
    }

    @Override
    public synchronized void close() {
        for (Slot s : drives) {
            if (!s.inUse && s.volume != null) {
                s.volume = null;
                unmounts++;
            }
        }
        notifyAll();
    }

    private synchronized void counted(long read, long written) {
        requests++;
        bytesRead += read;
        bytesWritten += written;
    }

    // ---- B's API ----

    /** B's tape endpoint ({@code .../api/tape/v1}), from its discovery document on first use. */
    URI endpoint() {
        URI e = endpoint;
        if (e != null) {
            return e;
        }
        URI discovery = URI.create(url + DISCOVERY);
        JsonNode doc = json(send(HttpRequest.newBuilder(discovery).GET(), "GET " + DISCOVERY, Set.of(200)));
        JsonNode endpoints = doc.get("endpoints");
        if (endpoints != null && endpoints.isArray()) {
            for (JsonNode n : endpoints) {
                if ("v1".equals(text(n, "version")) && text(n, "uri") != null) {
                    e = URI.create(text(n, "uri").replaceAll("/+$", ""));
                    break;
                }
            }
        }
        if (e == null) {
            throw new TapeException("Remote tape library " + url + ": its discovery document " + discovery
                    + " names no endpoint of version v1: " + abbreviate(doc.toString()));
        }
        if (!sameOrigin(url, e)) {
            throw new TapeException("Remote tape library " + url + ": its discovery document names the endpoint " + e
                    + ", on another server than " + url + ": refused, so that the API token goes to " + url
                    + " only");
        }
        endpoint = e;
        return e;
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost() != null
                && a.getHost().equalsIgnoreCase(b.getHost()) && port(a) == port(b);
    }

    private static int port(URI u) {
        return u.getPort() >= 0 ? u.getPort() : u.getScheme().equalsIgnoreCase("https") ? 443 : 80;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n == null ? null : n.get(field);
        return v == null || v.isNull() ? null : v.asString();
    }

    private static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A tape file's resource on B: {@code <endpoint>/upload/<volume>/<name>}. */
    private URI upload(String volume, String name) {
        return URI.create(endpoint() + "/upload/" + segment(volume) + "/" + segment(name));
    }

    private HttpRequest.Builder authorized(HttpRequest.Builder b) {
        b.timeout(timeout);
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    /** Sends a request whose answer is small: its body as text when its status is one of {@code ok}. */
    private String send(HttpRequest.Builder b, String what, Set<Integer> ok) {
        HttpResponse<String> r = exchange(authorized(b).build(), what, HttpResponse.BodyHandlers.ofString());
        counted(0, 0);
        if (!ok.contains(r.statusCode())) {
            throw refused(what, r.statusCode(), r.body());
        }
        return r.body();
    }

    private <T> HttpResponse<T> exchange(HttpRequest request, String what, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(request, handler);
        } catch (HttpConnectTimeoutException e) {
            throw new TapeException("Remote tape library " + url + " is unreachable: " + what + " could not connect"
                    + " within " + timeout + " (" + e.getMessage() + ")", e);
        } catch (HttpTimeoutException e) {
            throw new TapeException("Remote tape library " + url + ": " + what + " had no answer within " + timeout
                    + " (drms.tape.remote.timeout)", e);
        } catch (ConnectException e) {
            throw new TapeException("Remote tape library " + url + " is unreachable: " + what + " could not connect ("
                    + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()) + ")", e);
        } catch (IOException e) {
            throw new TapeException("Remote tape library " + url + ": " + what + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TapeException("Interrupted while waiting for the remote tape library " + url + " (" + what + ")",
                    e);
        }
    }

    private TapeException refused(String what, int status, String body) {
        String detail = body == null || body.isBlank() ? "" : ": " + problemDetail(body);
        String hint = status == 401 || status == 403
                ? " (is drms.tape.remote.token B's API token, or a user's with the role operate?)" : "";
        return new TapeException("Remote tape library " + url + ": " + what + " answered HTTP " + status + detail
                + hint);
    }

    /** A problem body's detail (or title), else the body, shortened. */
    private String problemDetail(String body) {
        try {
            JsonNode n = json.readTree(body);
            String d = text(n, "detail");
            if (d == null) {
                d = text(n, "title");
            }
            if (d == null) {
                d = text(n, "error");
            }
            if (d != null) {
                return abbreviate(d);
            }
        } catch (JacksonException notJson) {
            // not JSON: the text itself
        }
        return abbreviate(body.strip());
    }

    private static String abbreviate(String s) {
        return s.length() > 500 ? s.substring(0, 500) + "..." : s;
    }

    private JsonNode json(String body) {
        try {
            return json.readTree(body);
        } catch (JacksonException e) {
            throw new TapeException("Remote tape library " + url + " answered what is not JSON: " + abbreviate(body),
                    e);
        }
    }

    /** What B says of a tape file: its unit, its download path, MD5 and length. */
    record Stored(long sunum, String path, String md5, long bytes) {
    }

    private Stored stored(JsonNode n, String what) {
        String path = text(n, "path");
        String md5 = text(n, "md5");
        JsonNode sunum = n.get("sunum");
        if (sunum == null || !sunum.canConvertToLong() || path == null || md5 == null) {
            throw new TapeException("Remote tape library " + url + ": " + what + " answered without sunum, path and"
                    + " md5: " + abbreviate(n.toString()));
        }
        JsonNode bytes = n.get("bytes");
        return new Stored(sunum.asLong(), path, md5, bytes == null ? -1 : bytes.asLong());
    }

    /** Uploads a tape file; B answers with where it keeps it. */
    Stored upload(String volume, int fileNumber, String name, Path file, long bytes, String md5) {
        URI target = upload(volume, name);
        String what = "PUT " + target.getPath();
        HttpRequest.Builder b;
        try {
            b = HttpRequest.newBuilder(target).PUT(HttpRequest.BodyPublishers.ofFile(file));
        } catch (java.io.FileNotFoundException e) {
            throw new TapeException("Cannot upload " + file + ": " + e.getMessage(), e);
        }
        b.header("Content-Type", "application/octet-stream")
                .header("X-Checksum-MD5", md5)
                .header("Content-MD5", Base64.getEncoder().encodeToString(HexFormat.of().parseHex(md5)))
                .header("X-Tape-File-Number", Integer.toString(fileNumber));
        HttpResponse<String> r = exchange(authorized(b).build(), what, HttpResponse.BodyHandlers.ofString());
        counted(0, bytes);
        if (r.statusCode() != 201 && r.statusCode() != 200) {
            throw refused(what, r.statusCode(), r.body());
        }
        Stored s = stored(json(r.body()), what);
        if (!s.md5().equalsIgnoreCase(md5)) {
            throw new TapeException("Remote tape library " + url + ": " + what + " answered MD5 " + s.md5() + " for"
                    + " tape file " + fileNumber + " of volume " + volume + ", written with MD5 " + md5);
        }
        return s;
    }

    /** Where B keeps a tape file now (its path changes when B stages it back to another partition). */
    Stored find(String volume, String name) {
        URI target = upload(volume, name);
        return stored(json(send(HttpRequest.newBuilder(target).GET(), "GET " + target.getPath(), Set.of(200))),
                "GET " + target.getPath());
    }

    /** Asks B to stage a file: the request's id. */
    String stage(String path) {
        URI target = URI.create(endpoint() + "/stage");
        String body = json.writeValueAsString(Map.of("files", List.of(Map.of("path", path))));
        String what = "POST " + target.getPath() + " (" + path + ")";
        JsonNode n = json(send(HttpRequest.newBuilder(target).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)), what, Set.of(201)));
        String id = text(n, "requestId");
        if (id == null || id.isBlank()) {
            throw new TapeException("Remote tape library " + url + ": " + what + " answered without a requestId: "
                    + abbreviate(n.toString()));
        }
        return id;
    }

    /**
     * Polls a stage request until its file is on B's disk (COMPLETED, or {@code onDisk} true); FAILED, CANCELLED or
     * an {@code error} is a {@link TapeException} with B's error, and so is waiting longer than the stage timeout.
     */
    void awaitStaged(String id, String path, String where) {
        URI target = URI.create(endpoint() + "/stage/" + segment(id));
        String what = "GET " + target.getPath();
        long deadline = System.nanoTime() + stageTimeout.toNanos();
        String sanitised = path.replaceAll("/{2,}", "/");
        while (true) {
            JsonNode n = json(send(HttpRequest.newBuilder(target).GET(), what, Set.of(200)));
            JsonNode file = null;
            JsonNode files = n.get("files");
            if (files != null && files.isArray()) {
                for (JsonNode f : files) {
                    String p = text(f, "path");
                    if (p != null && p.replaceAll("/{2,}", "/").equals(sanitised)) {
                        file = f;
                    }
                }
            }
            if (file == null) {
                throw new TapeException("Remote tape library " + url + ": " + what + " does not list " + path + ": "
                        + abbreviate(n.toString()));
            }
            String state = text(file, "state");
            String error = text(file, "error");
            JsonNode onDisk = file.get("onDisk");
            if (error != null || "FAILED".equals(state) || "CANCELLED".equals(state) || "CANCELED".equals(state)) {
                throw new TapeException("Remote tape library " + url + " could not stage " + where + " (" + path
                        + ", stage request " + id + "): " + (state != null ? state : "error") + ": "
                        + (error != null ? error : "no reason given"));
            }
            if ("COMPLETED".equals(state) || onDisk != null && onDisk.asBoolean()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new TapeException("Remote tape library " + url + " did not stage " + where + " (" + path
                        + ", stage request " + id + ") within " + stageTimeout + " (drms.tape.remote.stage-timeout):"
                        + " still " + state);
            }
            try {
                Thread.sleep(pollInterval.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TapeException("Interrupted while waiting for the remote tape library " + url + " to stage "
                        + where, e);
            }
        }
    }

    /** Tells B the file is no longer needed on disk; a failure is only logged (B's request expires anyway). */
    void release(String id, String path) {
        URI target = URI.create(endpoint() + "/release/" + segment(id));
        String body = json.writeValueAsString(Map.of("paths", List.of(path)));
        try {
            send(HttpRequest.newBuilder(target).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)), "POST " + target.getPath(), Set.of(200));
        } catch (TapeException e) {
            log.warn("{}", e.getMessage());
        }
    }

    /** Downloads a tape file from B's disk and restores it into {@code target}, length and MD5 checked. */
    void download(Stored s, TapeFile tf, String where, String name, Path target) {
        URI file = url.resolve(s.path());
        String what = "GET " + file.getPath();
        HttpResponse<InputStream> r = exchange(authorized(HttpRequest.newBuilder(file).GET()).build(), what,
                HttpResponse.BodyHandlers.ofInputStream());
        long read = 0;
        try (InputStream in = r.body()) {
            if (r.statusCode() != 200) {
                throw refused(what, r.statusCode(), new String(in.readNBytes(4096), StandardCharsets.UTF_8));
            }
            long length = r.headers().firstValueAsLong("Content-Length").orElse(-1);
            TarFormat.Restored restored = TarFormat.restore(in, tf.bytes(), where, name, target);
            read = restored.bytes();
            if (in.read() >= 0) {
                throw new TapeException(where + " downloaded from " + file + " is longer than the " + tf.bytes()
                        + " bytes that were written" + (length >= 0 ? " (" + length + " bytes)" : ""));
            }
            restored.check(tf, where + " downloaded from " + file);
        } catch (IOException e) {
            throw new TapeException("Remote tape library " + url + ": " + what + " (" + where + ") broke off: " + e, e);
        } finally {
            counted(read, 0);
        }
    }

    /** A drive: a volume's label held by one user; the transfers go to B. */
    private final class RemoteDrive implements Drive {
        private final Slot slot;
        private final String volume;
        private boolean closed;

        RemoteDrive(Slot slot, String volume) {
            this.slot = slot;
            this.volume = volume;
        }

        @Override
        public String volume() {
            return volume;
        }

        private void open() {
            if (closed) {
                throw new IllegalStateException("drive released");
            }
        }

        /** Nothing to cut: B keeps what it answered for; an upload that never committed here is reused or refused. */
        @Override
        public void truncate(long end) {
            open();
        }

        @Override
        public TapeFile append(int fileNumber, String name, Path dir) {
            open();
            Path tmp = null;
            try {
                Path spool = Files.createDirectories(directory.resolve("upload"));
                tmp = Files.createTempFile(spool, volume + "-" + fileNumber + "-", ".tar");
                TarFormat.Written written;
                try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                    written = TarFormat.write(out, name, dir);
                }
                Stored s = upload(volume, fileNumber, name, tmp, written.bytes(), written.md5());
                return new TapeFile(volume, fileNumber, s.sunum(), written.bytes(), written.md5());
            } catch (IOException e) {
                throw new TapeException("Cannot write tape file " + fileNumber + " (" + name + ") of volume " + volume
                        + " for the remote tape library " + url + ": " + e, e);
            } finally {
                if (tmp != null) {
                    try {
                        Files.deleteIfExists(tmp);
                    } catch (IOException ignored) {
                        // a spool file left behind is overwritten by nothing and harmless
                    }
                }
            }
        }

        /** B committed each tape file before it answered the upload: nothing to force. */
        @Override
        public void force() {
            open();
        }

        @Override
        public void read(TapeFile tf, String name, Path target) {
            open();
            if (!tf.volume().equals(volume)) {
                throw new IllegalArgumentException("tape file of " + tf.volume() + " read on " + volume);
            }
            String where = "tape file " + tf.fileNumber() + " (" + name + ") of volume " + volume
                    + " (storage unit " + tf.position() + " of " + url + ")";
            Stored s = find(volume, name);
            if (s.sunum() != tf.position() || !s.md5().equalsIgnoreCase(tf.md5())) {
                throw new TapeException(url + " holds another file as " + where + ": storage unit " + s.sunum()
                        + " with MD5 " + s.md5() + ", while storage unit " + tf.position() + " with MD5 " + tf.md5()
                        + " was written");
            }
            String id = stage(s.path());
            try {
                awaitStaged(id, s.path(), where);
                download(find(volume, name), tf, where, name, target);
            } finally {
                release(id, s.path());
            }
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                release(slot);
            }
        }
    }
}
