package org.drmsbatch.sums.tape;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.drmsbatch.sums.tape.ReadPlan.Read;
import org.drmsbatch.sums.tape.ReadPlan.VolumeReads;
import org.junit.jupiter.api.Test;

/**
 * Read planning: each volume mounted once, read forward in position order, the volumes spread over the drives
 * longest first; its seconds checked against an independent sum of the model's terms.
 */
class ReadPlanTest {

    static final TapeModel LTO9 = TapeModel.lto9().withCapacity(1_000_000_000_000L);

    /** Reads of {@code volumes} volumes, a random number of tape files each, in random order. */
    static List<Read> randomReads(Random random, int volumes) {
        List<Read> reads = new ArrayList<>();
        long sunum = 1000;
        for (int v = 0; v < volumes; v++) {
            String label = String.format("V%05dL9", v + 1);
            long position = 0;
            int files = 1 + random.nextInt(8);
            for (int f = 1; f <= files; f++) {
                long bytes = 512L * (1 + random.nextInt(20_000_000));
                position += 512L * random.nextInt(50_000_000); // other units' files between the ones read
                if (random.nextBoolean()) {
                    reads.add(new Read(sunum, new TapeFile(label, f, position, bytes, "md5-" + sunum)));
                }
                sunum++;
                position += bytes;
            }
        }
        Collections.shuffle(reads, random);
        return reads;
    }

    /** A volume's seconds, summed here from the model's terms: mount, seek and stream each file, rewind, unload. */
    static double volumeSeconds(List<Read> readsOfVolume, TapeModel m) {
        List<TapeFile> files = new ArrayList<>(readsOfVolume.stream().map(Read::file).toList());
        files.sort((a, b) -> Long.compare(a.position(), b.position()));
        double s = m.mountSeconds();
        long head = 0;
        for (TapeFile f : files) {
            if (f.position() != head) {
                s += m.locateSeconds() + m.fullSeekSeconds() * Math.abs(f.position() - head) / (double) m.capacity();
            }
            s += f.bytes() / m.bytesPerSecond();
            head = f.position() + f.bytes();
        }
        if (head != 0) {
            s += m.locateSeconds() + m.fullSeekSeconds() * head / (double) m.capacity();
        }
        return s + m.unmountSeconds();
    }

    @Test
    void eachVolumeIsReadOnceInPositionOrderAndTheDrivesAreBalanced() {
        Random random = new Random(7);
        for (int round = 0; round < 50; round++) {
            int volumes = 1 + random.nextInt(25);
            int drives = 1 + random.nextInt(6);
            List<Read> reads = randomReads(random, volumes);
            ReadPlan plan = ReadPlan.of(reads, drives, LTO9);
            String what = "round " + round + ": " + volumes + " volumes on " + drives + " drives";

            assertThat(plan.drives()).as(what).hasSize(drives);
            assertThat(plan.reads()).as(what).containsExactlyInAnyOrderElementsOf(reads);
            Map<String, List<Read>> byVolume = new HashMap<>();
            for (Read r : reads) {
                byVolume.computeIfAbsent(r.file().volume(), k -> new ArrayList<>()).add(r);
            }
            Set<String> planned = new HashSet<>();
            double total = 0;
            double[] load = new double[drives];
            for (int d = 0; d < drives; d++) {
                double previous = Double.MAX_VALUE;
                for (VolumeReads v : plan.drives().get(d)) {
                    assertThat(planned.add(v.volume())).as("%s: %s planned once", what, v.volume()).isTrue();
                    assertThat(v.reads()).as(what).containsExactlyInAnyOrderElementsOf(byVolume.get(v.volume()));
                    assertThat(v.reads()).extracting(r -> r.file().volume()).containsOnly(v.volume());
                    assertThat(v.reads()).extracting(r -> r.file().position()).as("%s: %s", what, v.volume())
                            .isSorted();
                    double expected = volumeSeconds(v.reads(), LTO9);
                    assertThat(v.seconds()).as(what).isCloseTo(expected, within(1e-6));
                    assertThat(v.seconds()).as("%s: longest first on drive %d", what, d).isLessThanOrEqualTo(previous);
                    previous = v.seconds();
                    load[d] += expected;
                    total += expected;
                }
            }
            assertThat(planned).as(what).isEqualTo(byVolume.keySet());
            assertThat(ReadPlan.volumes(reads)).isEqualTo(byVolume.size());
            assertThat(ReadPlan.optimumSeconds(reads, LTO9)).as(what).isCloseTo(total, within(1e-6));
            // list scheduling: a drive's last volume went to it because it had the least work then
            for (int d = 0; d < drives; d++) {
                List<VolumeReads> mine = plan.drives().get(d);
                if (mine.isEmpty()) {
                    continue;
                }
                double before = load[d] - mine.get(mine.size() - 1).seconds();
                for (int o = 0; o < drives; o++) {
                    if (o != d) {
                        assertThat(before).as("%s: drive %d before its last volume vs drive %d", what, d, o)
                                .isLessThanOrEqualTo(load[o] + 1e-6);
                    }
                }
            }
        }
    }

    @Test
    void longestFirstFillsTheDrivesEvenly() {
        // seconds are bytes: no mount, seek or unmount cost, one byte a second
        TapeModel bytes = new TapeModel(0, 0, 0, 0, 1, 1_000_000);
        long[] sizes = {1, 8, 1, 10, 1, 9}; // in this order, each to the least loaded drive: 11, 8, 11
        List<Read> reads = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            reads.add(new Read(i, new TapeFile("V" + i, 1, 0, sizes[i], "m")));
        }
        ReadPlan plan = ReadPlan.of(reads, 3, bytes);
        assertThat(plan.drives()).extracting(d -> d.stream().mapToDouble(VolumeReads::seconds).sum())
                .containsExactly(10.0, 10.0, 10.0);
        assertThat(plan.drives().get(0)).extracting(VolumeReads::volume).containsExactly("V3");
        assertThat(ReadPlan.optimumSeconds(reads, bytes)).isEqualTo(30.0);
    }

    @Test
    void filesOfOneVolumeAreOnePassForward() {
        TapeModel m = LTO9;
        List<Read> reads = List.of(
                new Read(3, new TapeFile("V1", 3, 3_000_000, 1_000_000, "c")),
                new Read(1, new TapeFile("V1", 1, 0, 1_000_000, "a")),
                new Read(2, new TapeFile("V1", 2, 1_000_000, 2_000_000, "b")));
        ReadPlan plan = ReadPlan.of(reads, 2, m);
        assertThat(plan.drives().get(0)).hasSize(1);
        assertThat(plan.drives().get(1)).isEmpty();
        assertThat(plan.reads()).extracting(Read::sunum).containsExactly(1L, 2L, 3L);
        // contiguous: no seek at all until the rewind
        double expected = m.mountSeconds() + 4_000_000 / m.bytesPerSecond()
                + m.locateSeconds() + m.fullSeekSeconds() * 4_000_000 / m.capacity() + m.unmountSeconds();
        assertThat(ReadPlan.optimumSeconds(reads, m)).isCloseTo(expected, within(1e-9));
    }

    @Test
    void noReadsNoWork() {
        ReadPlan plan = ReadPlan.of(List.of(), 3, LTO9);
        assertThat(plan.drives()).hasSize(3).allSatisfy(d -> assertThat(d).isEmpty());
        assertThat(plan.reads()).isEmpty();
        assertThat(ReadPlan.optimumSeconds(List.of(), LTO9)).isZero();
        assertThat(ReadPlan.volumes(List.of())).isZero();
    }
}
