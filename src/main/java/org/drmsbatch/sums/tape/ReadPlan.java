package org.drmsbatch.sums.tape;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The order in which to read tape files, as CERN CTA and dCache schedule recalls: grouped by volume so that each
 * volume is mounted once, each volume's files in position order (one pass forward, no seek back), and the volumes
 * spread over the drives so that they finish together (longest first, each to the drive with the least work).
 *
 * @param drives per drive, the volumes it reads in turn
 */
public record ReadPlan(List<List<VolumeReads>> drives) {

    /** One tape file to read: a storage unit's copy. */
    public record Read(long sunum, TapeFile file) {
    }

    /** The reads of one volume, in position order, and their modelled seconds (mount to unmount). */
    public record VolumeReads(String volume, List<Read> reads, double seconds) {
    }

    /** Plans reads over {@code drives} drives. */
    public static ReadPlan of(Collection<Read> reads, int drives, TapeModel model) {
        List<VolumeReads> volumes = byVolume(reads, model);
        volumes.sort(Comparator.comparingDouble(VolumeReads::seconds).reversed()
                .thenComparing(VolumeReads::volume));
        List<List<VolumeReads>> out = new ArrayList<>();
        double[] load = new double[Math.max(1, drives)];
        for (int i = 0; i < load.length; i++) {
            out.add(new ArrayList<>());
        }
        for (VolumeReads v : volumes) {
            int best = 0;
            for (int i = 1; i < load.length; i++) {
                if (load[i] < load[best]) {
                    best = i;
                }
            }
            out.get(best).add(v);
            load[best] += v.seconds();
        }
        return new ReadPlan(out);
    }

    /**
     * The least drive time that reading these tape files can take: each volume mounted once, read in one pass
     * forward and unmounted (the sum over volumes, whatever the number of drives).
     */
    public static double optimumSeconds(Collection<Read> reads, TapeModel model) {
        return byVolume(reads, model).stream().mapToDouble(VolumeReads::seconds).sum();
    }

    /** How many volumes the reads need: the fewest mounts. */
    public static int volumes(Collection<Read> reads) {
        return (int) reads.stream().map(r -> r.file().volume()).distinct().count();
    }

    private static List<VolumeReads> byVolume(Collection<Read> reads, TapeModel model) {
        Map<String, List<Read>> byVolume = new LinkedHashMap<>();
        for (Read r : reads) {
            byVolume.computeIfAbsent(r.file().volume(), k -> new ArrayList<>()).add(r);
        }
        List<VolumeReads> out = new ArrayList<>();
        byVolume.forEach((volume, list) -> {
            list.sort(Comparator.comparingLong((Read r) -> r.file().position()).thenComparingLong(Read::sunum));
            double s = model.mountSeconds();
            long head = 0;
            for (Read r : list) {
                s += model.seekSeconds(head, r.file().position()) + model.streamSeconds(r.file().bytes());
                head = r.file().position() + r.file().bytes();
            }
            s += model.unmountSeconds(head);
            out.add(new VolumeReads(volume, List.copyOf(list), s));
        });
        return out;
    }

    /** Every read of the plan, drive by drive, volume by volume. */
    public List<Read> reads() {
        List<Read> out = new ArrayList<>();
        for (List<VolumeReads> d : drives) {
            for (VolumeReads v : d) {
                out.addAll(v.reads());
            }
        }
        return out;
    }
}
