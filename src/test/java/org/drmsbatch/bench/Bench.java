package org.drmsbatch.bench;

import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The benchmarks' one harness: every side is warmed up the same way, then the sides are measured in alternation
 * (round r runs them in an order rotated by r, so each goes first as often as the others) for at least
 * {@value #MIN_ROUNDS} rounds; the table gives each side's median and min&ndash;max and, for each comparison, the
 * median and min&ndash;max of the per-round ratios. The machines these run on are shared and swing 3&ndash;10&times;
 * between single runs: a ratio taken inside one round, between neighbours in time, is what survives that.
 *
 * <p>A side returns its figure for one run and checks what it produced itself (values read back, counts), so a fast
 * wrong answer fails the benchmark; {@link #seconds} times a piece of work. A figure is a rate (higher is better) or
 * a time (lower is better); a comparison's ratio is always "how the side does against its limit": side / limit for
 * rates, limit / side for times, so above 1 means better than the limit.
 *
 * <pre>{@code
 * Bench.Result r = new Bench("ExportBenchmark", "4 x 4096² float32, 268 MB")
 *         .rate("export uncompressed", "MB/s", () -> mb / Bench.seconds(() -> export("**NONE**")))
 *         .rate("astropy + CHECKSUM + fsync", "MB/s", () -> mb / python.seconds("plain"))
 *         .compare("export uncompressed", "astropy + CHECKSUM + fsync")
 *         .run();
 * }</pre>
 *
 * The rounds default to {@value #MIN_ROUNDS} (system property {@code bench.rounds} asks for more, never fewer), one
 * warm-up round ({@code bench.warmups}). Work that runs through much code once per item (a server's request path:
 * Tomcat, the security filters, MVC) reaches the JIT's optimizing compiler only after thousands of items, and until
 * then runs as profiled code beside compiler threads that take a core of their own: {@link #warmUntilJitQuiet} adds
 * warm-up rounds until the compilers are quiet. The table says how busy the compilers were in the measured rounds
 * (the share of their wall time), so a figure taken while the JIT still worked shows as such. The table is printed
 * and also written to {@code target/bench/<name>.txt}, so the README's figures can be copied from a quiet run.
 */
public final class Bench {

    public static final int MIN_ROUNDS = 5;

    /** One run of a side: its figure. */
    @FunctionalInterface
    public interface Run {
        double figure() throws Exception;
    }

    /** A piece of work to time. */
    @FunctionalInterface
    public interface Work {
        void run() throws Exception;
    }

    /** Something to do before each round (not timed): fresh input, caches, a new series. */
    @FunctionalInterface
    public interface RoundSetUp {
        void before(int round) throws Exception;
    }

    record Side(String name, String unit, boolean higherIsBetter, Run run) {
    }

    record Comparison(String side, String limit, Double goal) {
    }

    private final String name;
    private final String what;
    private final Map<String, Side> sides = new LinkedHashMap<>();
    private final List<Comparison> comparisons = new ArrayList<>();
    private int rounds = Math.max(MIN_ROUNDS, Integer.getInteger("bench.rounds", MIN_ROUNDS));
    private int warmups = Math.max(0, Integer.getInteger("bench.warmups", 1));
    /** Warm-up rounds allowed after {@link #warmups} until the JIT is quiet; 0: none. */
    private int untilQuiet;
    /** The JIT is quiet in a round whose compile time is at most this share of the round's wall time. */
    static final double JIT_QUIET = 0.10;
    private RoundSetUp setUp = round -> { };
    /** The clocks the rounds are timed by: wall nanoseconds, the JIT's milliseconds (a test's own, else the JVM's). */
    private LongSupplier nanoTime = System::nanoTime;
    private LongSupplier jitMillis = Bench::compileMillis;
    private final List<String> notes = new ArrayList<>();

    /**
     * @param name the benchmark (its class, usually; the file name of its table)
     * @param what the work measured, in a line
     */
    public Bench(String name, String what) {
        this.name = name;
        this.what = what;
    }

    /** More rounds than {@value #MIN_ROUNDS}; fewer are refused. */
    public Bench rounds(int n) {
        if (n < MIN_ROUNDS) {
            throw new IllegalArgumentException("at least " + MIN_ROUNDS + " rounds, not " + n);
        }
        rounds = Math.max(n, rounds);
        return this;
    }

    public Bench warmups(int n) {
        warmups = n;
        return this;
    }

    /**
     * After the warm-ups, more warm-up rounds (at most {@code maxRounds}, or system property
     * {@code bench.max-warmups}) until one in which the JIT compilers worked for at most {@value #JIT_QUIET} of its
     * wall time: the steady state of a server that has run for a while, which the rounds then measure.
     */
    public Bench warmUntilJitQuiet(int maxRounds) {
        untilQuiet = Math.max(0, Integer.getInteger("bench.max-warmups", maxRounds));
        return this;
    }

    /** Other clocks for the rounds' wall time and the JIT's time (a test's). */
    Bench clocks(LongSupplier nanoTime, LongSupplier jitMillis) {
        this.nanoTime = nanoTime;
        this.jitMillis = jitMillis;
        return this;
    }

    /** Runs before each round, warm-ups included (round numbers below 0 are warm-ups); not timed. */
    public Bench beforeEachRound(RoundSetUp s) {
        setUp = s;
        return this;
    }

    /** A side whose figure is a rate: higher is better. */
    public Bench rate(String side, String unit, Run run) {
        return side(new Side(side, unit, true, run));
    }

    /** A side whose figure is a time (or any cost): lower is better. */
    public Bench time(String side, String unit, Run run) {
        return side(new Side(side, unit, false, run));
    }

    private Bench side(Side s) {
        if (sides.putIfAbsent(s.name(), s) != null) {
            throw new IllegalArgumentException("two sides named " + s.name());
        }
        return this;
    }

    /** Prints the per-round ratio of {@code side} to {@code limit}. */
    public Bench compare(String side, String limit) {
        return compare(side, limit, null);
    }

    /** As {@link #compare(String, String)}, with the goal the ratio is to reach printed beside it. */
    public Bench compare(String side, String limit, Double goal) {
        Side a = sides.get(side);
        Side b = sides.get(limit);
        if (a == null || b == null) {
            throw new IllegalArgumentException("no side named " + (a == null ? side : limit));
        }
        if (a.higherIsBetter() != b.higherIsBetter()) {
            throw new IllegalArgumentException(side + " and " + limit + " are not both rates or both times");
        }
        comparisons.add(new Comparison(side, limit, goal));
        return this;
    }

    /** A line printed under the table (what the limits are, the sizes). */
    public Bench note(String line) {
        notes.add(line);
        return this;
    }

    /** Seconds that {@code work} takes. */
    public static double seconds(Work work) throws Exception {
        long t0 = System.nanoTime();
        work.run();
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Runs the warm-ups and the rounds, prints the table and returns the figures. */
    public Result run() throws Exception {
        if (sides.isEmpty()) {
            throw new IllegalStateException("no sides");
        }
        List<Side> order = new ArrayList<>(sides.values());
        String loadBefore = loadAverage();
        Map<String, double[]> figures = new LinkedHashMap<>();
        order.forEach(s -> figures.put(s.name(), new double[rounds]));
        int warmedUp = 0;
        double lastWarmUpJit = Double.NaN;
        long measuredWall = 0;
        long measuredJit = 0;
        for (int round = -warmups; round < rounds; round++) {
            if (round == 0 && warmedUp < warmups + untilQuiet && !(lastWarmUpJit <= JIT_QUIET)) {
                round = -1; // one more warm-up round: the JIT is still busy
            }
            setUp.before(round);
            int shift = Math.floorMod(round, order.size());
            long wall0 = nanoTime.getAsLong();
            long jit0 = jitMillis.getAsLong();
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%s %s %d:", name,
                    round < 0 ? "warm-up" : "round", round < 0 ? warmedUp + 1 : round + 1));
            for (int i = 0; i < order.size(); i++) {
                Side s = order.get((i + shift) % order.size());
                double f = s.run().figure();
                if (!Double.isFinite(f) || f <= 0) {
                    throw new IllegalStateException(s.name() + " gave figure " + f + " in round " + round);
                }
                if (round >= 0) {
                    figures.get(s.name())[round] = f;
                }
                line.append(String.format(Locale.ROOT, "  %s %s %s", s.name(), fmt(f), s.unit()));
            }
            long wall = Math.max(1, nanoTime.getAsLong() - wall0);
            long jit = jitMillis.getAsLong() - jit0;
            if (round < 0) {
                warmedUp++;
                lastWarmUpJit = jit * 1e6 / wall;
            } else {
                measuredWall += wall;
                measuredJit += jit;
            }
            System.out.println(line.append(String.format(Locale.ROOT, "  (JIT %.0f%%)", jit * 1e8 / wall)));
        }
        Result result = new Result(this, figures, loadBefore, loadAverage(), warmedUp,
                measuredJit * 1e6 / measuredWall);
        String table = result.table();
        System.out.println(table);
        try {
            Path dir = Files.createDirectories(Path.of("target", "bench"));
            Files.writeString(dir.resolve(name + ".txt"), table);
        } catch (IOException e) {
            System.out.println("(could not write target/bench/" + name + ".txt: " + e + ")");
        }
        return result;
    }

    /** The figures of a run: each side's per-round values, the comparisons' per-round ratios. */
    public static final class Result {
        private final Bench bench;
        private final Map<String, double[]> figures;
        private final String loadBefore;
        private final String loadAfter;
        private final int warmedUp;
        private final double jit;

        Result(Bench bench, Map<String, double[]> figures, String loadBefore, String loadAfter, int warmedUp,
                double jit) {
            this.bench = bench;
            this.figures = figures;
            this.loadBefore = loadBefore;
            this.loadAfter = loadAfter;
            this.warmedUp = warmedUp;
            this.jit = jit;
        }

        /** Warm-up rounds run. */
        public int warmUps() {
            return warmedUp;
        }

        /** The JIT compilers' time in the measured rounds, as a share of their wall time. */
        public double jitShare() {
            return jit;
        }

        public double[] figures(String side) {
            double[] f = figures.get(side);
            if (f == null) {
                throw new IllegalArgumentException("no side named " + side);
            }
            return f.clone();
        }

        public double median(String side) {
            return Bench.median(figures(side));
        }

        /** The per-round ratios of side to limit, oriented so that above 1 is better than the limit. */
        public double[] ratios(String side, String limit) {
            double[] a = figures(side);
            double[] b = figures(limit);
            boolean rate = bench.sides.get(side).higherIsBetter();
            double[] r = new double[a.length];
            for (int i = 0; i < a.length; i++) {
                r[i] = rate ? a[i] / b[i] : b[i] / a[i];
            }
            return r;
        }

        public double ratio(String side, String limit) {
            return Bench.median(ratios(side, limit));
        }

        String table() {
            StringBuilder t = new StringBuilder();
            t.append(String.format(Locale.ROOT, "==== %s: %s%n", bench.name, bench.what));
            t.append(String.format(Locale.ROOT, "%s; %d rounds in alternation after %d warm-up%s%s; JIT compiling"
                            + " %.0f%% of the rounds' time; %d cores; load average before %s, after %s%n",
                    LocalDate.now(), bench.rounds, warmedUp, warmedUp == 1 ? "" : "s",
                    bench.untilQuiet > 0 ? String.format(Locale.ROOT, " (until the JIT compiled at most %.0f%% of"
                            + " a round's time, or %d more)", JIT_QUIET * 100, bench.untilQuiet) : "",
                    jit * 100, Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter));
            int width = bench.sides.keySet().stream().mapToInt(String::length).max().orElse(10);
            for (Side s : bench.sides.values()) {
                double[] f = figures.get(s.name());
                t.append(String.format(Locale.ROOT, "  %-" + width + "s  median %10s  (%s–%s)  %s%s%n", s.name(),
                        fmt(Bench.median(f)), fmt(min(f)), fmt(max(f)), s.unit(),
                        s.higherIsBetter() ? "" : ", lower is better"));
            }
            for (Comparison c : bench.comparisons) {
                double[] r = ratios(c.side(), c.limit());
                t.append(String.format(Locale.ROOT, "  %s / %s: ratio median %.2f (%.2f–%.2f)%s%n", c.side(),
                        c.limit(), Bench.median(r), min(r), max(r),
                        c.goal() == null ? "" : String.format(Locale.ROOT, "   goal >= %.2f: %s", c.goal(),
                                Bench.median(r) >= c.goal() ? "met" : "MISSED")));
            }
            bench.notes.forEach(n -> t.append("  ").append(n).append(System.lineSeparator()));
            t.append("====").append(System.lineSeparator());
            return t.toString();
        }
    }

    /** A figure with three significant digits at least, no exponent. */
    static String fmt(double v) {
        double a = Math.abs(v);
        return String.format(Locale.ROOT, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3g", v);
    }

    public static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }

    static double max(double[] v) {
        return Arrays.stream(v).max().orElse(Double.NaN);
    }

    /** Milliseconds the JIT compilers have worked in this JVM (summed over their threads). */
    static long compileMillis() {
        CompilationMXBean c = ManagementFactory.getCompilationMXBean();
        return c != null && c.isCompilationTimeMonitoringSupported() ? c.getTotalCompilationTime() : 0;
    }

    /** The first three fields of /proc/loadavg, or "unknown". */
    public static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
