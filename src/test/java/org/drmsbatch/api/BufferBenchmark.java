package org.drmsbatch.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.drmsbatch.config.ApiToken;
import org.drmsbatch.TestDatabase;
import org.drmsbatch.buffer.BufferStats;
import org.drmsbatch.buffer.Chunk;
import org.drmsbatch.buffer.DataBuffer;
import org.drmsbatch.buffer.StoredChunk;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.SeriesCatalog;
import org.drmsbatch.jobs.JobTests;
import org.drmsbatch.schedules.JobControl;
import org.drmsbatch.schedules.JobRun;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The benchmark of the data buffer over HTTP and the {@code collect} job, next to the disk they write to.
 *
 * <ol>
 * <li>The disk: sequential write of {@value #DISK_MB} MB with one fsync at the end, into the buffer's own directory
 * (MB/s), at the start, between the two chunk sizes and at the end; the ratios use the median of the three. Also
 * durable small-file creates (write 7.1 KB, fsync, rename, fsync the directory: what the buffer does per chunk,
 * minus its log line) from 1 and 16 threads, the ceiling of chunks/s for small chunks.</li>
 * <li>{@code POST /streamdata} on the real server over loopback from 1, 4 and 16 concurrent clients (one JDK
 * HttpClient each, HTTP/1.1 keep-alive, like gwclient's aiohttp), with 300-sample and 16 384-sample chunks of
 * strain-like doubles (~1e-21 Gaussian noise) written as Python's {@code json.dumps} writes them, every chunk with
 * its own t0. Printed: chunks/s, samples/s, MB/s of request body and of bytes stored, stored MB/s against the
 * disk's, latency p50/p99, and CPU per chunk of the server's threads, the clients' threads and the rest of the JVM
 * (GC, JIT). Checked: every answer CREATED, the buffer's counters (and {@code /stats}) grew by exactly the chunks
 * and bytes the answers report, the new files in {@code data/} are exactly the names answered, one stored chunk
 * reads back equal to what was sent.</li>
 * <li>The same chunks given to {@link DataBuffer#store(byte[])} in-process from 1, 4 and 16 threads: the buffer's
 * own rate without HTTP, to tell the two costs apart.</li>
 * <li>{@code collect} of each size's buffered chunks into its own series: records/s, samples/s, MB/s of FITS
 * segments written against the disk's, catalog (database) growth, CPU per record. Checked: the step read and wrote
 * every chunk and skipped none, the series holds one record per chunk with each t0 once, the samples add up.</li>
 * </ol>
 *
 * Figures are reported, not asserted; correctness is asserted. A warm-up of both sizes (HTTP, store() and collect)
 * runs first and is not counted. The machine is shared: the load average is printed at the start and the end.
 * Takes about 2-4 minutes. Run with {@code ./mvnw -o -Pbench test -Dtest=BufferBenchmark}.
 */
@Tag("benchmark")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=servlet",
        "drms.buffer.max-size=1TB",
        "drms.buffer.max-chunk-bytes=4MB"})
class BufferBenchmark {

    static final int DISK_MB = 1024;
    static final int[] CLIENTS = {1, 4, 16};
    /** Chunk sizes in samples, and how many chunks each client count sends. */
    static final int SMALL = 300;
    static final int LARGE = 16_384;
    static final int SMALL_COUNT = 1_600;
    static final int LARGE_COUNT = 240;
    static final int WARMUP_COUNT = 800;
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
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static final Pattern WRITTEN = Pattern.compile("Written (gwb\\d{19}\\.json)for (\\d+) bytes");

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
    @Autowired
    JdbcTemplate jdbc;

    /** The next chunk's first sample, counted from GPS0: every chunk of the run gets its own t0 (a prime key). */
    private long nextSample;
    private final List<String> summary = new ArrayList<>();

    // ------------------------------------------------------------------------------------------------ the disk

    /** Writes {@code mb} MB in 8 MB blocks, one fsync at the end; MB/s including the fsync. */
    static double sequentialWrite(Path dir, int mb) throws IOException {
        Path f = dir.resolve("disk-rate.bin");
        byte[] block = new byte[8 << 20];
        new Random(7).nextBytes(block);
        ByteBuffer buf = ByteBuffer.wrap(block);
        long bytes = (long) mb * 1_000_000;
        long t0 = System.nanoTime();
        try (FileChannel c = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (long done = 0; done < bytes; ) {
                buf.clear();
                buf.limit((int) Math.min(block.length, bytes - done));
                while (buf.hasRemaining()) {
                    done += c.write(buf);
                }
            }
            c.force(true);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        Files.delete(f);
        return bytes / MB / secs;
    }

    /** Durable small-file creates per second from {@code threads} threads: the buffer's per-chunk pattern. */
    static double durableCreates(Path dir, int threads, int perThread, int size) throws Exception {
        Path d = Files.createDirectories(dir.resolve("creates-" + threads));
        byte[] content = new byte[size];
        Arrays.fill(content, (byte) '1');
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Callable<Void>> work = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                work.add(() -> {
                    for (int i = 0; i < perThread; i++) {
                        Path tmp = d.resolve(".tmp-" + id + "-" + i);
                        try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW,
                                StandardOpenOption.WRITE)) {
                            c.write(ByteBuffer.wrap(content));
                            c.force(true);
                        }
                        Files.move(tmp, d.resolve("f-" + id + "-" + i), StandardCopyOption.ATOMIC_MOVE);
                        try (FileChannel c = FileChannel.open(d, StandardOpenOption.READ)) {
                            c.force(true);
                        }
                    }
                    return null;
                });
            }
            long t0 = System.nanoTime();
            for (Future<Void> f : pool.invokeAll(work)) {
                f.get();
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            return threads * perThread / secs;
        } finally {
            pool.shutdown();
            try (Stream<Path> files = Files.list(d)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    Files.delete(p);
                }
            }
            Files.delete(d);
        }
    }

    static java.util.concurrent.ThreadFactory named(String prefix) {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        return r -> new Thread(r, prefix + n.incrementAndGet());
    }

    // ------------------------------------------------------------------------------------------------ chunks

    /** Python's repr of a float (what json.dumps writes): shortest digits, 'e' in the exponent. */
    static String py(double d) {
        String s = Double.toString(d);
        return s.indexOf('E') >= 0 ? s.replace("E", "e") : s;
    }

    /** A few different h arrays of strain-like noise, each as JSON text {@code [a, b, ...]}. */
    static byte[][] sampleArrays(int samples, int variants, long seed) {
        Random r = new Random(seed);
        byte[][] out = new byte[variants][];
        for (int v = 0; v < variants; v++) {
            StringBuilder b = new StringBuilder(samples * 25);
            b.append('[');
            for (int i = 0; i < samples; i++) {
                b.append(i == 0 ? "" : ", ").append(py(1e-21 * (r.nextGaussian() + 0.3 * Math.sin(i * 0.05))));
            }
            out[v] = b.append(']').toString().getBytes(StandardCharsets.US_ASCII);
        }
        return out;
    }

    /** {@code {"h": [...], "t": [t0, dt]}} as json.dumps writes it. */
    static byte[] body(byte[] h, double t0) {
        byte[] head = "{\"h\": ".getBytes(StandardCharsets.US_ASCII);
        byte[] tail = (", \"t\": [" + py(t0) + ", " + py(DT) + "]}").getBytes(StandardCharsets.US_ASCII);
        byte[] b = new byte[head.length + h.length + tail.length];
        System.arraycopy(head, 0, b, 0, head.length);
        System.arraycopy(h, 0, b, head.length, h.length);
        System.arraycopy(tail, 0, b, head.length + h.length, tail.length);
        return b;
    }

    /** CPU seconds of the live threads, by thread id, to split a phase's CPU between server, clients and the rest. */
    record CpuSnapshot(Map<Long, Long> byThread, Map<Long, String> names, long process) {

        static CpuSnapshot take() {
            Map<Long, Long> cpu = new java.util.HashMap<>();
            Map<Long, String> names = new java.util.HashMap<>();
            for (java.lang.management.ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
                if (t != null) {
                    long c = THREADS.getThreadCpuTime(t.getThreadId());
                    if (c >= 0) {
                        cpu.put(t.getThreadId(), c);
                        names.put(t.getThreadId(), t.getThreadName());
                    }
                }
            }
            return new CpuSnapshot(cpu, names, OS.getProcessCpuTime());
        }

        /** CPU nanoseconds since {@code before} of the threads whose name starts with one of {@code prefixes}. */
        long since(CpuSnapshot before, String... prefixes) {
            long sum = 0;
            for (Map.Entry<Long, Long> e : byThread.entrySet()) {
                String n = names.get(e.getKey());
                if (Arrays.stream(prefixes).anyMatch(n::startsWith)) {
                    sum += e.getValue() - before.byThread.getOrDefault(e.getKey(), 0L);
                }
            }
            return sum;
        }
    }

    /** What one streaming run sent and what the server answered. */
    record Streamed(String how, int clients, int samples, int chunks, long bodyBytes, long storedBytes,
            double seconds, long[] latencyNanos, Set<String> names, long serverCpu, long clientCpu, long otherCpu) {

        double chunksPerSecond() {
            return chunks / seconds;
        }

        String line(double diskMBs) {
            long[] l = latencyNanos.clone();
            Arrays.sort(l);
            double stored = storedBytes / MB / seconds;
            return String.format(Locale.ROOT, "%-11s %5d samples x %2d %s: %5d chunks in %5.2f s | %5.0f chunks/s |"
                    + " %8.0f samples/s | body %5.1f MB/s | stored %5.1f MB/s = %.3f of disk | latency p50 %5.1f ms"
                    + " p99 %5.1f ms | CPU/chunk: server %4.0f us, clients %4.0f us, rest (GC, JIT) %4.0f us", how,
                    samples, clients,
                    how.equals("HTTP") ? "clients" : "threads", chunks, seconds, chunks / seconds,
                    (double) chunks * samples / seconds, bodyBytes / MB / seconds, stored, stored / diskMBs,
                    l[l.length / 2] / 1e6, l[(int) (l.length * 0.99)] / 1e6,
                    serverCpu / 1e3 / chunks, clientCpu / 1e3 / chunks, otherCpu / 1e3 / chunks);
        }
    }

    /** Streams {@code count} chunks of {@code samples} samples from {@code clients} concurrent clients. */
    Streamed stream(int clients, int samples, int count, byte[][] arrays) throws Exception {
        BufferStats before = buffer.stats();
        Set<String> namesBefore = new HashSet<>(buffer.fileNames());
        long first = nextSample;
        nextSample += (long) count * samples;
        URI uri = URI.create("http://127.0.0.1:" + port + "/streamdata");
        ExecutorService pool = Executors.newFixedThreadPool(clients, named("client-"));
        CountDownLatch go = new CountDownLatch(1);
        List<Future<long[]>> results = new ArrayList<>();
        long[] latency = new long[count];
        List<List<String>> names = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            List<String> mine = new ArrayList<>();
            names.add(mine);
            results.add(pool.submit(() -> {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(10)).build();
                long body = 0;
                long stored = 0;
                go.await();
                // client c sends chunks c, c + clients, c + 2 clients, ...
                for (int i = client; i < count; i += clients) {
                    byte[] b = body(arrays[i % arrays.length], GPS0 + (first + (long) i * samples) * DT);
                    long s0 = System.nanoTime();
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri)
                            .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
                            .header("Authorization", token.bearer()).POST(HttpRequest.BodyPublishers.ofByteArray(b)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    latency[i] = System.nanoTime() - s0;
                    assertThat(r.statusCode()).as("chunk %d: %s", i, r.body()).isEqualTo(200);
                    JsonNode j = JSON.readTree(r.body());
                    assertThat(j.get("resp").asString()).as("chunk %d: %s", i, r.body()).isEqualTo("CREATED");
                    Matcher m = WRITTEN.matcher(JSON.readTree(j.get("body").asString()).get("body").asString());
                    assertThat(m.matches()).as("chunk %d: %s", i, r.body()).isTrue();
                    mine.add(m.group(1));
                    body += b.length;
                    stored += Long.parseLong(m.group(2));
                }
                return new long[] {body, stored};
            }));
        }
        CpuSnapshot cpu0 = CpuSnapshot.take();
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
        CpuSnapshot cpu1 = CpuSnapshot.take(); // before the client threads end
        long server = cpu1.since(cpu0, "http-nio");
        long client = cpu1.since(cpu0, "client-", "HttpClient");
        pool.shutdown();

        // nothing lost, nothing extra: counters, /stats and data/ agree with the answers
        Set<String> answered = new HashSet<>();
        names.forEach(answered::addAll);
        assertThat(answered).hasSize(count);
        BufferStats after = buffer.stats();
        assertThat(after.files() - before.files()).as("files counted").isEqualTo(count);
        assertThat(after.bytes() - before.bytes()).as("bytes counted").isEqualTo(stored);
        HttpResponse<String> stats = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/stats")).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(JSON.readTree(stats.body()).get("n_itm").asLong()).isEqualTo(after.files());
        assertThat(JSON.readTree(stats.body()).get("buff_size").asLong()).isEqualTo(after.bytes());
        Set<String> now = new HashSet<>(buffer.fileNames());
        now.removeAll(namesBefore);
        assertThat(now).as("new files in data/").isEqualTo(answered);
        return new Streamed("HTTP", clients, samples, count, body, stored, secs, latency, answered, server, client,
                cpu1.process() - cpu0.process() - server - client);
    }

    /**
     * The same chunks given to {@link DataBuffer#store(byte[])} in this process from {@code threads} threads: the
     * buffer's own rate (parse, canonical JSON, file, fsyncs, log line) without HTTP.
     */
    Streamed storeDirectly(int threads, int samples, int count, byte[][] arrays) throws Exception {
        BufferStats before = buffer.stats();
        long first = nextSample;
        nextSample += (long) count * samples;
        ExecutorService pool = Executors.newFixedThreadPool(threads, named("store-"));
        CountDownLatch go = new CountDownLatch(1);
        long[] latency = new long[count];
        List<Future<long[]>> results = new ArrayList<>();
        Set<String> names = java.util.concurrent.ConcurrentHashMap.newKeySet();
        for (int t = 0; t < threads; t++) {
            int id = t;
            results.add(pool.submit(() -> {
                long body = 0;
                long stored = 0;
                go.await();
                for (int i = id; i < count; i += threads) {
                    byte[] b = body(arrays[i % arrays.length], GPS0 + (first + (long) i * samples) * DT);
                    long s0 = System.nanoTime();
                    StoredChunk c = buffer.store(b);
                    latency[i] = System.nanoTime() - s0;
                    names.add(c.name());
                    body += b.length;
                    stored += c.bytes();
                }
                return new long[] {body, stored};
            }));
        }
        CpuSnapshot cpu0 = CpuSnapshot.take();
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
        CpuSnapshot cpu1 = CpuSnapshot.take();
        long server = cpu1.since(cpu0, "store-");
        pool.shutdown();
        BufferStats after = buffer.stats();
        assertThat(names).hasSize(count);
        assertThat(after.files() - before.files()).isEqualTo(count);
        assertThat(after.bytes() - before.bytes()).isEqualTo(stored);
        return new Streamed("store()", threads, samples, count, body, stored, secs, latency, names, server, 0,
                cpu1.process() - cpu0.process() - server);
    }

    // ------------------------------------------------------------------------------------------------ collect

    record Collected(String series, long records, long samples, double seconds, long fitsBytes, long catalogBytes,
            long jsonBytes, long jobCpu, long otherCpu) {

        String line(double diskMBs) {
            double fits = fitsBytes / MB / seconds;
            return String.format(Locale.ROOT, "collect %-18s %6d records in %6.2f s | %7.0f records/s | %9.0f samples/s"
                    + " | FITS %6.1f MB/s = %.3f of disk | catalog +%5.1f MB (%5.2f MB/s) | JSON read %6.1f MB/s"
                    + " | CPU/record: job thread %4.0f us, rest of the JVM %4.0f us", series, records, seconds, records / seconds, samples / seconds, fits,
                    fits / diskMBs, catalogBytes / MB, catalogBytes / MB / seconds, jsonBytes / MB / seconds,
                    jobCpu / 1e3 / records, otherCpu / 1e3 / records);
        }
    }

    long bytesUnder(List<Path> dirs) throws IOException {
        long total = 0;
        for (Path d : dirs) {
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (Stream<Path> s = Files.walk(d)) {
                total += s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
            }
        }
        return total;
    }

    long databaseBytes() {
        return jdbc.queryForObject("SELECT pg_database_size(current_database())", Long.class);
    }

    /** Runs collect over everything buffered into {@code series}, checks it, then snapshots the buffer away. */
    Collected collect(String series, int samples) throws Exception {
        BufferStats buffered = buffer.stats();
        List<Path> partitions = drms.sums().partitions();
        long fitsBefore = bytesUnder(partitions);
        long dbBefore = databaseBytes();
        CpuSnapshot cpu0 = CpuSnapshot.take();
        JobRun run = JobTests.awaitEnd(jobs, jobs.start("collect", Map.of("run", series, "series", series))
                .executionId(), 600);
        CpuSnapshot cpu1 = CpuSnapshot.take();
        long jobCpu = cpu1.since(cpu0, "drms-job");
        assertThat(run.status()).as("%s", run).isEqualTo("COMPLETED");
        JobRun.Step step = run.steps().get(0);
        assertThat(step.read()).isEqualTo(buffered.files());
        assertThat(step.write()).isEqualTo(buffered.files());
        assertThat(step.skip()).isZero();
        double secs = Duration.between(step.startTime(), step.endTime()).toNanos() / 1e9;
        long fits = bytesUnder(partitions) - fitsBefore;
        long db = databaseBytes() - dbBefore;

        long records = drms.read(s -> s.count(series));
        assertThat(records).isEqualTo(buffered.files());
        String table = SeriesCatalog.table(drms.describeSeries(series));
        Map<String, Object> agg = jdbc.queryForMap("SELECT count(*) AS n, count(DISTINCT t_start) AS t0s,"
                + " sum(nsamples) AS samples, min(nsamples) AS lo, max(nsamples) AS hi FROM " + table);
        assertThat(((Number) agg.get("n")).longValue()).isEqualTo(buffered.files());
        assertThat(((Number) agg.get("t0s")).longValue()).isEqualTo(buffered.files());
        assertThat(((Number) agg.get("samples")).longValue()).isEqualTo(buffered.files() * samples);
        assertThat(((Number) agg.get("lo")).intValue()).isEqualTo(samples);
        assertThat(((Number) agg.get("hi")).intValue()).isEqualTo(samples);

        buffer.snapshot("bench", "bench");
        assertThat(buffer.stats()).isEqualTo(BufferStats.EMPTY);
        return new Collected(series, buffered.files(), buffered.files() * samples, secs, fits, db, buffered.bytes(),
                jobCpu, cpu1.process() - cpu0.process() - jobCpu);
    }

    /** One stored chunk read back equals what was sent. */
    void spotCheck(Streamed s, byte[][] arrays, long firstSample) throws IOException {
        String name = s.names().iterator().next();
        Chunk c = buffer.read(name);
        long i = Math.round((c.t0() - GPS0) / DT - firstSample) / s.samples();
        assertThat(i).isBetween(0L, (long) s.chunks() - 1);
        Chunk sent = Chunk.parse(body(arrays[(int) (i % arrays.length)], c.t0()));
        assertThat(c).isEqualTo(sent);
    }

    // ------------------------------------------------------------------------------------------------ the run

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "n/a";
        }
    }

    double diskRate(String when) throws IOException {
        double d = sequentialWrite(buffer.directory(), DISK_MB);
        summary.add(String.format(Locale.ROOT, "disk sequential write (%s): %d MB + fsync = %.0f MB/s", when, DISK_MB,
                d));
        System.out.println(summary.get(summary.size() - 1));
        return d;
    }

    void print(String line) {
        summary.add(line);
        System.out.println(line);
    }

    @Test
    void streamdataAndCollectAgainstTheDisk() throws Exception {
        buffer.snapshot("bench", "bench"); // empty and OPERATIONAL
        Path dir = buffer.directory();
        print(String.format(Locale.ROOT, "machine: %d cores, %.1f GB RAM, %s %s, Java %s; buffer in %s (%s);"
                + " load average at start: %s", Runtime.getRuntime().availableProcessors(),
                OS.getTotalMemorySize() / 1e9, System.getProperty("os.name"), System.getProperty("os.version"),
                System.getProperty("java.version"), dir, Files.getFileStore(dir).type(), loadAverage()));

        List<Double> disk = new ArrayList<>();
        disk.add(diskRate("start"));
        double creates1 = durableCreates(dir, 1, 500, 7_100);
        double creates16 = durableCreates(dir, 16, 100, 7_100);
        print(String.format(Locale.ROOT, "durable 7.1 KB file creates (write, fsync, rename, fsync dir):"
                + " 1 thread %.0f/s | 16 threads %.0f/s", creates1, creates16));

        byte[][] small = sampleArrays(SMALL, 16, 1);
        byte[][] large = sampleArrays(LARGE, 4, 2);
        print(String.format(Locale.ROOT, "request bodies (json.dumps style): %d samples %d bytes, %d samples %d bytes",
                SMALL, body(small[0], GPS0).length, LARGE, body(large[0], GPS0).length));

        // warm-up (JIT, connections, the job's first run): not counted
        stream(4, SMALL, WARMUP_COUNT, small);
        storeDirectly(4, SMALL, WARMUP_COUNT, small);
        collect("gw.bench_warmup_small", SMALL);
        stream(4, LARGE, WARMUP_COUNT / 16, large);
        storeDirectly(4, LARGE, WARMUP_COUNT / 16, large);
        collect("gw.bench_warmup_large", LARGE);

        List<Streamed> streamed = new ArrayList<>();
        List<Collected> collected = new ArrayList<>();
        for (int samples : new int[] {SMALL, LARGE}) {
            byte[][] arrays = samples == SMALL ? small : large;
            int count = samples == SMALL ? SMALL_COUNT : LARGE_COUNT;
            for (int clients : CLIENTS) {
                long first = nextSample;
                Streamed s = stream(clients, samples, count, arrays);
                spotCheck(s, arrays, first);
                streamed.add(s);
                System.out.println(s.line(disk.get(0)));
            }
            for (int threads : CLIENTS) {
                Streamed s = storeDirectly(threads, samples, count, arrays);
                streamed.add(s);
                System.out.println(s.line(disk.get(0)));
            }
            Collected c = collect("gw.bench_" + samples, samples);
            collected.add(c);
            System.out.println(c.line(disk.get(0)));
            disk.add(diskRate(samples == SMALL ? "middle" : "end"));
        }

        double[] d = disk.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double median = d[d.length / 2];
        System.out.println();
        System.out.println("==== BufferBenchmark: POST /streamdata over loopback and collect, against the disk ====");
        summary.forEach(System.out::println);
        System.out.printf(Locale.ROOT, "ratios below are to the median disk figure, %.0f MB/s%n", median);
        streamed.forEach(s -> System.out.println(s.line(median)));
        collected.forEach(c -> System.out.println(c.line(median)));
        System.out.println("load average at end: " + loadAverage());
        System.out.println("====");
    }
}
