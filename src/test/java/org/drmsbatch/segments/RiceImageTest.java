package org.drmsbatch.segments;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.drmsbatch.bench.Limits;
import org.drmsbatch.drms.types.DrmsType;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.export.FitsChecks;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our Rice coder ({@link RiceImage}, {@link RiceCoder}, {@link RiceQuantizer}) against CFITSIO: the compressed tile
 * bytes (and ZSCALE, ZZERO) equal astropy's and fpack's for the same pixels, fitsverify passes, and the files read
 * back (by us, through nom-tam) as the source (integers) or within half a step (floats).
 */
class RiceImageTest {

    /** Per pair "source,ours,reference-kind": tiles equal between ours and CFITSIO's output of the same source. */
    private static final String COMPARE = """
            import sys, subprocess, os
            import numpy as np
            from astropy.io import fits
            def table(path):
                with fits.open(path, disable_image_compression=True) as hl:
                    t = hl[1]
                    d = t.data
                    cols = d.columns.names
                    return ([bytes(np.asarray(d['COMPRESSED_DATA'][i], dtype=np.uint8)) for i in range(len(d))],
                            [list(d[c]) for c in ('ZSCALE', 'ZZERO') if c in cols], t.header.get('ZDITHER0'))
            for arg in sys.argv[1:]:
                src, ours, ref = arg.split(',')
                other = ours + '.' + ref
                if ref == 'astropy':
                    data = fits.getdata(src, do_not_scale_image_data=True)
                    kw = dict(quantize_level=4, quantize_method=1, dither_seed=1) if data.dtype.kind == 'f' else {}
                    fits.HDUList([fits.PrimaryHDU(), fits.CompImageHDU(data, compression_type='RICE_1', **kw)]).writeto(
                        other, overwrite=True)
                else:
                    subprocess.run(['/usr/bin/fpack', '-r', '-q', '4', '-O', other, src], check=True)
                a, b = table(ours), table(other)
                same = sum(1 for x, y in zip(a[0], b[0]) if x == y)
                print('%s %d/%d tiles %s seed %s' % (arg, same, len(b[0]), 'scales equal' if a[1] == b[1] else
                      'scales differ', b[2]))
            """;

    @TempDir
    Path dir;

    static float[] disk(int nx, int ny, int seed) {
        float[] a = new float[nx * ny];
        Random rnd = new Random(seed);
        for (int y = 0; y < ny; y++) {
            for (int x = 0; x < nx; x++) {
                double r = Math.hypot(x - nx / 2.0, y - ny / 2.0) / (0.45 * Math.min(nx, ny));
                a[y * nx + x] = (float) ((r < 1 ? 3000 * (0.4 + 0.6 * Math.sqrt(1 - r * r)) : 20) + rnd.nextGaussian() * 15);
            }
        }
        return a;
    }

    /** Source (plain FITS) and ours (Rice), as the export writes them. */
    private List<Path> write(String name, SegmentArray a, FitsCompression c) throws Exception {
        Path src = dir.resolve(name + ".fits");
        Path ours = dir.resolve(name + "-rice.fits");
        FitsFormat.write(src, a, FitsCompression.NONE, List.of(), false);
        FitsFormat.write(ours, a, c, List.of(), false);
        return List.of(src, ours);
    }

    private static List<String> compare(List<String> pairs) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(FitsChecks.PYTHON.toString(), "-c", COMPARE));
        cmd.addAll(pairs);
        return Arrays.asList(Limits.run(cmd).trim().split("\n"));
    }

    @Test
    void tileBytesEqualAstropysAndFpacks() throws Exception {
        Assumptions.assumeTrue(FitsChecks.toolsPresent(), "astropy (/usr/bin/python3) and fitsverify needed");
        boolean fpack = Files.isExecutable(Path.of("/usr/bin/fpack"));
        Random rnd = new Random(7);
        int nx = 300;
        int ny = 40; // rows of 300: blocks of 32 and a short last one
        int[] ints = new int[nx * ny];
        short[] shorts = new short[nx * ny];
        int[] equal = new int[nx * ny];
        for (int i = 0; i < ints.length; i++) {
            int row = i / nx;
            ints[i] = row < 10 ? (int) Math.round(rnd.nextGaussian() * 50) - 1000 // negative, low entropy
                    : row < 20 ? rnd.nextInt() // maximum entropy: blocks stored raw
                    : row < 30 ? (i % 7 == 0 ? Integer.MIN_VALUE : Integer.MAX_VALUE - rnd.nextInt(100)) // MISSING next to large values
                    : 12345; // an all-equal tile
            shorts[i] = row < 10 ? (short) Math.round(rnd.nextGaussian() * 50)
                    : row < 20 ? (short) rnd.nextInt()
                    : row < 30 ? (i % 5 == 0 ? Short.MIN_VALUE : (short) (Short.MAX_VALUE - rnd.nextInt(100)))
                    : (short) -7;
            equal[i] = 5;
        }
        List<String> pairs = new ArrayList<>();
        List<Path> ours = new ArrayList<>();
        Object[][] cases = {
                {"float", SegmentArray.ofFloats(disk(nx, ny, 3), nx, ny)},
                {"int", SegmentArray.ofInts(ints, nx, ny)},
                {"short", SegmentArray.ofShorts(shorts, nx, ny)},
                {"equal", SegmentArray.ofInts(equal, nx, ny)},
        };
        for (Object[] c : cases) {
            SegmentArray a = (SegmentArray) c[1];
            List<Path> f = write((String) c[0], a, FitsCompression.RICE);
            ours.add(f.get(1));
            pairs.add(f.get(0) + "," + f.get(1) + ",astropy");
            if (fpack && a.type() != DrmsType.FLOAT) { // fpack picks its own dither seed: floats below
                pairs.add(f.get(0) + "," + f.get(1) + ",fpack");
            }
            // read back by us
            SegmentArray back = new FitsFormat(false).read(f.get(1), null);
            if (a.type() == DrmsType.FLOAT) {
                for (int i = 0; i < a.length(); i++) {
                    assertThat(Math.abs(back.floats()[i] - a.floats()[i])).isLessThan(15f);
                }
            } else {
                assertThat(back.data()).isEqualTo(a.data());
            }
        }
        // 2-d tiles (cparms 'compress Rice 64,8'): fpack only (astropy 5.2 names its tile option differently)
        if (fpack) {
            List<Path> f = write("tiled", SegmentArray.ofInts(ints, nx, ny), FitsCompression.parse("compress Rice 64,8"));
            ours.add(f.get(1));
            Path tiledSrc = f.get(0);
            // fpack -t is given on the command line: compare by hand below
            Path ref = dir.resolve("tiled-fpack.fits");
            Limits.run(List.of("/usr/bin/fpack", "-r", "-t", "64,8", "-O", ref.toString(), tiledSrc.toString()));
            List<String> cmd = new ArrayList<>(List.of(FitsChecks.PYTHON.toString(), "-c", COMPARE.replace(
                    "subprocess.run(['/usr/bin/fpack', '-r', '-q', '4', '-O', other, src], check=True)",
                    "other = '" + ref + "'")));
            cmd.add(tiledSrc + "," + f.get(1) + ",fpack");
            assertThat(Limits.run(cmd).trim()).as("2-d tiles").contains(" 25/25 tiles scales equal");
        }
        for (String line : compare(pairs)) {
            String[] w = line.split(" ");
            String[] counts = w[1].split("/");
            assertThat(counts[0]).as(line).isEqualTo(counts[1]);
            assertThat(line).contains("scales equal");
        }
        FitsChecks.fitsverify(ours);
    }

    @Test
    void floatsWithNullsEqualFpacksWithItsDitherSeed() throws Exception {
        Assumptions.assumeTrue(FitsChecks.toolsPresent() && Files.isExecutable(Path.of("/usr/bin/fpack")),
                "astropy, fitsverify and fpack (Debian libcfitsio-bin) needed");
        int nx = 200;
        int ny = 20;
        float[] f = disk(nx, ny, 9);
        f[3 * nx + 5] = Float.NaN;
        Arrays.fill(f, 7 * nx, 8 * nx, Float.NaN); // a tile of nulls only
        f[12 * nx + 100] = Float.POSITIVE_INFINITY; // CFITSIO takes infinities for nulls too
        Path src = dir.resolve("nulls.fits");
        FitsFormat.write(src, SegmentArray.ofFloats(f, nx, ny), FitsCompression.NONE, List.of(), false);
        Path ref = dir.resolve("nulls-fpack.fits");
        Limits.run(List.of("/usr/bin/fpack", "-r", "-q", "4", "-O", ref.toString(), src.toString()));
        String seedOut = Limits.run(List.of(FitsChecks.PYTHON.toString(), "-c",
                "import sys\nfrom astropy.io import fits\nprint(fits.open(sys.argv[1])[1]._header['ZDITHER0'])",
                ref.toString())).trim();
        int seed = Integer.parseInt(seedOut.substring(seedOut.lastIndexOf('\n') + 1).trim());
        Path ours = dir.resolve("nulls-rice.fits");
        assertThat(RiceImage.write(ours, DrmsType.FLOAT, f, new int[] {nx, ny}, new int[] {nx, 1}, List.of(), List.of(),
                false, seed)).isTrue();
        List<String> cmd = new ArrayList<>(List.of(FitsChecks.PYTHON.toString(), "-c", COMPARE.replace(
                "subprocess.run(['/usr/bin/fpack', '-r', '-q', '4', '-O', other, src], check=True)",
                "other = '" + ref + "'")));
        cmd.add(src + "," + ours + ",fpack");
        assertThat(Limits.run(cmd).trim()).contains(" 20/20 tiles scales equal");
        FitsChecks.fitsverify(List.of(ours));
        SegmentArray back = new FitsFormat(false).read(ours, null);
        assertThat(back.floats()[3 * nx + 5]).isNaN();
        assertThat(back.floats()[7 * nx + 50]).isNaN();
        assertThat(back.floats()[3 * nx + 6]).isCloseTo(f[3 * nx + 6], org.assertj.core.data.Offset.offset(15f));
    }

    @Test
    void aFloatTileWithoutNoiseFallsBackToNomTamAndStaysReadable() throws Exception {
        float[] f = disk(100, 10, 1);
        Arrays.fill(f, 0, 100, 20f); // zero noise: CFITSIO would not quantise this tile
        assertThat(RiceImage.compress(f, new int[] {100, 10}, new int[] {100, 1}, 1)).isNull();
        Path p = dir.resolve("flat.fits");
        FitsFormat.write(p, SegmentArray.ofFloats(f, 100, 10), FitsCompression.RICE, List.of(), false);
        SegmentArray back = new FitsFormat(false).read(p, null);
        assertThat(back.floats()[0]).isEqualTo(20f);
        if (FitsChecks.toolsPresent()) {
            FitsChecks.fitsverify(List.of(p));
        }
    }

    @Test
    void theMedianSelectionIsTheRankOfTheSortedValues() {
        Random rnd = new Random(1);
        RiceQuantizer q = new RiceQuantizer();
        for (int n : new int[] {1, 2, 9, 255, 256, 1000, 4096}) {
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = i % 3 == 0 ? 1.5f : Math.abs((float) rnd.nextGaussian() * (i % 2 == 0 ? 1e-3f : 1e4f));
            }
            float[] sorted = x.clone();
            Arrays.sort(sorted);
            assertThat(q.select(x, n)).as("n = %d", n).isEqualTo(sorted[(n - 1) / 2]);
        }
    }
}
