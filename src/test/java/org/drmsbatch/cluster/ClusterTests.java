package org.drmsbatch.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.drmsbatch.ChildJvm;
import org.drmsbatch.TestDatabase;
import org.drmsbatch.cli.DrmsCommand;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsSession;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.Record;
import org.drmsbatch.drms.SeriesCatalog;
import org.drmsbatch.jobs.FaultInjectionTestConfiguration;
import org.drmsbatch.jobs.KillHarness;
import org.drmsbatch.drms.types.SegmentArray;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitAdmin;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import nom.tam.fits.Fits;

/**
 * What the cluster tests share: the real broker (RabbitMQ on 127.0.0.1:5672, or {@code DRMS_TEST_BROKER=host:port};
 * the tests are skipped, saying so, where none answers), a queue of their own, worker processes ({@code drms worker}
 * in child JVMs on the test classpath, so that the tests' {@code delay} hook slows them), and the rescale fixture.
 */
final class ClusterTests {

    static final String BROKER_HOST;
    static final int BROKER_PORT;

    static {
        String b = System.getenv().getOrDefault("DRMS_TEST_BROKER", "127.0.0.1:5672");
        BROKER_HOST = b.substring(0, b.lastIndexOf(':'));
        BROKER_PORT = Integer.parseInt(b.substring(b.lastIndexOf(':') + 1));
    }

    static final String SKIPPED = "no RabbitMQ answers at " + BROKER_HOST + ":" + BROKER_PORT
            + " (DRMS_TEST_BROKER): the cluster tests need a real broker and are skipped";

    static final String JSD = """
            Seriesname: clu.img
            Unitsize: 1
            PrimeKeys: N
            Keyword: N, int, variable, record, DRMS_MISSING_VALUE, %d, none, "image number"
            Data: image, variable, float, 2, 64, 64, DN, fits, "", 0.0, 1.0, "image"
            """;
    static final String SERIES = "clu.img";

    private ClusterTests() {
    }

    static boolean brokerAnswers() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(BROKER_HOST, BROKER_PORT), 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The broker these machines run, as the cluster's properties name it. */
    static String brokerUrl() {
        return "amqp://" + BROKER_HOST + ":" + BROKER_PORT + "/";
    }

    /**
     * Points a cluster test's context (the manager) at the harness's database and home, the broker and the class's own
     * queue; returns the workers for the same, with these {@code drms.*} settings.
     */
    static WorkerProcesses register(DynamicPropertyRegistry registry, KillHarness harness, String brokerUrl,
            String queue, String... workerProperties) {
        harness.register(registry);
        registry.add("drms.cluster.broker-url", () -> brokerUrl);
        registry.add("drms.cluster.queue", () -> queue);
        return new WorkerProcesses(harness.url(), harness.home(), brokerUrl, queue, workerProperties);
    }

    static String newQueue() {
        return "drms.test." + UUID.randomUUID();
    }

    static void deleteQueue(String queue) {
        CachingConnectionFactory f = new CachingConnectionFactory(BROKER_HOST, BROKER_PORT);
        try {
            new RabbitAdmin(f).deleteQueue(queue);
        } finally {
            f.destroy();
        }
    }

    /**
     * The parameters of a slow remote rescale of the fixture into {@code out}: alpha -2, beta 1, 2 records a chunk,
     * {@code delay} ms a record (non-identifying, so that a restart may change it).
     */
    static Map<String, String> remoteRescale(String out, int partitions, int delay) {
        return Map.of("ds", SERIES + "[]", "out", out, "alpha", "-2", "beta", "1", "partitions",
                Integer.toString(partitions), "chunkSize", "2", "remote", "true", "delay",
                delay + ",java.lang.Long,false");
    }

    /** {@code records} 64 x 64 float images, image n holding n + k / 4096 at pixel k. */
    static void images(Drms drms, int records) {
        drms.createSeries(new JsdParser().parse("clu.jsd", JSD), false);
        drms.inSession(s -> {
            List<Record> rs = s.create(SERIES, records);
            for (int n = 0; n < records; n++) {
                float[] px = new float[64 * 64];
                for (int k = 0; k < px.length; k++) {
                    px[k] = n + k / 4096f;
                }
                rs.get(n).set("N", n);
                rs.get(n).write("image", SegmentArray.ofFloats(px, 64, 64));
            }
            s.close(rs, DrmsSession.Action.INSERT);
            return null;
        });
    }

    /**
     * Checks the clones of a rescale with alpha -2 and beta 1 into {@code out}: exactly one per input record, each
     * pixel -2x + 1 of its source's, read back from its file with nom-tam-fits.
     */
    static void exactlyOneRescaledClonePerRecord(Drms drms, JdbcTemplate jdbc, String out, int records)
            throws Exception {
        assertThat(jdbc.queryForObject("SELECT count(*) FROM " + SeriesCatalog.table(drms.describeSeries(out)),
                Long.class)).as("rows of %s (every version)", out).isEqualTo(records);
        List<Record> clones = drms.read(s -> s.open(out, 0));
        assertThat(clones).as("clones in %s", out).hasSize(records);
        Map<Integer, Integer> perSource = new HashMap<>();
        for (Record c : clones) {
            perSource.merge(c.getInt("N"), 1, Integer::sum);
            float[][] y;
            try (Fits f = new Fits(c.segmentPath("image").toFile())) {
                y = (float[][]) f.readHDU().getKernel();
            }
            int n = c.getInt("N");
            for (int k = 0; k < 64 * 64; k++) {
                assertThat(y[k / 64][k % 64]).as("%s N=%d pixel %d", out, n, k)
                        .isEqualTo((float) (-2.0 * (n + k / 4096f) + 1));
            }
        }
        assertThat(perSource).as("clones per source image").hasSize(records).allSatisfy((n, c) ->
                assertThat(c).isEqualTo(1));
    }

    /** Worker processes of one test class. */
    static final class WorkerProcesses implements AutoCloseable {

        private final Path home;
        private final List<String> properties;
        private static final java.util.concurrent.atomic.AtomicInteger COUNT =
                new java.util.concurrent.atomic.AtomicInteger();
        private final List<ChildJvm> started = new ArrayList<>();
        private List<String> jvmOptions = List.of();

        /**
         * Workers on this database and home, with these {@code drms.*} settings besides the cluster's (a setting
         * given here replaces the default of the same name: heartbeat, dead-after).
         */
        WorkerProcesses(String url, Path home, String brokerUrl, String queue, String... properties) {
            this.home = home;
            List<String> given = List.of(properties).stream().map(p -> p.substring(0, p.indexOf('=') + 1)).toList();
            List<String> all = new ArrayList<>(List.of("spring.datasource.url=" + url,
                    "spring.datasource.username=" + TestDatabase.user(), "drms.cluster.enabled=true",
                    "drms.cluster.broker-url=" + brokerUrl, "drms.cluster.queue=" + queue,
                    "drms.cluster.heartbeat=500ms", "drms.cluster.dead-after=3s",
                    FaultInjectionTestConfiguration.PROPERTY));
            all.removeIf(p -> given.contains(p.substring(0, p.indexOf('=') + 1)));
            all.addAll(List.of(properties));
            this.properties = all;
        }

        /** Starts {@code drms worker} with these extra properties; returns once it says it takes partitions. */
        ChildJvm start(String... extra) throws Exception {
            return start(List.of("worker"), extra);
        }

        /**
         * Starts {@code drms <command>} (e.g. {@code serve --port 0 --worker}) with these extra properties; returns
         * once it says it takes partitions.
         */
        ChildJvm start(List<String> command, String... extra) throws Exception {
            List<String> args = new ArrayList<>(List.of("--home", home.toString()));
            for (String p : properties) {
                args.addAll(List.of("--set", p));
            }
            for (String p : extra) {
                args.addAll(List.of("--set", p));
            }
            args.addAll(command);
            Path stderr = home.resolve("worker-" + COUNT.incrementAndGet() + ".err");
            ChildJvm jvm = ChildJvm.start(jvmOptions, DrmsCommand.class, stderr, args.toArray(String[]::new));
            started.add(jvm);
            List<String> lines = new ArrayList<>();
            while (true) {
                String line = jvm.lines().poll(120, TimeUnit.SECONDS);
                assertThat(line).as("drms worker printed %s; stderr: %s", lines, read(stderr)).isNotNull()
                        .isNotEqualTo(ChildJvm.EOF);
                lines.add(line);
                if (line.startsWith("drms: worker ")) {
                    return jvm;
                }
            }
        }

        /** JVM options for the workers started from now on (a heap limit: several workers share the machine). */
        WorkerProcesses jvmOptions(String... options) {
            jvmOptions = List.of(options);
            return this;
        }

        /** Fails, with its standard error, when a worker started here is no longer running. */
        void assertAlive() {
            for (ChildJvm jvm : started) {
                assertThat(jvm.process().isAlive()).as("worker pid %d is running (exit %s)", jvm.process().pid(),
                        jvm.process().isAlive() ? "" : jvm.process().exitValue()).isTrue();
            }
        }

        /** Stops a worker as a scale-down does (SIGTERM) and waits for it to exit; returns its exit code. */
        int stop(ChildJvm jvm) throws InterruptedException {
            jvm.process().destroy(); // SIGTERM
            assertThat(jvm.process().waitFor(120, TimeUnit.SECONDS)).as("the stopped worker is gone").isTrue();
            return jvm.process().exitValue();
        }

        void kill(ChildJvm jvm) throws InterruptedException {
            jvm.process().destroyForcibly(); // SIGKILL
            assertThat(jvm.process().waitFor(30, TimeUnit.SECONDS)).as("the killed worker is gone").isTrue();
        }

        @Override
        public void close() throws InterruptedException {
            for (ChildJvm jvm : started) {
                jvm.process().destroyForcibly();
                jvm.process().waitFor(30, TimeUnit.SECONDS);
            }
            started.clear();
        }
    }

    static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "(none)";
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** Polls until {@code done}, failing after {@code seconds}. */
    static void await(String what, int seconds, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for %s", what).isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
