package org.drmsbatch.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

import org.drmsbatch.config.ApiToken;
import org.drmsbatch.config.DrmsProperties;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.SeriesDefinition;
import org.drmsbatch.drms.query.RecordSets;
import org.drmsbatch.drms.time.DrmsTime;
import org.drmsbatch.drms.types.DrmsType;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.jobs.collect.CollectJobConfiguration;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the main pipeline end to end.",
                "Starts the HTTP server on a free loopback port, streams synthetic gravitational-wave strain (a chirp",
                "in noise, 4096 Hz, detectors H1 and L1) into the data buffer over HTTP, freezes it (POST /train),",
                "collects it into the series gw.strain (the collect job, through the job API), snapshots the buffer",
                "(POST /cleanbuf) and shows the series; rescales it (the rescale job); then writes and reads back a",
                "small image series and exports it as FITS files (the export job); archives that series to the demo's",
                "tape library (the archive job), takes it off disk (the scrub job), exports it again, which stages it",
                "back from tape first (the stage job), and checks every file came back byte-identical; last, runs a",
                "pipeline (rescale, then export what it made) as one job and shows each step's per-record status."})
class DemoCommand implements Callable<Integer> {

    static final String SERIES = "demo.images";
    static final String STRAIN = CollectJobConfiguration.DEFAULT_SERIES;
    static final int SIZE = 128;
    static final int RATE = 4096;
    /** Where the demo's strain starts: GPS seconds (2025.11.25_00:00:00 UTC is 1448064018). */
    static final long GPS_START = 1448064018L;
    static final List<String> DETECTORS = List.of("H1", "L1");

    @ParentCommand
    DrmsCommand drms;

    @Option(names = "--records", description = "How many image records to write (default ${DEFAULT-VALUE}).")
    int records = 8;

    @Option(names = "--seconds", description = "Seconds of strain per detector (default ${DEFAULT-VALUE}).")
    int seconds = 4;

    @Option(names = "--chunk", description = "Samples per streamed chunk (default ${DEFAULT-VALUE}).")
    int chunk = 1024;

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private String base;
    private ApiToken token;

    @Override
    public Integer call() throws Exception {
        if (seconds < 1 || chunk < 16 || (long) seconds * RATE % chunk != 0) {
            throw new DrmsCommand.UserError("--seconds must be at least 1 and --chunk at least 16 and divide "
                    + "seconds x " + RATE + " samples");
        }
        // the demo's own buffer, so that it never touches (or waits for) the buffer of a running `drms serve`;
        // /train freezes as soon as anything is buffered
        drms.properties.add("drms.buffer.directory=demo/buffer");
        drms.properties.add("drms.buffer.max-size=1B");
        // the demo's own tape library (volumes in <home>/demo/tape), a modelled LTO-9 library whose minutes pass in
        // milliseconds; and a tiny SUMS capacity, so that the scrub finds the partition full and takes units off disk
        drms.properties.add("drms.tape.directory=demo/tape");
        drms.properties.add("drms.tape.time-scale=0.0001");
        drms.properties.add("drms.sums.capacity=1KB");
        drms.properties.addAll(DemoPipeline.properties(STRAIN + "[H1]"));
        drms.serve("127.0.0.1", 0);
        ConfigurableApplicationContext context = drms.context();
        DrmsProperties props = context.getBean(DrmsProperties.class);
        token = context.getBean(ApiToken.class);
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        base = "http://127.0.0.1:" + port;
        System.out.println("drms home: " + props.home());
        System.out.println("1. HTTP server on " + base + "/ (status page " + base + "/dspage)");
        System.out.println("   POST /train on the empty buffer: " + post("/train", TRAIN).get("resp").asString());

        int step = 2;
        Map<String, double[][]> sent = new LinkedHashMap<>();
        for (String detector : DETECTORS) {
            sent.put(detector, strainCycle(step++, detector));
        }

        System.out.println(step++ + ". the series " + STRAIN);
        RecordSets sets = context.getBean(RecordSets.class);
        Drms d = context.getBean(Drms.class);
        System.out.println(DescribeSeriesCommand.describe(d.describeSeries(STRAIN), sets.count(STRAIN + "[][]")));
        System.out.println();
        String window = DrmsTime.format(gpsTime(0), "GPS", 0) + "/" + seconds + "s";
        System.out.println("recnum\tDETECTOR\tT_START\tNSAMPLES\tDATAMIN\tDATAMAX\tDATARMS\tsegment strain");
        int checked = 0;
        for (String detector : DETECTORS) {
            String query = STRAIN + "[" + detector + "][" + window + "]";
            List<Record> rs = sets.open(query, 0);
            double[][] chunks = sent.get(detector);
            if (rs.size() != chunks.length) {
                throw new IllegalStateException(query + " has " + rs.size() + " records, " + chunks.length
                        + " chunks were streamed");
            }
            for (int i = 0; i < rs.size(); i++) {
                Record r = rs.get(i);
                if (i < 2 || i == rs.size() - 1) {
                    System.out.println(r.recnum() + "\t" + r.format("DETECTOR") + "\t" + r.format("T_START") + "\t"
                            + r.format("NSAMPLES") + "\t" + r.format("DATAMIN") + "\t" + r.format("DATAMAX") + "\t"
                            + r.format("DATARMS") + "\t" + r.segmentPath("strain"));
                } else if (i == 2) {
                    System.out.println("...");
                }
                if (!java.util.Arrays.equals(r.read("strain", DrmsType.DOUBLE).doubles(), chunks[i])) {
                    throw new IllegalStateException("record " + r + ": its strain segment differs from chunk " + i
                            + " streamed");
                }
                checked++;
            }
        }
        System.out.println("   " + checked + " strain segments read back equal the samples streamed");
        System.out.println();
        System.out.print(step++ + ". ");
        DemoRescale.run(drms, STRAIN, "strain");
        System.out.println();
        images(step++, d);
        System.out.println();
        System.out.print(step++ + ". ");
        DemoExport.run(drms, SERIES + "[]{image}");
        System.out.println();
        System.out.print(step++ + ". ");
        DemoTape.run(drms, SERIES, "image");
        System.out.println();
        System.out.print(step++ + ". ");
        DemoPipeline.run(drms, STRAIN + "[H1]");
        System.out.println();
        System.out.println("Try: ./drms show-info ds='" + STRAIN + "[L1][" + window + "]' key=T_START,DATARMS -p");
        System.out.println("     ./drms jobs");
        System.out.println("     ./drms status ds='" + STRAIN + "[H1]'");
        return DrmsCommand.OK;
    }

    /** One Trainpipe cycle for a detector: stream, freeze, collect, snapshot. Returns the chunks streamed. */
    private double[][] strainCycle(int step, String detector) throws Exception {
        double[] h = strain(detector, seconds * RATE);
        int n = h.length / chunk;
        double[][] chunks = new double[n][];
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            chunks[i] = java.util.Arrays.copyOfRange(h, i * chunk, (i + 1) * chunk);
            answers.add(http.sendAsync(request("/streamdata", chunkJson(chunks[i], GPS_START + (double) i * chunk
                    / RATE)), HttpResponse.BodyHandlers.ofString()));
        }
        int created = 0;
        for (CompletableFuture<HttpResponse<String>> a : answers) {
            if ("CREATED".equals(answer(a.get(), "/streamdata").get("resp").asString())) {
                created++;
            }
        }
        System.out.println(step + ". " + detector + ": " + n + " chunks of " + chunk + " samples at " + RATE + " Hz ("
                + seconds + " s, a chirp in noise) -> POST /streamdata: " + created + " CREATED");
        JsonNode stats = get("/stats");
        System.out.println("   GET /stats: " + stats);
        JsonNode train = post("/train", TRAIN);
        System.out.println("   POST /train: " + train);
        if (!"FROZEN".equals(train.get("resp").asString())) {
            throw new IllegalStateException("the buffer did not freeze: " + train);
        }
        String run = "demo-" + detector + "-" + Instant.now();
        JsonNode started = post("/api/jobs/" + CollectJobConfiguration.JOB,
                "{\"run\": \"" + run + "\", \"detector\": \"" + detector + "\"}");
        long id = started.get("executionId").asLong();
        JsonNode ended = awaitJob(id);
        JsonNode s = ended.get("steps").get(0);
        System.out.println("   POST /api/jobs/collect: execution " + id + " " + ended.get("status").asString()
                + " (read " + s.get("read") + ", written " + s.get("write") + ", skipped " + s.get("skip")
                + ", commits " + s.get("commit") + ")");
        if (!"COMPLETED".equals(ended.get("status").asString())) {
            throw new IllegalStateException("collect failed: " + ended);
        }
        JsonNode clean = post("/cleanbuf", "{\"msg\": \"demo\"}");
        System.out.println("   POST /cleanbuf: " + clean.get("resp").asString() + ", snapshot "
                + clean.path("snapshot").asString() + " (execution " + clean.get("execution") + ")");
        if (!"CLEANED".equals(clean.get("resp").asString())) {
            throw new IllegalStateException("cleanbuf failed: " + clean);
        }
        return chunks;
    }

    private static final String TRAIN = "{\"user\": \"demo\", \"token\": \"demo\"}";

    private JsonNode awaitJob(long id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (true) {
            JsonNode e = get("/api/jobs/executions/" + id);
            String status = e.get("status").asString();
            if (!status.equals("STARTING") && !status.equals("STARTED") && !status.equals("STOPPING")
                    || System.nanoTime() > deadline) {
                return e;
            }
            Thread.sleep(100);
        }
    }

    /** A POST with the server's API token: the demo's local credential, never typed or printed. */
    private HttpRequest request(String path, String body) {
        return HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .header("Authorization", token.bearer())
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private JsonNode post(String path, String body) throws Exception {
        return answer(http.send(request(path, body), HttpResponse.BodyHandlers.ofString()), path);
    }

    private JsonNode get(String path) throws Exception {
        return answer(http.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString()), path);
    }

    private static JsonNode answer(HttpResponse<String> r, String path) {
        if (r.statusCode() / 100 != 2) {
            throw new IllegalStateException(path + ": HTTP " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }

    static String chunkJson(double[] h, double t0) {
        StringBuilder b = new StringBuilder(h.length * 24 + 64).append("{\"h\": [");
        for (int i = 0; i < h.length; i++) {
            b.append(i == 0 ? "" : ",").append(h[i]);
        }
        return b.append("], \"t\": [").append(t0).append(", ").append(1.0 / RATE).append("]}").toString();
    }

    static double gpsTime(double seconds) {
        return DrmsTime.parse(CollectJobConfiguration.GPS_EPOCH) + GPS_START + seconds;
    }

    /**
     * {@code n} samples of a detector's strain: Gaussian noise (sigma 1e-21) and a Newtonian chirp whose frequency
     * sweeps up to about 300 Hz as it ends 0.1 s before the last sample; L1 sees it 7 ms later with the opposite
     * sign.
     */
    static double[] strain(String detector, int n) {
        java.util.Random noise = new java.util.Random(detector.hashCode());
        double delay = detector.equals("L1") ? 0.007 : 0;
        double sign = detector.equals("L1") ? -1 : 1;
        double tc = (double) n / RATE - 0.1; // coalescence
        double phase = 0;
        double[] h = new double[n];
        for (int i = 0; i < n; i++) {
            double t = (double) i / RATE - delay;
            double signal = 0;
            if (t < tc && t > 0) {
                double f = Math.min(300, 30 * Math.pow((tc - t) / tc, -3.0 / 8));
                phase += 2 * Math.PI * f / RATE;
                signal = sign * 0.8e-21 * Math.pow(f / 30, 2.0 / 3) * Math.sin(phase);
            }
            h[i] = 1e-21 * noise.nextGaussian() + signal;
        }
        return h;
    }

    /** The image part: a series from its JSD file, records with FITS segments in one session, read back. */
    private void images(int step, Drms d) throws IOException {
        DrmsProperties props = drms.bean(DrmsProperties.class);
        Path jsd = props.home().resolve("jsd").resolve(SERIES + ".jsd");
        Files.createDirectories(jsd.getParent());
        try (InputStream in = DemoCommand.class.getResourceAsStream(SERIES + ".jsd")) {
            Files.copy(in, jsd, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        System.out.println(step + ". create-series -f " + jsd);
        SeriesDefinition def = new JsdParser().parse(jsd);
        d.createSeries(def, true);

        System.out.println("   write " + records + " records with a " + SIZE + "x" + SIZE
                + " Rice-compressed FITS segment in one session");
        double t0 = DrmsTime.parse("2010.05.01_00:00:00_TAI");
        double[][] written = new double[records][];
        d.inSession(s -> {
            List<Record> rs = s.create(SERIES, records);
            for (int i = 0; i < records; i++) {
                Record r = rs.get(i);
                int camera = 1 + i % 2;
                double trec = t0 + 45.0 * (i / 2);
                r.set("T_REC", trec);
                r.set("CAMERA", camera);
                r.set("T_OBS", trec + 0.5 + camera * 0.125);
                r.set("EXPTIME", 0.15 * camera);
                float[] img = disk(i);
                SegmentArray a = SegmentArray.ofFloats(img, SIZE, SIZE);
                r.write("image", a);
                double[] st = stats(img);
                r.set("DATAMIN", st[0]);
                r.set("DATAMAX", st[1]);
                r.set("DATAMEAN", st[2]);
                written[i] = st;
            }
            s.close(rs, DrmsSession.Action.INSERT);
            return null;
        });

        System.out.println("   read back and check the images against what was written");
        List<Record> back = d.read(s -> s.open(SERIES, 0));
        int checked = 0;
        for (Record r : back) {
            SegmentArray a = r.read("image", DrmsType.FLOAT);
            double[] st = stats(a.floats());
            if (Math.abs(st[0] - r.getDouble("DATAMIN")) > 0.25 || Math.abs(st[1] - r.getDouble("DATAMAX")) > 0.25
                    || Math.abs(st[2] - r.getDouble("DATAMEAN")) > 0.25) {
                throw new IllegalStateException("Record " + r + ": image read back does not match its keywords");
            }
            checked++;
        }
        System.out.println("   " + checked + " images read back match DATAMIN/DATAMAX/DATAMEAN");
        System.out.println("recnum\tT_REC\tCAMERA\tT_OBS\tDATAMEAN\tQUALITY\tsegment image");
        for (Record r : back) {
            System.out.println(r.recnum() + "\t" + r.format("T_REC") + "\t" + r.format("CAMERA") + "\t"
                    + r.format("T_OBS") + "\t" + r.format("DATAMEAN") + "\t" + r.format("QUALITY") + "\t"
                    + r.segmentPath("image"));
        }
    }

    /** A limb-darkened disk with a spot that moves with the record number, in DN (0..~3000). */
    static float[] disk(int i) {
        float[] img = new float[SIZE * SIZE];
        double c = (SIZE - 1) / 2.0;
        double radius = SIZE * 0.42;
        double sx = c + 20 * Math.cos(i * 0.7);
        double sy = c + 20 * Math.sin(i * 0.7);
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                double r = Math.hypot(x - c, y - c) / radius;
                double v = 0;
                if (r < 1) {
                    double mu = Math.sqrt(1 - r * r);
                    v = 3000 * (0.4 + 0.6 * mu);
                    double spot = Math.hypot(x - sx, y - sy);
                    if (spot < 6) {
                        v *= 0.3 + 0.7 * spot / 6;
                    }
                }
                img[y * SIZE + x] = (float) (Math.round(v * 2) / 2.0);
            }
        }
        return img;
    }

    static double[] stats(float[] v) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double sum = 0;
        for (float f : v) {
            min = Math.min(min, f);
            max = Math.max(max, f);
            sum += f;
        }
        return new double[] {min, max, sum / v.length};
    }
}
