package org.drmsbatch.sums.tape;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.drmsbatch.sums.tape.TapeLibrary.Drive;
import org.drmsbatch.sums.tape.TapeLibrary.DriveState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The remote tape library against B's contract, B being a small server in the test that speaks it (discovery, the
 * upload extension, WLCG stage/poll/release, downloads) over a real socket and lets a test make it fail: what A
 * uploads is byte for byte what a tar library writes for the unit, a read stages, polls, downloads, restores and
 * releases; B's FAILED state, a corrupted or longer download, a missing token, an unreachable B and a discovery
 * document pointing elsewhere are clear {@link TapeException}s naming B's URL. The end-to-end test against a real
 * second server is {@link RemoteTapeLibraryTest}.
 */
class RemoteTapeLibraryContractTest {

    static final String TOKEN = "b-token-0123456789abcdef";

    @TempDir
    Path tmp;

    FakeB b;
    Path unit;

    @BeforeEach
    void start() throws IOException {
        b = new FakeB();
        unit = Files.createDirectories(tmp.resolve("units").resolve("D101"));
        Random random = new Random(7);
        byte[] data = new byte[70_000];
        random.nextBytes(data);
        Files.createDirectories(unit.resolve("S00000"));
        Files.write(unit.resolve("S00000/image.fits"), data);
        Files.writeString(unit.resolve("S00000/notes.txt"), "notes\n");
        Files.createDirectories(unit.resolve("S00001/empty"));
    }

    @AfterEach
    void stop() {
        b.server.stop(0);
    }

    RemoteTapeLibrary library(String token, int drives) {
        return new RemoteTapeLibrary(b.url(), token, tmp.resolve("a"), drives, 1_000_000_000L,
                Duration.ofMillis(20), Duration.ofSeconds(10), Duration.ofSeconds(10));
    }

    /** Appends the unit to a new volume V1 as tape file 1. */
    TapeFile append(RemoteTapeLibrary lib) throws InterruptedException {
        lib.create("V1");
        try (Drive d = lib.mount("V1")) {
            d.truncate(0);
            TapeFile f = d.append(1, "D101", unit);
            d.force();
            return f;
        }
    }

    @Test
    void anAppendUploadsWhatATarLibraryWritesAndAReadStagesDownloadsAndRestoresIt() throws Exception {
        // the tape file a tar library writes for the same unit
        TapeFile tar;
        try (TarTapeLibrary t = new TarTapeLibrary(tmp.resolve("tar"), 1, TapeModel.lto9(), 0)) {
            t.create("T1");
            try (Drive d = t.mount("T1")) {
                d.truncate(0);
                tar = d.append(1, "D101", unit);
            }
        }
        try (RemoteTapeLibrary lib = library(TOKEN, 2)) {
            assertThat(lib.tapeBytes("D101", unit)).isEqualTo(tar.bytes());
            TapeFile f = append(lib);

            // the same bytes: length and MD5 as the tar library's, B got exactly them, and the position is B's unit
            assertThat(f.bytes()).isEqualTo(tar.bytes());
            assertThat(f.md5()).isEqualTo(tar.md5());
            FakeB.Stored stored = b.files.get("V1/D101");
            assertThat(md5(stored.bytes)).isEqualTo(tar.md5());
            assertThat(stored.fileNumber).isEqualTo("1");
            assertThat(f.position()).isEqualTo(stored.sunum);
            assertThat(f).extracting(TapeFile::volume, TapeFile::fileNumber).containsExactly("V1", 1);
            assertThat(tmp.resolve("a/upload")).isEmptyDirectory(); // the spooled tar file is gone

            // when it is read back
            Path target = Files.createDirectories(tmp.resolve("restored/D101"));
            try (Drive d = lib.mount("V1")) {
                d.read(f, "D101", target);
            }

            // then the tree is the unit's, B staged it (polled until COMPLETED) and the request was released
            assertThat(TarTapeLibraryTest.tree(target)).isEqualTo(TarTapeLibraryTest.tree(unit));
            assertThat(b.staged).containsExactly(stored.path);
            assertThat(b.polls.get()).isGreaterThanOrEqualTo(2);
            assertThat(b.released).containsExactly("1 " + stored.path);
            TapeLibrary.TapeCounters c = lib.counters();
            assertThat(c.bytesWritten()).isEqualTo(f.bytes());
            assertThat(c.bytesRead()).isEqualTo(f.bytes());
            assertThat(c.modelledSeconds()).isZero();
            assertThat(c.seeks()).isZero();
            // discovery, upload, find, stage, polls, find, download, release
            assertThat(lib.requests()).isEqualTo(7 + b.polls.get());
        }
    }

    @Test
    void aSecondUploadOfTheSameTapeFileReusesBsRecord() throws Exception {
        try (RemoteTapeLibrary lib = library(TOKEN, 1)) {
            TapeFile first = append(lib);
            try (Drive d = lib.mount("V1")) {
                d.truncate(0); // a run that rolled back: its tape file is written again
                TapeFile again = d.append(1, "D101", unit);
                assertThat(again).isEqualTo(first);
            }
            assertThat(b.files).hasSize(1);
        }
    }

    @Test
    void aFailedStageIsATapeExceptionWithBsErrorAndTheRequestIsReleased() throws Exception {
        try (RemoteTapeLibrary lib = library(TOKEN, 1)) {
            TapeFile f = append(lib);
            b.failWith = "Tape backend is unreachable";
            Path target = Files.createDirectories(tmp.resolve("restored/D101"));
            try (Drive d = lib.mount("V1")) {
                assertThatThrownBy(() -> d.read(f, "D101", target)).isInstanceOf(TapeException.class)
                        .hasMessageContaining(b.url().toString())
                        .hasMessageContaining("could not stage tape file 1 (D101) of volume V1")
                        .hasMessageContaining("FAILED: Tape backend is unreachable");
            }
            assertThat(b.released).hasSize(1);
            assertThat(target).isEmptyDirectory();
        }
    }

    @Test
    void aCorruptedDownloadIsAChecksumMismatchNamingTheUnit() throws Exception {
        try (RemoteTapeLibrary lib = library(TOKEN, 1)) {
            TapeFile f = append(lib);
            b.corrupt = true;
            Path target = Files.createDirectories(tmp.resolve("restored/D101"));
            try (Drive d = lib.mount("V1")) {
                assertThatThrownBy(() -> d.read(f, "D101", target)).isInstanceOf(TapeException.class)
                        .hasMessageContaining("Checksum mismatch in tape file 1 (D101) of volume V1 (storage unit "
                                + f.position() + " of " + b.url() + ")")
                        .hasMessageContaining(f.md5() + " was written");
            }
            assertThat(b.released).hasSize(1);
        }
    }

    @Test
    void aDownloadLongerThanTheTapeFileIsRefused() throws Exception {
        try (RemoteTapeLibrary lib = library(TOKEN, 1)) {
            TapeFile f = append(lib);
            b.extra = new byte[512];
            Path target = Files.createDirectories(tmp.resolve("restored/D101"));
            try (Drive d = lib.mount("V1")) {
                assertThatThrownBy(() -> d.read(f, "D101", target)).isInstanceOf(TapeException.class)
                        .hasMessageContaining("is longer than the " + f.bytes() + " bytes that were written");
            }
        }
    }

    @Test
    void bHoldingAnotherFileUnderTheNameIsRefusedBeforeAnythingIsStaged() throws Exception {
        try (RemoteTapeLibrary lib = library(TOKEN, 1)) {
            TapeFile f = append(lib);
            TapeFile other = new TapeFile(f.volume(), f.fileNumber(), f.position() + 1, f.bytes(), f.md5());
            try (Drive d = lib.mount("V1")) {
                assertThatThrownBy(() -> d.read(other, "D101", tmp)).isInstanceOf(TapeException.class)
                        .hasMessageContaining("holds another file as tape file 1 (D101) of volume V1");
            }
            assertThat(b.staged).isEmpty();
        }
    }

    @Test
    void withoutBsTokenTheUploadIsRefusedWithTheStatusAndAHint() throws Exception {
        try (RemoteTapeLibrary lib = library(null, 1)) {
            assertThatThrownBy(() -> append(lib)).isInstanceOf(TapeException.class)
                    .hasMessageContaining("Remote tape library " + b.url() + ": PUT /api/tape/v1/upload/V1/D101"
                            + " answered HTTP 401: Full authentication is required")
                    .hasMessageContaining("drms.tape.remote.token");
            assertThat(b.files).isEmpty();
        }
    }

    @Test
    void anUnreachableBIsAClearError() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // free, and nobody listens once closed
        }
        URI nowhere = URI.create("http://127.0.0.1:" + port);
        try (RemoteTapeLibrary lib = new RemoteTapeLibrary(nowhere, TOKEN, tmp.resolve("a"), 1, 1_000_000_000L,
                Duration.ofMillis(20), Duration.ofSeconds(5), Duration.ofSeconds(5))) {
            assertThatThrownBy(() -> append(lib)).isInstanceOf(TapeException.class)
                    .hasMessageStartingWith("Remote tape library " + nowhere + " is unreachable: GET "
                            + RemoteTapeLibrary.DISCOVERY + " could not connect");
        }
    }

    @Test
    void anEndpointOnAnotherServerIsRefusedSoTheTokenStaysWithB() throws Exception {
        b.endpoint = "http://127.0.0.2:" + b.server.getAddress().getPort() + "/api/tape/v1";
        try (RemoteTapeLibrary lib = library(TOKEN, 1)) {
            assertThatThrownBy(() -> append(lib)).isInstanceOf(TapeException.class)
                    .hasMessageContaining("names the endpoint " + b.endpoint + ", on another server than " + b.url());
            assertThat(b.tokens).containsExactly(RemoteTapeLibrary.DISCOVERY); // B's own origin, and nothing else
        }
    }

    @Test
    void plainHttpIsForALoopbackAddressOnly() {
        assertThatThrownBy(() -> new RemoteTapeLibrary(URI.create("http://tape.example.org:8080"), TOKEN, tmp, 1,
                1000, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("would send the API token in clear over the network: use https");
        assertThat(new RemoteTapeLibrary(URI.create("https://tape.example.org/"), TOKEN, tmp, 1, 1000,
                Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1)).url())
                .hasToString("https://tape.example.org");
        assertThatThrownBy(() -> new RemoteTapeLibrary(URI.create("ftp://127.0.0.1/"), TOKEN, tmp, 1, 1000,
                Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a server's base URL");
    }

    @Test
    void volumesAreLabelsKeptHereAndDrivesBoundTheTransfersAtOnce() throws Exception {
        try (RemoteTapeLibrary lib = library(TOKEN, 2)) {
            assertThat(lib.has("V1")).isFalse();
            lib.create("V1");
            lib.create("V2");
            lib.create("V3");
            assertThat(lib.has("V1")).isTrue();
            assertThatThrownBy(() -> lib.create("V1")).isInstanceOf(TapeException.class)
                    .hasMessageContaining("exists already");
            assertThatThrownBy(() -> lib.mount("V9")).isInstanceOf(TapeException.class)
                    .hasMessageContaining("Volume V9 is not in the remote tape library at " + b.url());
            assertThatThrownBy(() -> lib.create("../x")).isInstanceOf(TapeException.class)
                    .hasMessageContaining("Not a volume label");

            Drive v1 = lib.mount("V1");
            Drive v2 = lib.mount("V2");
            TarTapeLibraryTest.Mounter third = new TarTapeLibraryTest.Mounter(lib, "V3");
            third.awaitWaiting();
            assertThat(third.drive).isNotDone();
            v1.close();
            try (Drive v3 = third.drive.get()) {
                assertThat(v3.volume()).isEqualTo("V3");
                assertThat(lib.driveStates()).extracting(DriveState::volume).containsExactly("V3", "V2");
            }
            v2.close();
            assertThat(lib.counters().mounts()).isEqualTo(3);
            assertThat(lib.model().mountSeconds()).isZero();
            assertThat(lib.model().streamSeconds(1L << 40)).isZero();
        }
        // the labels outlive the library object: they are this site's
        try (RemoteTapeLibrary again = library(TOKEN, 1)) {
            assertThat(again.has("V1")).isTrue();
        }
    }

    static String md5(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** B as far as A's library sees it: the contract, in memory, with switches to make it misbehave. */
    static final class FakeB {
        static final Pattern UPLOAD = Pattern.compile("/api/tape/v1/upload/([^/]+)/([^/]+)");
        final JsonMapper json = JsonMapper.builder().build();
        final HttpServer server;
        final Map<String, Stored> files = new ConcurrentHashMap<>();
        final Map<String, String> requests = new ConcurrentHashMap<>();
        final List<String> staged = new CopyOnWriteArrayList<>();
        final List<String> released = new CopyOnWriteArrayList<>();
        final List<String> tokens = new CopyOnWriteArrayList<>();
        final AtomicInteger polls = new AtomicInteger();
        final AtomicLong sunums = new AtomicLong(5000);
        volatile String endpoint;
        volatile String failWith;
        volatile boolean corrupt;
        volatile byte[] extra;

        static final class Stored {
            long sunum;
            byte[] bytes;
            String path;
            String fileNumber;
        }

        FakeB() throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", this::handle);
            server.start();
        }

        URI url() {
            return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        }

        void handle(HttpExchange x) throws IOException {
            try (x) {
                String path = x.getRequestURI().getPath();
                String method = x.getRequestMethod();
                String auth = x.getRequestHeaders().getFirst("Authorization");
                boolean authorized = ("Bearer " + TOKEN).equals(auth);
                if (auth != null) {
                    tokens.add(path);
                }
                byte[] body;
                try (InputStream in = x.getRequestBody()) {
                    body = in.readAllBytes();
                }
                if (path.equals(RemoteTapeLibrary.DISCOVERY)) {
                    String uri = endpoint != null ? endpoint : url() + "/api/tape/v1";
                    answer(x, 200, Map.of("sitename", "fake-b", "endpoints",
                            List.of(Map.of("uri", uri, "version", "v1", "metadata", Map.of()))));
                    return;
                }
                if (!authorized && !(method.equals("GET") && path.startsWith("/download/"))) {
                    answer(x, 401, Map.of("title", "Unauthorized", "status", 401,
                            "detail", "Full authentication is required to access this resource"));
                    return;
                }
                Matcher m = UPLOAD.matcher(path);
                if (m.matches() && method.equals("PUT")) {
                    String key = m.group(1) + "/" + m.group(2);
                    String hex = x.getRequestHeaders().getFirst("X-Checksum-MD5");
                    String b64 = x.getRequestHeaders().getFirst("Content-MD5");
                    if (!md5(body).equals(hex) || !Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex))
                            .equals(b64)) {
                        answer(x, 400, Map.of("title", "Bad tape file upload", "status", 400, "detail", "MD5"));
                        return;
                    }
                    Stored old = files.get(key);
                    if (old != null) {
                        answer(x, 200, stored(old));
                        return;
                    }
                    Stored s = new Stored();
                    s.sunum = sunums.incrementAndGet();
                    s.bytes = body;
                    s.path = "/download/sums/SUM0/D" + s.sunum + "/S00000/" + m.group(2) + ".tar";
                    s.fileNumber = x.getRequestHeaders().getFirst("X-Tape-File-Number");
                    files.put(key, s);
                    answer(x, 201, stored(s));
                } else if (m.matches() && method.equals("GET")) {
                    Stored s = files.get(m.group(1) + "/" + m.group(2));
                    if (s == null) {
                        answer(x, 404, Map.of("title", "Tape file not found", "status", 404));
                    } else {
                        answer(x, 200, stored(s));
                    }
                } else if (path.equals("/api/tape/v1/stage") && method.equals("POST")) {
                    JsonNode n = json.readTree(body);
                    String p = n.get("files").get(0).get("path").asString();
                    staged.add(p);
                    String id = Integer.toString(staged.size());
                    requests.put(id, p);
                    answer(x, 201, Map.of("requestId", id));
                } else if (path.startsWith("/api/tape/v1/stage/") && method.equals("GET")) {
                    String id = path.substring("/api/tape/v1/stage/".length());
                    int n = polls.incrementAndGet();
                    Map<String, Object> file = new java.util.LinkedHashMap<>();
                    file.put("path", requests.get(id));
                    if (n == 1) {
                        file.put("state", "STARTED");
                    } else if (failWith != null) {
                        file.put("state", "FAILED");
                        file.put("error", failWith);
                    } else {
                        file.put("state", "COMPLETED");
                    }
                    answer(x, 200, Map.of("id", id, "createdAt", 1, "startedAt", 1, "files", List.of(file)));
                } else if (path.startsWith("/api/tape/v1/release/") && method.equals("POST")) {
                    JsonNode n = json.readTree(body);
                    released.add(path.substring("/api/tape/v1/release/".length()) + " "
                            + n.get("paths").get(0).asString());
                    x.sendResponseHeaders(200, -1);
                } else if (path.startsWith("/download/") && method.equals("GET")) {
                    Stored s = files.values().stream().filter(f -> f.path.equals(path)).findFirst().orElse(null);
                    if (s == null) {
                        x.sendResponseHeaders(404, -1);
                        return;
                    }
                    byte[] out = s.bytes.clone();
                    if (corrupt) {
                        out[out.length - 700] ^= 0x5a;
                    }
                    if (extra != null) {
                        byte[] longer = new byte[out.length + extra.length];
                        System.arraycopy(out, 0, longer, 0, out.length);
                        out = longer;
                    }
                    x.sendResponseHeaders(200, out.length);
                    x.getResponseBody().write(out);
                } else {
                    x.sendResponseHeaders(404, -1);
                }
            }
        }

        Map<String, Object> stored(Stored s) {
            return Map.of("sunum", s.sunum, "path", s.path, "md5", md5(s.bytes), "bytes", s.bytes.length);
        }

        void answer(HttpExchange x, int status, Object body) throws IOException {
            byte[] b = json.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().set("Content-Type", "application/json");
            x.sendResponseHeaders(status, b.length);
            x.getResponseBody().write(b);
        }
    }
}
