package org.drmsbatch.buffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class DataBufferTest {

    @TempDir
    Path dir;

    private final List<DataBuffer> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (DataBuffer b : open) {
            b.close();
        }
    }

    private DataBuffer open(long maxSize) throws Exception {
        DataBuffer b = DataBuffer.open(dir, maxSize, 64 * 1024);
        open.add(b);
        return b;
    }

    /** A chunk of n samples starting at sample i (dt = 1/4096). */
    static Chunk chunk(int n, int i) {
        double[] h = new double[n];
        for (int k = 0; k < n; k++) {
            h[k] = 1e-21 * Math.sin((i * n + k) * 0.01);
        }
        return new Chunk(h, i * n / 4096.0, 1 / 4096.0);
    }

    /** A body's last {@link ChunkParser#TAIL} bytes, as {@code ChunkStore.t0} reads them. */
    static byte[] tail(byte[] b) {
        return Arrays.copyOfRange(b, Math.max(0, b.length - ChunkParser.TAIL), b.length);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void storesCountsAndReadsBack() throws Exception {
        DataBuffer b = open(2000);
        StoredChunk c = b.store(bytes("{\"h\": [1, 2.5, -3e-21], \"t\": [100.0, 0.000244140625], \"extra\": {\"x\": 1}}"));
        assertThat(c.name()).matches("gwb\\d{19}\\.json");
        assertThat(Files.size(b.dataDirectory().resolve(c.name()))).isEqualTo(c.bytes());
        assertThat(b.stats()).isEqualTo(new BufferStats(1, c.bytes()));
        assertThat(b.fileNames()).containsExactly(c.name());
        Chunk back = b.read(c.name());
        assertThat(back.h()).containsExactly(1, 2.5, -3e-21);
        assertThat(back.t0()).isEqualTo(100.0);
        assertThat(back.dt()).isEqualTo(0.000244140625);
        // a body with another member is stored as its canonical JSON: h and t only, as glitchflow's files
        assertThat(new String(Files.readAllBytes(b.dataDirectory().resolve(c.name())), StandardCharsets.US_ASCII))
                .isEqualTo("{\"h\":[1.0,2.5,-3.0E-21],\"t\":[100.0,2.44140625E-4]}");
        // a plain body is stored byte for byte as received (not written back as text)
        byte[] plain = bytes("{\"h\": [1, 2.50, -3e-21],\n \"t\": [100, 0.000244140625]}");
        StoredChunk p = b.store(plain);
        assertThat(Files.readAllBytes(b.dataDirectory().resolve(p.name()))).isEqualTo(plain);
        assertThat(p.bytes()).isEqualTo(plain.length);
        assertThat(b.read(p.name())).isEqualTo(back);
        assertThat(b.t0(p.name())).isEqualTo(100.0);
        List<JsonNode> log = b.logEntries();
        assertThat(log).last().satisfies(l -> {
            assertThat(l.get("event").asString()).isEqualTo("store");
            assertThat(l.get("name").asString()).isEqualTo(p.name());
            assertThat(l.get("size").asLong()).isEqualTo(p.bytes());
        });
    }

    @Test
    void theStoredTextReadsBackToTheSameDoubles() {
        java.util.Random r = new java.util.Random(42);
        double[] h = new double[20_000];
        for (int i = 0; i < h.length; i++) {
            h[i] = switch (i % 4) {
                case 0 -> 1e-21 * r.nextGaussian();
                case 1 -> Double.longBitsToDouble(r.nextLong() & 0x7fefffffffffffffL) * (r.nextBoolean() ? 1 : -1);
                case 2 -> r.nextInt(1000) / 8.0;
                default -> r.nextDouble();
            };
        }
        double[] edges = {-0.0, 0.0, Double.MIN_VALUE, -Double.MIN_NORMAL, Double.MAX_VALUE, 1e23, 2e-3, 1e7, 1e-3};
        System.arraycopy(edges, 0, h, 0, edges.length);
        Chunk c = new Chunk(h, 1_126_259_462.4248047, 1 / 4096.0);
        Chunk back = Chunk.parse(c.toJson());
        assertThat(back).isEqualTo(c);
        assertThat(new String(new Chunk(edges, 0, 1).toJson(), StandardCharsets.US_ASCII)).isEqualTo(
                "{\"h\":[-0.0,0.0,4.9E-324,-2.2250738585072014E-308,1.7976931348623157E308,1.0E23,0.002,1.0E7,0.001],"
                + "\"t\":[0.0,1.0]}");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
            "not JSON                | {h: [1]}                                  | not JSON          | ~~",
            "truncated               | ~{\"h\": [1, 2~                           | not JSON          | ~~",
            "an array                | [1, 2]                                    | a JSON object     | ~~",
            "a string                | ~\"h\"~                                   | a JSON object     | ~~",
            "h missing               | ~{\"t\": [0, 1]}~                         | missing member h  | /h",
            "t missing               | ~{\"h\": [1]}~                            | missing member t  | /t",
            "h empty                 | ~{\"h\": [], \"t\": [0, 1]}~              | h is empty        | /h",
            "h not an array          | ~{\"h\": 1, \"t\": [0, 1]}~               | must be an array  | /h",
            "h with a string         | ~{\"h\": [1, \"2\"], \"t\": [0, 1]}~      | h[1] is a string  | /h/1",
            "h with null             | ~{\"h\": [1, 2, null], \"t\": [0, 1]}~    | h[2] is null      | /h/2",
            "h with NaN              | ~{\"h\": [NaN], \"t\": [0, 1]}~           | not JSON          | ~~",
            "h overflowing           | ~{\"h\": [1e400], \"t\": [0, 1]}~         | not a finite      | /h/0",
            "h nested                | ~{\"h\": [[1]], \"t\": [0, 1]}~           | h[0] is an array  | /h/0",
            "t one number            | ~{\"h\": [1], \"t\": [0]}~                | t must be [t0, dt] | /t",
            "t three numbers         | ~{\"h\": [1], \"t\": [0, 1, 2]}~          | t must be [t0, dt] | /t",
            "dt zero                 | ~{\"h\": [1], \"t\": [0, 0]}~             | dt must be > 0    | /t/1",
            "dt negative             | ~{\"h\": [1], \"t\": [0, -0.5]}~          | dt must be > 0    | /t/1",
            "t0 a string             | ~{\"h\": [1], \"t\": [\"0\", 1]}~         | t[0] is a string  | /t/0",
            "duplicate h             | ~{\"h\": [1], \"h\": [2], \"t\": [0, 1]}~ | duplicate member h | /h",
            "trailing content        | ~{\"h\": [1], \"t\": [0, 1]} x~           | not JSON | ~~",
            "empty body              | ~~ | empty             | ~~",
    })
    void refusesBadChunksAndStoresNothing(String name, String body, String message, String pointer) throws Exception {
        DataBuffer b = open(2000);
        long logLines = b.logEntries().size();
        assertThatThrownBy(() -> b.store(bytes(body)))
                .isInstanceOfSatisfying(InvalidChunkException.class, e -> {
                    assertThat(e.getMessage()).contains(message);
                    assertThat(e.pointer()).isEqualTo(pointer);
                });
        assertThat(b.stats()).isEqualTo(BufferStats.EMPTY);
        try (var files = Files.list(b.dataDirectory())) {
            assertThat(files).isEmpty();
        }
        assertThat(b.logEntries()).hasSize((int) logLines);
    }

    @Test
    void saysWhereTheBadValueIs() {
        InvalidChunkException e = org.junit.jupiter.api.Assertions.assertThrows(InvalidChunkException.class,
                () -> Chunk.parse(bytes("{\"h\": [1,\n  2,\n  true],\n \"t\": [0, 1]}")));
        assertThat(e.pointer()).isEqualTo("/h/2");
        assertThat(e.line()).isEqualTo(3);
        assertThat(e.column()).isEqualTo(3);
        assertThat(e.getMessage()).isEqualTo("h[2] is a boolean, not a number at /h/2, line 3 column 3");
    }

    @Test
    void readsT0WithoutTheSamples() throws Exception {
        DataBuffer b = open(2000);
        StoredChunk c = b.store(chunk(300, 7));
        assertThat(b.t0(c.name())).isEqualTo(chunk(300, 7).t0());
        // a bad sample does not stop t0 from being read, but read() refuses the file
        String bad = "gwb" + (Long.parseLong(c.name().substring(3, 22)) + 1) + ".json";
        Files.writeString(b.dataDirectory().resolve(bad), "{\"h\": [1, \"x\"], \"t\": [42.5, 1]}");
        assertThat(b.t0(bad)).isEqualTo(42.5);
        assertThatThrownBy(() -> b.read(bad)).hasMessageContaining("h[1] is a string");
        // t before h: read from the whole file, not its end (where h's last samples are)
        Files.writeString(b.dataDirectory().resolve(bad), "{\"t\": [43.5, 1], \"h\": [" + "1.5, ".repeat(100) + "2]}");
        assertThat(b.t0(bad)).isEqualTo(43.5);
        // t itself is checked as read() checks it
        Files.writeString(b.dataDirectory().resolve(bad), "{\"h\": [1], \"t\": [42.5, 0]}");
        assertThatThrownBy(() -> b.t0(bad)).isInstanceOf(InvalidChunkException.class)
                .hasMessageContaining("dt must be > 0");
        Files.writeString(b.dataDirectory().resolve(bad), "{\"h\": [1, 2, ");
        assertThatThrownBy(() -> b.t0(bad)).isInstanceOf(InvalidChunkException.class).hasMessageContaining("not JSON");
    }

    @Test
    void refusesABodyOverTheLimit() throws Exception {
        DataBuffer b = DataBuffer.open(dir, 2000, 100);
        open.add(b);
        StringBuilder big = new StringBuilder("{\"h\": [");
        for (int i = 0; i < 50; i++) {
            big.append(i == 0 ? "" : ",").append(i);
        }
        big.append("], \"t\": [0, 1]}");
        assertThatThrownBy(() -> b.store(bytes(big.toString()))).isInstanceOf(InvalidChunkException.class)
                .hasMessageContaining("over the limit of 100 bytes");
        assertThat(b.stats()).isEqualTo(BufferStats.EMPTY);
    }

    @Test
    void theLimitIsOnTheBodyNotOnTheStoredText() throws Exception {
        DataBuffer b = DataBuffer.open(dir, 2000, 100);
        open.add(b);
        String body = "{\"h\":[1,2,3,4,5,6,7,8,9,1,2,3,4,5,6,7,8,9,1,2,3,4,5,6,7,8,9,1,2,3],\"t\":[0,1]}";
        assertThat(body.length()).isLessThanOrEqualTo(100);
        StoredChunk c = b.store(bytes(body));
        assertThat(c.bytes()).isEqualTo(body.length()); // stored as received, not as "1.0," for every "1,"
        assertThat(b.read(c.name()).h()).hasSize(30);
        // a body with another member is stored as its canonical text, which may be longer than the limit
        StoredChunk d = b.store(bytes(body.replace("\"t\"", "\"x\":0,\"t\"")));
        assertThat(d.bytes()).isGreaterThan(100);
        assertThat(b.read(d.name())).isEqualTo(b.read(c.name()));
        assertThat(b.stats()).isEqualTo(new BufferStats(2, c.bytes() + d.bytes()));
    }

    @Test
    void concurrentWritersKeepExactCounters() throws Exception {
        DataBuffer b = open(2000);
        int threads = 16;
        int each = 40;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<List<StoredChunk>>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int base = t * each;
            futures.add(pool.submit((Callable<List<StoredChunk>>) () -> {
                List<StoredChunk> mine = new ArrayList<>();
                for (int i = 0; i < each; i++) {
                    mine.add(b.store(chunk(50 + (base + i) % 7, base + i)));
                }
                return mine;
            }));
        }
        Set<String> names = new HashSet<>();
        long bytes = 0;
        for (Future<List<StoredChunk>> f : futures) {
            for (StoredChunk c : f.get()) {
                assertThat(names.add(c.name())).as("unique name %s", c.name()).isTrue();
                bytes += c.bytes();
            }
        }
        pool.shutdown();
        assertThat(b.stats()).isEqualTo(new BufferStats(threads * each, bytes));
        assertThat(b.fileNames()).hasSize(threads * each);
        long onDisk = 0;
        for (Path p : b.files()) {
            onDisk += Files.size(p);
        }
        assertThat(onDisk).isEqualTo(bytes);
        assertThat(b.logEntries().stream().filter(l -> l.get("event").asString().equals("store")).count())
                .isEqualTo(threads * each);
    }

    @Test
    void frozenRefusesAndFreezeWaitsForStoresInFlight() throws Exception {
        DataBuffer b = open(2000);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<Integer>> futures = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int base = t * 1000;
            futures.add(pool.submit(() -> {
                int stored = 0;
                for (int i = 0; ; i++) {
                    try {
                        b.store(chunk(30, base + i));
                        stored++;
                    } catch (BufferFrozenException e) {
                        return stored;
                    }
                }
            }));
        }
        Thread.sleep(200);
        BufferStatus frozen = b.freeze("airflow", "tok");
        int stored = 0;
        for (Future<Integer> f : futures) {
            stored += f.get();
        }
        pool.shutdown();
        assertThat(frozen.state()).isEqualTo(BufferState.FROZEN);
        assertThat(frozen.user()).isEqualTo("airflow");
        assertThat(frozen.token()).isEqualTo("tok");
        assertThat(frozen.stats().files()).isEqualTo(stored);
        assertThat(b.stats().files()).isEqualTo(stored);
        assertThat(b.fileNames()).hasSize(stored);
        assertThatThrownBy(() -> b.store(chunk(10, 1))).isInstanceOf(BufferFrozenException.class)
                .hasMessage("Datastore frozen.");
        assertThat(b.fileNames()).hasSize(stored);
        b.reopen();
        assertThat(b.describe().user()).isEqualTo("databuf");
        b.store(chunk(10, 1));
        assertThat(b.stats().files()).isEqualTo(stored + 1);
    }

    @Test
    void trainFreezesOnlyAtTheThreshold() throws Exception {
        DataBuffer b = open(5000);
        assertThat(b.train("airflow", "airflow")).isEqualTo(new TrainDecision(false, BufferStats.EMPTY));
        assertThat(b.state()).isEqualTo(BufferState.OPERATIONAL);
        StoredChunk c = b.store(chunk(100, 0));
        assertThat(c.bytes()).isLessThan(5000);
        assertThat(b.train("airflow", "airflow").frozen()).isFalse();
        long total = c.bytes();
        while (total < 5000) {
            total += b.store(chunk(100, 1)).bytes();
        }
        TrainDecision d = b.train("airflow", "t1");
        assertThat(d.frozen()).isTrue();
        assertThat(d.stats()).isEqualTo(b.stats());
        assertThat(d.stats().bytes()).isEqualTo(total);
        assertThat(b.describe().token()).isEqualTo("t1");
        assertThat(b.train("other", "t2").frozen()).isTrue(); // re-freezes and records the new user, as glitchflow
        assertThat(b.describe().user()).isEqualTo("other");
    }

    @Test
    void stateAndCountersSurviveAReopenAndAreRecomputedWhenWrong() throws Exception {
        DataBuffer b = open(2000);
        b.store(chunk(20, 1));
        b.store(chunk(20, 2));
        b.freeze("u", "t");
        BufferStats before = b.stats();
        b.close();
        open.remove(b);
        DataBuffer again = open(2000);
        assertThat(again.describe().state()).isEqualTo(BufferState.FROZEN);
        assertThat(again.describe().user()).isEqualTo("u");
        assertThat(again.stats()).isEqualTo(before);
        again.close();
        open.remove(again);
        // the disk changes behind its back: a file lost, a temporary file left over
        Path first = dir.resolve("data").resolve(again.fileNames().get(0));
        long lost = Files.size(first);
        Files.delete(first);
        Files.writeString(dir.resolve("data").resolve(".tmp-gwb1.json"), "{\"h\":[");
        DataBuffer third = open(2000);
        assertThat(third.stats()).isEqualTo(new BufferStats(1, before.bytes() - lost));
        assertThat(third.describe().state()).isEqualTo(BufferState.FROZEN);
        assertThat(Files.exists(dir.resolve("data").resolve(".tmp-gwb1.json"))).isFalse();
        assertThat(third.logEntries()).last().satisfies(l -> {
            assertThat(l.get("event").asString()).isEqualTo("recover");
            assertThat(l.get("notes").toString()).contains("counters were 2 files");
        });
    }

    @Test
    void aSecondOpenOfTheSameDirectoryIsRefused() throws Exception {
        open(2000);
        assertThatThrownBy(() -> DataBuffer.open(dir, 2000, 1000)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already open");
    }

    @Test
    void snapshotMovesEverythingWithAManifestAndReopens() throws Exception {
        DataBuffer b = open(2000);
        List<StoredChunk> stored = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            stored.add(b.store(chunk(40, i)));
        }
        Snapshot s = b.snapshot("cleanbuf", "cleanbuf");
        assertThat(s.name()).matches("\\d{8}T\\d{6}Z");
        assertThat(s.directory()).isEqualTo(dir.resolve("snapshots").resolve(s.name()));
        assertThat(s.files()).extracting(Snapshot.Entry::name)
                .containsExactlyElementsOf(stored.stream().map(StoredChunk::name).toList());
        for (Snapshot.Entry e : s.files()) {
            Path f = s.directory().resolve(e.name());
            assertThat(Files.size(f)).isEqualTo(e.bytes());
            assertThat(Snapshots.sha256(f)).isEqualTo(e.sha256()).hasSize(64);
        }
        JsonNode manifest = JsonMapper.shared().readTree(s.directory().resolve("manifest.json").toFile());
        assertThat(manifest.get("name").asString()).isEqualTo(s.name());
        assertThat(manifest.get("n_itm").asInt()).isEqualTo(5);
        assertThat(manifest.get("buff_size").asLong()).isEqualTo(s.bytes());
        assertThat(manifest.get("files")).hasSize(5);
        assertThat(b.stats()).isEqualTo(BufferStats.EMPTY);
        assertThat(b.fileNames()).isEmpty();
        assertThat(b.describe().state()).isEqualTo(BufferState.OPERATIONAL);
        b.store(chunk(10, 9));
        assertThat(b.stats().files()).isEqualTo(1);
        // two snapshots in the same second get distinct names
        Snapshot s2 = b.snapshot("x", "y");
        Snapshot s3 = b.snapshot("x", "z");
        assertThat(List.of(s.name(), s2.name(), s3.name())).doesNotHaveDuplicates();
        assertThat(s3.files()).isEmpty();
        assertThat(b.snapshots()).extracting(Snapshot::name).containsExactly(s.name(), s2.name(), s3.name());
        try (var l = Files.list(dir.resolve("snapshots"))) {
            assertThat(l.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("."));
        }
    }

    @Test
    void oneSnapshotPerRequest() throws Exception {
        DataBuffer b = open(2000);
        b.store(chunk(40, 1));
        Snapshot first = b.snapshot("job", "t", "run-1");
        assertThat(first.request()).isEqualTo("run-1");
        assertThat(first.user()).isEqualTo("job");
        assertThat(first.token()).isEqualTo("t");
        b.store(chunk(40, 2));
        // asked again for the same request (a restarted job): the snapshot already taken, nothing new
        Snapshot again = b.snapshot("job", "t", "run-1");
        assertThat(again.name()).isEqualTo(first.name());
        assertThat(again.files()).isEqualTo(first.files());
        assertThat(b.stats().files()).isEqualTo(1);
        assertThat(b.snapshots()).hasSize(1);
        // another request takes a new one, and so does one without a request id
        Snapshot second = b.snapshot("job", "t", "run-2");
        assertThat(second.name()).isNotEqualTo(first.name());
        assertThat(second.files()).hasSize(1);
        assertThat(b.stats()).isEqualTo(BufferStats.EMPTY);
        assertThat(b.snapshot("job", "t").name()).isNotIn(first.name(), second.name());
        assertThat(b.snapshot("job", "t").request()).isNull();
    }

    @Test
    void aRejectedFileLeavesTheBufferAndItsCounters() throws Exception {
        DataBuffer b = open(2000);
        StoredChunk keep = b.store(chunk(40, 1));
        StoredChunk bad = b.store(chunk(40, 2));
        Path moved = b.reject(bad.name(), "unreadable: test");
        assertThat(moved).isEqualTo(b.rejectedDirectory().resolve(bad.name())).isRegularFile();
        assertThat(Files.readString(b.rejectedDirectory().resolve(bad.name() + ".reason")))
                .contains(bad.name(), "unreadable: test");
        assertThat(b.fileNames()).containsExactly(keep.name());
        assertThat(b.stats()).isEqualTo(new BufferStats(1, keep.bytes()));
        assertThat(b.reject(bad.name(), "again")).isNull();
        assertThat(b.stats()).isEqualTo(new BufferStats(1, keep.bytes()));
        assertThatThrownBy(() -> b.reject("../state.json", "escape")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSnapshotIsRefusedWhileTheBufferIsHeldAndChangesNothing() throws Exception {
        DataBuffer b = open(2000);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            names.add(b.store(chunk(40, i)).name());
        }
        DataBuffer.Hold hold = b.hold("collect execution 7");
        assertThat(b.holders()).containsExactly("collect execution 7");

        assertThatThrownBy(() -> b.snapshot("cleanbuf", "t", "r-1")).isInstanceOf(BufferBusyException.class)
                .hasMessageContaining("in use by collect execution 7")
                .satisfies(e -> assertThat(((BufferBusyException) e).holders()).containsExactly("collect execution 7"));
        assertThatThrownBy(b::checkNotHeld).isInstanceOf(BufferBusyException.class)
                .hasMessageContaining("collect execution 7");
        // nothing changed: not frozen, the files in place, no snapshot begun
        assertThat(b.state()).isEqualTo(BufferState.OPERATIONAL);
        assertThat(b.fileNames()).containsExactlyElementsOf(names);
        try (var l = Files.list(dir.resolve("snapshots"))) {
            assertThat(l).isEmpty();
        }
        // chunks are still stored while it is held
        names.add(b.store(chunk(40, 3)).name());

        hold.close();
        hold.close(); // releasing twice is harmless
        assertThat(b.holders()).isEmpty();
        b.checkNotHeld();
        Snapshot s = b.snapshot("cleanbuf", "t", "r-1");
        assertThat(s.files()).extracting(Snapshot.Entry::name).containsExactlyElementsOf(names);

        // held again: the snapshot already taken for r-1 is still answered (it moves nothing); a new one is refused
        StoredChunk later = b.store(chunk(40, 4));
        try (DataBuffer.Hold again = b.hold("collect execution 9")) {
            assertThat(b.snapshot("cleanbuf", "t", "r-1").name()).isEqualTo(s.name());
            assertThatThrownBy(() -> b.snapshot("cleanbuf", "t", "r-2")).isInstanceOf(BufferBusyException.class)
                    .hasMessageContaining("collect execution 9");
        }
        assertThat(b.fileNames()).containsExactly(later.name());
    }

    @Test
    void aHoldAskedForDuringASnapshotWaitsForItsEnd() throws Exception {
        DataBuffer b = open(2000);
        for (int i = 0; i < 3; i++) {
            b.store(chunk(40, i));
        }
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            List<Future<List<String>>> seen = new ArrayList<>();
            AtomicReference<Thread> holder = new AtomicReference<>();
            b.onSnapshotStep(step -> {
                if (!step.equals("moved 1")) {
                    return;
                }
                // in the middle of the snapshot (one file moved, two to go) a reader asks for a hold
                seen.add(pool.submit(() -> {
                    holder.set(Thread.currentThread());
                    try (DataBuffer.Hold h = b.hold("collect execution 8")) {
                        return b.fileNames();
                    }
                }));
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (holder.get() == null || holder.get().getState() != Thread.State.WAITING) {
                    if (seen.get(0).isDone() || System.nanoTime() > deadline) {
                        return; // it did not wait: the assertion below says so
                    }
                    Thread.onSpinWait();
                }
            });
            Snapshot s = b.snapshot("cleanbuf", "t");
            assertThat(s.files()).hasSize(3);
            // the hold was granted only after the snapshot: its holder saw no file of it
            assertThat(seen.get(0).get()).isEmpty();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFailedSnapshotIsNotFinishedWhileTheBufferIsHeld() throws Exception {
        DataBuffer b = open(2000);
        for (int i = 0; i < 3; i++) {
            b.store(chunk(40, i));
        }
        // a snapshot fails after moving one of its three files
        b.onSnapshotStep(step -> {
            if (step.equals("moved 1")) {
                throw new IllegalStateException("disk trouble");
            }
        });
        assertThatThrownBy(() -> b.snapshot("cleanbuf", "t", "r-1")).hasMessage("disk trouble");
        b.onSnapshotStep(step -> { });
        List<String> left = b.fileNames();
        assertThat(left).hasSize(2);

        // held by a reader: finishing it would move the two files left, so it is refused
        try (DataBuffer.Hold h = b.hold("collect execution 10")) {
            assertThatThrownBy(() -> b.snapshot("cleanbuf", "t", "r-1")).isInstanceOf(BufferBusyException.class);
            assertThat(b.fileNames()).containsExactlyElementsOf(left);
        }
        // released: the restart finishes it, with all three files
        assertThat(b.snapshot("cleanbuf", "t", "r-1").files()).hasSize(3);
        assertThat(b.fileNames()).isEmpty();
        assertThat(b.snapshots()).hasSize(1);
    }

    @Test
    void aRequestThatFinishedAnotherRequestsFailedSnapshotGetsThatSnapshotAgainNotAnEmptyOne() throws Exception {
        DataBuffer b = open(2000);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            names.add(b.store(chunk(40, i)).name());
        }
        // the snapshot of request r-1 fails (in this process) after moving one of its three files
        b.onSnapshotStep(step -> {
            if (step.equals("moved 1")) {
                throw new IllegalStateException("disk trouble");
            }
        });
        assertThatThrownBy(() -> b.snapshot("job", "t", "r-1")).hasMessage("disk trouble");
        b.onSnapshotStep(step -> { });

        // request r-2 finishes it and gets it
        Snapshot first = b.snapshot("job", "t", "r-2");
        assertThat(first.request()).isEqualTo("r-1");
        assertThat(first.files()).extracting(Snapshot.Entry::name).containsExactlyElementsOf(names);

        // r-2 asked again (its job restarted after a failure that followed the snapshot): the same snapshot, and
        // no new empty one; r-1 asked again (its restart) gets it as well
        assertThat(b.snapshot("job", "t", "r-2").name()).isEqualTo(first.name());
        assertThat(b.snapshot("job", "t", "r-1").name()).isEqualTo(first.name());
        assertThat(b.snapshots()).extracting(Snapshot::name).containsExactly(first.name());
    }

    @Test
    void theOnePassReaderReadsWhatTheTokenParserReads() {
        java.util.Random r = new java.util.Random(7);
        List<String> numbers = new ArrayList<>(List.of("0", "1", "-1", "0.0", "-0.0", "1e5", "1E+5", "-2.5e-3",
                "123456789012345678", "-123456789012345678", "0.1", "1.7976931348623157E308", "4.9E-324", "2e-324",
                "9007199254740993", "1.00000000000000011102230246251565404236316680908203125",
                "1126259462.4248047", "0.000244140625"));
        for (int i = 0; i < 2000; i++) {
            double d = switch (i % 3) {
                case 0 -> 1e-21 * r.nextGaussian();
                case 1 -> Double.longBitsToDouble(r.nextLong() & 0x7fefffffffffffffL);
                default -> r.nextInt(100000) / 64.0;
            };
            numbers.add(Double.toString(d).replace("E", i % 2 == 0 ? "e" : "E"));
        }
        for (int i = 0; i < 20000; i++) { // JSON numbers of 1 to 21 digits, exponents over the whole range
            StringBuilder x = new StringBuilder(i % 2 == 0 ? "-" : "");
            int digits = 1 + r.nextInt(21);
            int point = r.nextInt(digits); // always a fraction: a long integer or -0 is left to the token parser
            x.append(point == 0 ? "0" : "");
            for (int j = 0; j < digits; j++) {
                x.append(j == point && point > 0 ? "." : "").append(point == 0 && j == 0 ? "." : "")
                        .append((char) ('0' + (j == 0 && point > 1 ? 1 + r.nextInt(9) : r.nextInt(10))));
            }
            if (r.nextInt(5) != 0) {
                x.append(r.nextBoolean() ? 'e' : 'E').append(Math.min(r.nextInt(650) - 345, 307 - point)); // finite
            }
            numbers.add(x.toString());
        }
        numbers.addAll(List.of("0e-400", "-0.0e5", "1e-400", "-2.4703282292062328e-324", "2.2250738585072011e-308",
                "9007199254740993.0", "12345678901234567890.5", "0.1234567890123456789012e3", "1.8e-5"));
        // the strain shape the one-pass reader takes without a loop, D.DDDDDDDD…e±DDD, at its edges: 7 to 18 digits
        // after the point, exponents of 0 to 4 digits with and without a sign, under- and overflow to the edge
        for (int fraction = 7; fraction <= 18; fraction++) {
            for (String e : List.of("", "e5", "E+05", "e-5", "e-21", "E-007", "e-307", "e-320", "e-330", "e+308",
                    "e-1000", "e307")) {
                StringBuilder x = new StringBuilder(fraction % 2 == 0 ? "-" : "").append(1 + r.nextInt(9)).append('.');
                for (int j = 0; j < fraction; j++) {
                    x.append((char) ('0' + r.nextInt(10)));
                }
                if (!e.equals("e+308") || x.charAt(x.indexOf(".") - 1) == '1') { // 1.x e308 is finite, 2e308 is not
                    numbers.add(x.append(e).toString());
                }
            }
        }
        String h = String.join(", ", numbers);
        for (String body : List.of("{\"h\": [" + h + "], \"t\": [1126259462.5, 0.000244140625]}",
                "\n {\"t\":[0,1] ,\r\n\t\"h\":[" + h.replace(", ", ",") + "]\n}\n", "{\"h\":[7],\"t\":[-5,2]}")) {
            byte[] b = bytes(body);
            Chunk plain = ChunkParser.plain(b);
            assertThat(plain).as(body.substring(0, Math.min(40, body.length()))).isNotNull().isEqualTo(ChunkParser.tokens(b));
            double[] tokens = ChunkParser.tokens(b).h();
            for (int k = 0; k < plain.h().length; k++) {
                assertThat(Double.doubleToRawLongBits(plain.h()[k]))
                        .as("%s", numbers.get(Math.min(k, numbers.size() - 1)))
                        .isEqualTo(Double.doubleToRawLongBits(tokens[k]));
            }
            assertThat(Double.doubleToRawLongBits(ChunkParser.plainT0(b)))
                    .isEqualTo(Double.doubleToRawLongBits(ChunkParser.tokensT0(b)));
            double tail = ChunkParser.tailT0(tail(b));
            if (body.startsWith("\n")) {
                assertThat(tail).as("t before h: not at the end").isNaN();
            } else {
                assertThat(Double.doubleToRawLongBits(tail))
                        .isEqualTo(Double.doubleToRawLongBits(ChunkParser.tokensT0(b)));
            }
        }
        // t0 passes over h unconverted: a body it reads by the scan gives the token parser's t0 whenever that has one
        for (String body : List.of("{\"h\": [1], \"t\": [0.1, 1]}", "{\"t\": [ -3.25e2 ,1e-3 ], \"h\": [ ]}",
                "{\"h\": [1], \"t\": [0, 1], \"x\": 1}", "{\"h\": [1, true], \"t\": [0, 1]}",
                "{\"h\": [[1]], \"t\": [0, 1]}", "{\"h\": [1], \"t\": [0, 0]}", "{\"h\": [1], \"t\": [0]}",
                "{\"h\": [1], \"t\": [0, 1]} x", "{\"h\": [1], \"h\": [2], \"t\": [0, 1]}")) {
            byte[] b = bytes(body);
            double scanned = ChunkParser.plainT0(b);
            double tokens;
            try {
                tokens = ChunkParser.tokensT0(b);
            } catch (InvalidChunkException e) {
                assertThat(scanned).as(body).isNaN();
                assertThatThrownBy(() -> ChunkParser.t0(b)).as(body).hasMessage(e.getMessage());
                continue;
            }
            assertThat(ChunkParser.t0(b)).as(body).isEqualTo(tokens);
            if (!Double.isNaN(scanned)) {
                assertThat(scanned).as(body).isEqualTo(tokens);
            }
        }
        // t0 from the last bytes: for a valid body that ends with its t member it is the token parser's t0; an ending
        // that only looks so (in a string, in a nested object or array) is not taken (NaN: the whole file is read)
        Map<String, Double> tails = new LinkedHashMap<>();
        tails.put("{\"h\": [1], \"t\": [0.1, 1]}", 0.1);
        tails.put("{\"h\":[2],\"t\":[ -3.25e2 ,1e-3 ] }\n", -325.0);
        tails.put("{\"x\": {\"t\": [9, 1]}, \"h\": [1], \"t\": [4, 1]}", 4.0);
        tails.put("{\"h\": [1], \"x\": \"\\\"t\\\": [9, 1]}\", \"t\": [5, 1]}", 5.0);
        tails.put("{\"h\": [1], \"t\": [6, 1], \"x\": \", \\\"t\\\": [9, 1]}\"}", Double.NaN);
        tails.put("{\"h\": [1], \"t\": [7, 1], \"x\": {\"a\": 1, \"t\": [9, 1]}}", Double.NaN);
        tails.put("{\"h\": [1], \"t\": [8, 1], \"x\": [\"a\", \"t\"]}", Double.NaN);
        tails.put("{\"h\": [1], \"t\": [8, 0]}", Double.NaN);
        tails.put("{\"t\": [10, 1], \"h\": [1]}", Double.NaN);
        tails.put("{\"h\": [" + "1.25, ".repeat(100) + "2], \"t\": [11, 1]}", 11.0);
        tails.forEach((body, t0) -> {
            byte[] b = bytes(body);
            assertThat(ChunkParser.tailT0(tail(b))).as(body).isEqualTo(t0);
            if (!Double.isNaN(t0)) {
                assertThat(ChunkParser.tokensT0(b)).as(body).isEqualTo(t0);
            }
        });
        // what the one-pass reader leaves to the token parser (which accepts or refuses it as before)
        for (String body : List.of("{\"h\": [-0], \"t\": [0, 1]}", "{\"h\": [1234567890123456789], \"t\": [0, 1]}",
                "{\"h\": [1], \"t\": [0, 1], \"x\": 1}", "{\"h\": [1e400], \"t\": [0, 1]}",
                "{\"h\": [1e309], \"t\": [0, 1]}", "{\"h\": [-1.8e308], \"t\": [0, 1]}",
                "{\"h\": [01], \"t\": [0, 1]}", "{\"h\": [1.], \"t\": [0, 1]}", "{\"h\": [.5], \"t\": [0, 1]}",
                "{\"h\": [1,], \"t\": [0, 1]}", "{\"h\": [1], \"t\": [0, 1]} x", "\ufeff{\"h\": [1], \"t\": [0, 1]}",
                "{\"\\u0068\": [1], \"t\": [0, 1]}", "{\"h\": [], \"t\": [0, 1]}", "{\"h\": [1], \"t\": [0, 0]}",
                "{\"h\": [NaN], \"t\": [0, 1]}", "{\"h\": [1], \"h\": [2], \"t\": [0, 1]}",
                "{\"h\": [2.12345678e308, 1], \"t\": [0, 1]}", "{\"h\": [1.12345678e1000, 1], \"t\": [0, 1]}",
                "{\"h\": [1.12345678e, 1], \"t\": [0, 1]}", "{\"h\": [1.12345678e+, 1], \"t\": [0, 1]}",
                "{\"h\": [1.12345678x, 1], \"t\": [0, 1]}", "{\"h\": [1.1234567890123456.5, 1], \"t\": [0, 1]}")) {
            assertThat(ChunkParser.plain(bytes(body))).as(body).isNull();
        }
        assertThat(Chunk.parse(bytes("{\"h\": [-0, 1234567890123456789], \"t\": [0, 1]}")).h())
                .containsExactly(0.0, 1.23456789012345677E18);
    }
}
