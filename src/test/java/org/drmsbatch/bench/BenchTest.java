package org.drmsbatch.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark harness itself: alternation, warm-ups, the ratios' orientation, checks that fail, the limits. */
class BenchTest {

    @TempDir
    Path tmp;

    @Test
    void sidesAlternateAfterTheWarmUpAndEachGoesFirstInTurn() throws Exception {
        List<String> calls = new ArrayList<>();
        int[] a = {0};
        int[] b = {0};
        Bench.Result r = new Bench("BenchTest", "alternation")
                .rate("A", "op/s", () -> {
                    calls.add("A");
                    return 10 + a[0]++;
                })
                .rate("B", "op/s", () -> {
                    calls.add("B");
                    return 5 + b[0]++;
                })
                .compare("A", "B")
                .run();
        // one warm-up round, then five rounds, the first side of each rotating
        assertThat(calls).containsExactly("B", "A", "A", "B", "B", "A", "A", "B", "B", "A", "A", "B");
        // the warm-up's figures (10 and 5) are not among the measured ones
        assertThat(r.figures("A")).containsExactly(11, 12, 13, 14, 15);
        assertThat(r.figures("B")).containsExactly(6, 7, 8, 9, 10);
        assertThat(r.median("A")).isEqualTo(13);
        assertThat(r.ratio("A", "B")).isEqualTo(13.0 / 8);
        assertThat(Files.readString(Path.of("target/bench/BenchTest.txt")))
                .contains("A / B: ratio median 1.63 (1.50–1.83)").contains("load average");
    }

    @Test
    void warmUpGoesOnUntilTheJitIsQuietOrTheLimitIsReached() throws Exception {
        // a side whose first four runs take 100 ms of which the JIT compiles for 50, then 1 ms of 100
        long[] wall = {0};
        long[] jit = {0};
        int[] runs = {0};
        Bench.Run side = () -> {
            wall[0] += 100_000_000L;
            jit[0] += runs[0]++ < 4 ? 50 : 1;
            return 1;
        };
        Bench.Result quiet = new Bench("BenchTest", "jit").clocks(() -> wall[0], () -> jit[0])
                .warmUntilJitQuiet(10).rate("A", "op/s", side).run();
        assertThat(quiet.warmUps()).as("one warm-up, three more while the JIT is busy, one quiet").isEqualTo(5);
        assertThat(runs[0]).isEqualTo(10);
        assertThat(quiet.jitShare()).isEqualTo(0.01);
        assertThat(Files.readString(Path.of("target/bench/BenchTest.txt"))).contains("after 5 warm-ups (until the JIT"
                + " compiled at most 10% of a round's time, or 10 more); JIT compiling 1% of the rounds' time");

        runs[0] = 0;
        Bench.Result limited = new Bench("BenchTest", "jit").clocks(() -> wall[0], () -> jit[0])
                .warmUntilJitQuiet(2).rate("A", "op/s", side).run();
        assertThat(limited.warmUps()).as("one warm-up and two more at most").isEqualTo(3);
        assertThat(limited.jitShare()).as("the JIT's time in the rounds shows").isEqualTo((50 + 4 * 1) / 500.0);

        runs[0] = 0;
        assertThat(new Bench("BenchTest", "jit").clocks(() -> wall[0], () -> jit[0]).rate("A", "op/s", side).run()
                .warmUps()).as("without warmUntilJitQuiet").isEqualTo(1);
    }

    @Test
    void aTimeIsBetterWhenLowerSoItsRatioIsLimitOverSide() throws Exception {
        Bench.Result r = new Bench("BenchTest", "times").warmups(0)
                .time("engine", "ms", () -> 2.0)
                .time("hand-written", "ms", () -> 1.0)
                .compare("engine", "hand-written", 0.8)
                .run();
        assertThat(r.ratio("engine", "hand-written")).isEqualTo(0.5);
        assertThat(Files.readString(Path.of("target/bench/BenchTest.txt"))).contains("goal >= 0.80: MISSED");
    }

    @Test
    void aFailedCheckOrAMeaninglessFigureFailsTheBenchmark() {
        assertThatThrownBy(() -> new Bench("BenchTest", "check").rate("wrong", "MB/s", () -> {
            throw new AssertionError("file 3 differs");
        }).run()).hasMessage("file 3 differs");
        assertThatThrownBy(() -> new Bench("BenchTest", "zero").rate("nothing", "MB/s", () -> 0).run())
                .hasMessageContaining("nothing gave figure 0.0");
        assertThatThrownBy(() -> new Bench("BenchTest", "few").rounds(3)).hasMessageContaining("at least 5");
        assertThatThrownBy(() -> new Bench("BenchTest", "mixed").rate("a", "MB/s", () -> 1)
                .time("b", "s", () -> 1).compare("a", "b")).hasMessageContaining("not both rates or both times");
    }

    @Test
    void copyAndSyncWritesTheSameBytesUnderTheirOwnPaths() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path one = Files.createDirectories(src.resolve("a")).resolve("image.fits");
        Path two = Files.createDirectories(src.resolve("b")).resolve("image.fits");
        Files.write(one, new byte[] {1, 2, 3});
        Files.write(two, new byte[] {4, 5});
        double s = Limits.copy(List.of(one, two), tmp.resolve("copy"), true);
        assertThat(s).isPositive();
        Path copy = tmp.resolve("copy");
        assertThat(Files.readAllBytes(Path.of(copy + one.toAbsolutePath().toString()))).containsExactly(1, 2, 3);
        assertThat(Files.readAllBytes(Path.of(copy + two.toAbsolutePath().toString()))).containsExactly(4, 5);
        assertThat(Limits.writeAndSync(tmp.resolve("dd"), 2 << 20)).isPositive();
        assertThat(Files.size(tmp.resolve("dd/dd"))).isEqualTo(2 << 20);
    }

    @Test
    void aPythonWorkerStaysAliveAcrossCallsAndReportsItsErrors() throws Exception {
        try (PythonWorker py = new PythonWorker("""
                import sys
                calls = []
                def run(x):
                    calls.append(x)
                    if x == 'boom':
                        raise ValueError('no such image')
                    return float(x) * len(calls) + float(sys.argv[1])
                """, "100")) {
            assertThat(py.call("2")).isEqualTo(102);
            assertThat(py.call("2")).isEqualTo(104); // the same process: its state is kept
            assertThatThrownBy(() -> py.call("boom")).hasMessageContaining("ValueError: no such image");
            assertThat(py.call("1")).isEqualTo(104);
        }
    }
}
