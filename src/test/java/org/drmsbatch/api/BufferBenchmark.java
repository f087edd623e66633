package org.drmsbatch.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.drmsbatch.TestDatabase;
import org.drmsbatch.bench.Bench;
import org.drmsbatch.bench.Limits;
import org.drmsbatch.bench.LoadClient;
import org.drmsbatch.buffer.BufferStats;
import org.drmsbatch.buffer.Chunk;
import org.drmsbatch.buffer.DataBuffer;
import org.drmsbatch.buffer.StoredChunk;
import org.drmsbatch.config.ApiToken;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.types.DrmsType;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The data buffer over HTTP and the {@code collect} job, against the disk they write to, in the shared harness
 * ({@link Bench}: warm-up, sides in alternation over at least five rounds, medians and per-round ratios).
 *
 * <p>The goals are read from two tables, {@code BufferBenchmark} (the first three sides below) and
 * {@code BufferBenchmark-collect} (the last two, and the first limit again); each warms up on its own, so that the
 * code of the one is not still being compiled while the other is measured:
 * <ul>
 * <li>{@code POST /streamdata}: {@value #CHUNKS} chunks of {@value #LARGE} samples (strain-like doubles, written as
 * Python's {@code json.dumps} writes them, about 390 KB each) from {@value #CLIENTS} concurrent clients over loopback
 * (one keep-alive connection each, like gwclient's aiohttp); MB/s of request body. The clients are
 * {@link LoadClient}s, which take as little CPU as a client can: on these two cores the JDK's HttpClient took about a
 * core of its own, measured against the server. Checked: every answer CREATED, the buffer's counters and
 * {@code data/} grew by exactly the chunks answered, a sample of stored chunks reads back equal to what was sent.</li>
 * <li>its like-for-like limit: as many files as chunks, each of one body's size, each written and fsync'd (one
 * thread, in the same directory tree); MB/s.</li>
 * <li>the other limit: one file of the same total bytes written and fsync'd ({@code dd conv=fsync},
 * {@link Limits#writeAndSync}); MB/s.</li>
 * <li>{@code collect} of {@value #CHUNKS} such chunks (stored before, not timed) into the catalog; MB/s of the
 * segment files it writes (one FITS file of the chunk's samples per record, forced to disk with the catalog rows at
 * each commit), from the step's start and end. Checked: it read and wrote every chunk, the series holds one record
 * per chunk, and a sample of records' strain segments equal the samples posted.</li>
 * <li>its like-for-like limit: as many files as chunks, each of one segment file's size, each written and fsync'd;
 * MB/s.</li>
 * </ul>
 * The request path (Tomcat, security, MVC) runs once per chunk, and collect's code once per record: they reach the
 * JIT's optimizing compiler only after some 10 000 of them. The benchmark first sends {@value #WARM_UP_REQUESTS} and
 * collects {@value #WARM_UP_RECORDS} small chunks (seconds), then each table warms up until the compilers are quiet
 * ({@link Bench#warmUntilJitQuiet}): what is measured is a server that has run for a while.
 * {@code BufferBenchmark-more}: the other cases, each against the per-file limit of its own body size: 1 and 16
 * clients with large chunks, 4 clients with 300-sample chunks (gwclient's), and {@link DataBuffer#store(byte[])}
 * in-process from 4 threads (the buffer without HTTP).
 *
 * <p>Takes about 5-10 minutes. Run with {@code ./mvnw -o -Pbench test -Dtest=BufferBenchmark}.
 */
@Tag("benchmark")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=servlet",
        "drms.buffer.max-size=1TB",
        "drms.buffer.max-chunk-bytes=4MB"})
class BufferBenchmark {

    static final int CLIENTS = 4;
    static final int LARGE = 16_384;
    static final int SMALL = 300;
    /** Chunks per round of a large-chunk side, and of the small-chunk side. */
    static final int CHUNKS = 160;
    static final int SMALL_CHUNKS = 800;
    /** Warm-up rounds at most, until the JIT is quiet. */
    static final int MAX_WARMUPS = 40;
    /** Small chunks sent, and collected (in collects of so many), before the tables: the per-item code's warm-up. */
    static final int WARM_UP_REQUESTS = 16_000;
    static final int WARM_UP_RECORDS = 8_000;
    static final int WARM_UP_COLLECT = 2_000;
    /** gwclient's sample spacing (4096 Hz) and a GPS start near GW150914. */
    static final double DT = 1.0 / 4096;
    static final double GPS0 = 1_126_259_462.0;
    static final double MB = 1e6;

    @TempDir
    static Path home;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabase.register(registry, home);
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern WRITTEN = Pattern.compile("Written (gwb\\d{19}\\.json)for (\\d+) bytes");
    private static final ExecutorService POOL = Executors.newCachedThreadPool();

    @AfterAll
    static void stopPool() {
        POOL.shutdownNow();
    }

    @AfterEach
    void closeClients() throws IOException {
        for (LoadClient c : clients) {
            c.close();
        }
    }

    @LocalServerPort
    int port;
    @Autowired
    ApiToken token;
    @Autowired
    DataBuffer buffer;
    @Autowired
    JobControl jobs;
    @Autowired
    Drms drms;

    /** The next chunk's first sample, counted from GPS0: every chunk of the run gets its own t0. */
    private long nextSample;
    private int collects;
    /** One HTTP client per concurrent sender, kept across rounds (keep-alive). */
    private final List<LoadClient> clients = new ArrayList<>();

    // ------------------------------------------------------------------------------------------------ chunks

    /** Python's repr of a float (what json.dumps writes): shortest digits, 'e' in the exponent. */
    static String py(double d) {
        String s = Double.toString(d);
        return s.indexOf('E') >= 0 ? s.replace("E", "e") : s;
    }

    /** The samples of a chunk kind: a few different arrays of strain-like noise, and each as JSON text. */
    record Kind(int samples, double[][] h, byte[][] json) {

        static Kind of(int samples, int variants, long seed) {
            Random r = new Random(seed);
            double[][] h = new double[variants][samples];
            byte[][] json = new byte[variants][];
            for (int v = 0; v < variants; v++) {
                StringBuilder b = new StringBuilder(samples * 25);
                b.append('[');
                for (int i = 0; i < samples; i++) {
                    h[v][i] = 1e-21 * (r.nextGaussian() + 0.3 * Math.sin(i * 0.05));
                    b.append(i == 0 ? "" : ", ").append(py(h[v][i]));
                }
                json[v] = b.append(']').toString().getBytes(StandardCharsets.US_ASCII);
            }
            return new Kind(samples, h, json);
        }

        /** {@code {"h": [...], "t": [t0, dt]}} as json.dumps writes it. */
        byte[] body(int variant, double t0) {
            byte[] head = "{\"h\": ".getBytes(StandardCharsets.US_ASCII);
            byte[] tail = (", \"t\": [" + py(t0) + ", " + py(DT) + "]}").getBytes(StandardCharsets.US_ASCII);
            byte[] hj = json[variant % json.length];
            byte[] b = new byte[head.length + hj.length + tail.length];
            System.arraycopy(head, 0, b, 0, head.length);
            System.arraycopy(hj, 0, b, head.length, hj.length);
            System.arraycopy(tail, 0, b, head.length + hj.length, tail.length);
            return b;
        }

        int bodyBytes() {
            return body(0, GPS0 + 1e5).length;
        }
    }

    /** A chunk sent: its variant (which samples) and t0. */
    record Sent(int variant, double t0) {
    }

    private LoadClient client(int i) {
        while (clients.size() <= i) {
            clients.add(new LoadClient("127.0.0.1", port));
        }
        return clients.get(i);
    }

    // ------------------------------------------------------------------------------------------------ CPU

    /**
     * Where a side's CPU goes, per chunk, over its measured rounds: the whole process (clients, server, disk writes'
     * system time) and the server's request threads ({@code http-nio-*-exec-*}: HTTP, security, parsing, storing).
     */
    private final Map<String, List<double[]>> cpu = new ConcurrentHashMap<>();
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** CPU nanoseconds so far: {process, server request threads}. */
    static long[] cpuNow() {
        long process = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
        long server = 0;
        for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (t != null && t.getThreadName().startsWith("http-nio-") && t.getThreadName().contains("-exec-")) {
                server += Math.max(0, THREADS.getThreadCpuTime(t.getThreadId()));
            }
        }
        return new long[] {process, server};
    }

    void countCpu(String side, long[] before, int chunks) {
        long[] after = cpuNow();
        cpu.computeIfAbsent(side, k -> new ArrayList<>()).add(new double[] {
            (after[0] - before[0]) / 1e6 / chunks, (after[1] - before[1]) / 1e6 / chunks});
    }

    /** The CPU lines (medians over the rounds, the warm-up left out), printed and added to the table's file. */
    void printCpu(String table) throws IOException {
        StringBuilder b = new StringBuilder("==== " + table + ": CPU per chunk (2 cores: 1 s of wall time holds 2000 ms)\n");
        for (Map.Entry<String, List<double[]>> e : cpu.entrySet()) {
            List<double[]> rounds = e.getValue().subList(Math.min(1, e.getValue().size() - 1), e.getValue().size());
            double[] process = rounds.stream().mapToDouble(r -> r[0]).toArray();
            double[] server = rounds.stream().mapToDouble(r -> r[1]).toArray();
            Arrays.sort(process);
            b.append(String.format(Locale.ROOT, "  %-40s process %6.2f ms (%.2f–%.2f)   server request threads %6.2f ms%n",
                    e.getKey(), Bench.median(process), process[0], process[process.length - 1],
                    Bench.median(server)));
        }
        System.out.print(b);
        Path file = Path.of("target", "bench", table + ".txt");
        if (Files.exists(file)) {
            Files.writeString(file, b, StandardOpenOption.APPEND);
        }
        cpu.clear();
    }

    // ------------------------------------------------------------------------------------------------ sides

    /**
     * POSTs {@code count} chunks of {@code kind} from {@code n} concurrent clients and checks what the buffer got;
     * MB/s of request body.
     */
    double stream(Kind kind, int n, int count) throws Exception {
        emptyBuffer();
        long first = nextSample;
        nextSample += (long) count * kind.samples();
        CountDownLatch go = new CountDownLatch(1);
        Map<String, Sent> answered = new ConcurrentHashMap<>();
        List<Future<long[]>> results = new ArrayList<>();
        for (int c = 0; c < n; c++) {
            int client = c;
            LoadClient http = client(c);
            results.add(POOL.submit(() -> {
                long body = 0;
                long stored = 0;
                go.await();
                for (int i = client; i < count; i += n) { // client c sends chunks c, c + n, c + 2n, ...
                    double t0 = GPS0 + (first + (long) i * kind.samples()) * DT;
                    byte[] b = kind.body(i, t0);
                    LoadClient.Answer r = http.post("/streamdata", "application/json", b,
                            "Authorization: " + token.bearer());
                    assertThat(r.status()).as("chunk %d: %s", i, r.body()).isEqualTo(200);
                    JsonNode j = JSON.readTree(r.body());
                    assertThat(j.get("resp").asString()).as("chunk %d: %s", i, r.body()).isEqualTo("CREATED");
                    Matcher m = WRITTEN.matcher(JSON.readTree(j.get("body").asString()).get("body").asString());
                    assertThat(m.matches()).as("chunk %d: %s", i, r.body()).isTrue();
                    answered.put(m.group(1), new Sent(i % kind.h().length, t0));
                    body += b.length;
                    stored += Long.parseLong(m.group(2));
                }
                return new long[] {body, stored};
            }));
        }
        long[] cpuBefore = cpuNow();
        long t0 = System.nanoTime();
        go.countDown();
        long body = 0;
        long stored = 0;
        for (Future<long[]> f : results) {
            long[] x = f.get();
            body += x[0];
            stored += x[1];
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        countCpu("POST /streamdata " + n + " clients, " + kind.samples() + " samples", cpuBefore, count);
        checkBuffer(kind, answered, count, stored);
        return body / MB / secs;
    }

    /** {@link DataBuffer#store(byte[])} of {@code count} chunks from {@code n} threads; MB/s of body. */
    double storeDirectly(Kind kind, int n, int count) throws Exception {
        emptyBuffer();
        long first = nextSample;
        nextSample += (long) count * kind.samples();
        CountDownLatch go = new CountDownLatch(1);
        Map<String, Sent> stored = new ConcurrentHashMap<>();
        List<Future<long[]>> results = new ArrayList<>();
        for (int c = 0; c < n; c++) {
            int thread = c;
            results.add(POOL.submit(() -> {
                long body = 0;
                long bytes = 0;
                go.await();
                for (int i = thread; i < count; i += n) {
                    double t0 = GPS0 + (first + (long) i * kind.samples()) * DT;
                    byte[] b = kind.body(i, t0);
                    StoredChunk s = buffer.store(b);
                    stored.put(s.name(), new Sent(i % kind.h().length, t0));
                    body += b.length;
                    bytes += s.bytes();
                }
                return new long[] {body, bytes};
            }));
        }
        long[] cpuBefore = cpuNow();
        long t0 = System.nanoTime();
        go.countDown();
        long body = 0;
        long bytes = 0;
        for (Future<long[]> f : results) {
            long[] x = f.get();
            body += x[0];
            bytes += x[1];
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        countCpu("store() " + n + " threads, " + kind.samples() + " samples", cpuBefore, count);
        checkBuffer(kind, stored, count, bytes);
        return body / MB / secs;
    }

    /** Nothing lost, nothing extra: counters and data/ agree with the answers; a sample reads back as sent. */
    void checkBuffer(Kind kind, Map<String, Sent> answered, int count, long stored) throws IOException {
        assertThat(answered).hasSize(count);
        BufferStats s = buffer.stats();
        assertThat(s.files()).as("chunks counted").isEqualTo(count);
        assertThat(s.bytes()).as("bytes counted").isEqualTo(stored);
        assertThat(new HashSet<>(buffer.fileNames())).as("files in data/").isEqualTo(answered.keySet());
        List<String> names = new ArrayList<>(answered.keySet());
        for (int k = 0; k < 3; k++) {
            String name = names.get((k * 7919) % names.size());
            Sent sent = answered.get(name);
            assertThat(buffer.read(name)).as(name).isEqualTo(new Chunk(kind.h()[sent.variant()], sent.t0(), DT));
        }
    }

    /** Snapshots everything buffered away (not timed), so that each side starts from an empty buffer. */
    void emptyBuffer() throws IOException {
        if (buffer.stats().files() > 0 || !buffer.fileNames().isEmpty()) {
            Path taken = buffer.snapshot("bench", "bench").directory();
            try (Stream<Path> s = Files.walk(taken)) { // the bench's snapshots would fill the disk
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        assertThat(buffer.stats()).isEqualTo(BufferStats.EMPTY);
    }

    /**
     * The like-for-like limit: {@code count} new files of {@code size} bytes each written and fsync'd, one after the
     * other, in a directory next to the buffer's; MB/s.
     */
    static double filesWrittenAndSynced(Path dir, int count, int size) throws Exception {
        Limits.clear(dir);
        byte[] content = new byte[size];
        new Random(count).nextBytes(content);
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
            try (FileChannel c = FileChannel.open(dir.resolve("f" + i), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(content);
                while (b.hasRemaining()) {
                    c.write(b);
                }
                c.force(true);
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        Limits.clear(dir);
        return (double) count * size / MB / secs;
    }

    /** A collect's rate, MB/s of segment files, and the size of each (the same for every chunk of a kind). */
    record Collected(double rate, long segmentBytes) {
    }

    /**
     * Stores {@code count} chunks (not timed), runs collect over them into a series of its own and checks it; MB/s
     * of segment files written over the step's run.
     */
    Collected collect(Kind kind, int count) throws Exception {
        emptyBuffer();
        Map<String, Sent> stored = new HashMap<>();
        for (int i = 0; i < count; i++) {
            double t0 = GPS0 + (nextSample + (long) i * kind.samples()) * DT;
            stored.put(buffer.store(kind.body(i, t0)).name(), new Sent(i % kind.h().length, t0));
        }
        nextSample += (long) count * kind.samples();
        String series = "gw.bench_" + (++collects);
        long[] cpuBefore = cpuNow();
        JobRun run = JobTests.awaitEnd(jobs, jobs.start("collect", Map.of("run", series, "series", series))
                .executionId(), 600);
        countCpu("collect, " + kind.samples() + " samples (whole job)", cpuBefore, count);
        assertThat(run.status()).as("%s", run).isEqualTo("COMPLETED");
        JobRun.Step step = run.steps().get(0);
        assertThat(step.read()).isEqualTo(count);
        assertThat(step.write()).isEqualTo(count);
        assertThat(step.skip()).isZero();
        double secs = Duration.between(step.startTime(), step.endTime()).toNanos() / 1e9;
        long inSeries = drms.read(s -> s.count(series));
        assertThat(inSeries).isEqualTo(count);
        List<Record> records = drms.read(s -> s.open(series, 0));
        assertThat(records).hasSize(count);
        Set<Long> sizes = new HashSet<>();
        for (int k = 0; k < 3; k++) {
            Record r = records.get((k * 7919) % records.size());
            Sent sent = stored.get(String.valueOf(r.get("SOURCE")));
            assertThat(sent).as("SOURCE %s", r.get("SOURCE")).isNotNull();
            assertThat(r.read("strain", DrmsType.DOUBLE).doubles()).as("strain of %s", r)
                    .isEqualTo(kind.h()[sent.variant()]);
            sizes.add(Files.size(r.segmentPath("strain")));
        }
        assertThat(sizes).as("segment file sizes").hasSize(1);
        long segmentBytes = sizes.iterator().next();
        assertThat(segmentBytes).as("a FITS file of the samples").isGreaterThan(kind.samples() * 8L);
        emptyBuffer();
        return new Collected((double) count * segmentBytes / MB / secs, segmentBytes);
    }

    Path limitDir() {
        return buffer.directory().resolveSibling("disk-limit");
    }

    // ------------------------------------------------------------------------------------------------ the run

    @Test
    void streamdataAndCollectAgainstTheDisk() throws Exception {
        emptyBuffer();
        Kind large = Kind.of(LARGE, 4, 2);
        Kind small = Kind.of(SMALL, 16, 1);
        int largeBody = large.bodyBytes();
        int smallBody = small.bodyBytes();
        // Code that runs once per request (Tomcat, security, MVC) or once per record (Spring Batch, JDBC, FITS) reaches
        // the JIT's optimizing compiler only after some 10 000 of them, and a few hundred large chunks a round would
        // take a hundred rounds to get there: small chunks take the same paths in seconds (the large chunks' parse
        // loops are hot after a few), then each table warms up until the JIT is quiet
        for (int i = 0; i < WARM_UP_REQUESTS / SMALL_CHUNKS; i++) {
            stream(small, CLIENTS, SMALL_CHUNKS);
        }
        for (int i = 0; i < WARM_UP_RECORDS / WARM_UP_COLLECT; i++) {
            collect(small, WARM_UP_COLLECT);
        }
        long segmentBytes = collect(large, 4).segmentBytes(); // what the collect's limit writes
        cpu.clear(); // the CPU lines are the tables'
        String http = "POST /streamdata " + CLIENTS + " clients";
        String files = "disk: files of one body, write+fsync each";
        String dd = "disk: one file, dd conv=fsync";
        String collect = "collect into the catalog";
        String segments = "disk: files of one segment, write+fsync each";
        new Bench("BufferBenchmark", String.format(Locale.ROOT, "%d chunks of %d samples (%d-byte json.dumps bodies)"
                + " per side and round", CHUNKS, LARGE, largeBody))
                .warmUntilJitQuiet(MAX_WARMUPS)
                .rate(http, "MB/s of body", () -> stream(large, CLIENTS, CHUNKS))
                .rate(files, "MB/s", () -> filesWrittenAndSynced(limitDir(), CHUNKS, largeBody))
                .rate(dd, "MB/s", () -> (double) CHUNKS * largeBody / MB
                        / Limits.writeAndSync(limitDir(), (long) CHUNKS * largeBody))
                .compare(http, files, 0.5)
                .compare(http, dd)
                .note(String.format(Locale.ROOT, "chunks/s = MB/s of body / %.3f; the per-file limit writes %d files"
                        + " of %d bytes, one thread", largeBody / MB, CHUNKS, largeBody))
                .run();
        printCpu("BufferBenchmark");

        new Bench("BufferBenchmark-collect", String.format(Locale.ROOT, "collect of %d chunks of %d samples (%d-byte"
                + " bodies stored before, untimed) into %d-byte segment files per round", CHUNKS, LARGE, largeBody,
                segmentBytes))
                .warmUntilJitQuiet(MAX_WARMUPS)
                .rate(collect, "MB/s of segment files", () -> collect(large, CHUNKS).rate())
                .rate(segments, "MB/s", () -> filesWrittenAndSynced(limitDir(), CHUNKS, (int) segmentBytes))
                .rate(files, "MB/s", () -> filesWrittenAndSynced(limitDir(), CHUNKS, largeBody))
                .compare(collect, segments, 0.5)
                .compare(collect, files)
                .note(String.format(Locale.ROOT, "chunks/s = MB/s of segment files / %.3f; the per-file limits write"
                        + " %d files of %d or %d bytes, one thread", segmentBytes / MB, CHUNKS, segmentBytes,
                        largeBody))
                .note("records written into a new series per round, from the step's start to its end")
                .run();
        printCpu("BufferBenchmark-collect");

        String one = "POST /streamdata 1 client";
        String sixteen = "POST /streamdata 16 clients";
        String smallHttp = "POST /streamdata 4 clients, 300-sample";
        String store = "store() 4 threads";
        String smallFiles = "disk: files of one 300-sample body";
        new Bench("BufferBenchmark-more", String.format(Locale.ROOT, "%d large (%d-byte) or %d small (%d-byte)"
                + " chunks per side and round", CHUNKS, largeBody, SMALL_CHUNKS, smallBody))
                .warmUntilJitQuiet(MAX_WARMUPS)
                .rate(one, "MB/s of body", () -> stream(large, 1, CHUNKS))
                .rate(sixteen, "MB/s of body", () -> stream(large, 16, CHUNKS))
                .rate(store, "MB/s of body", () -> storeDirectly(large, 4, CHUNKS))
                .rate(files, "MB/s", () -> filesWrittenAndSynced(limitDir(), CHUNKS, largeBody))
                .rate(smallHttp, "MB/s of body", () -> stream(small, CLIENTS, SMALL_CHUNKS))
                .rate(smallFiles, "MB/s", () -> filesWrittenAndSynced(limitDir(), SMALL_CHUNKS, smallBody))
                .compare(one, files)
                .compare(sixteen, files)
                .compare(store, files)
                .compare(smallHttp, smallFiles)
                .note(String.format(Locale.ROOT, "large chunks/s = MB/s / %.3f; small chunks/s = MB/s / %.4f",
                        largeBody / MB, smallBody / MB))
                .run();
        printCpu("BufferBenchmark-more");
    }
}
