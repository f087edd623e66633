package org.drmsbatch.segments;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.drmsbatch.bench.Bench;
import org.drmsbatch.bench.Limits;
import org.drmsbatch.bench.PythonWorker;
import org.drmsbatch.bench.TestImages;
import org.drmsbatch.drms.types.SegmentArray;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rice (RICE_1) tile compression of whole images, in MB/s of image data: our write path
 * ({@link FitsFormat#write(Path, SegmentArray, FitsCompression, List, boolean)} with {@code compress Rice}, what
 * export {@code cparms=compress Rice} and {@code fits} segments with that cparms use) next to astropy's
 * {@code CompImageHDU(compression_type='RICE_1')} writing the same arrays, in one warm python process, with the same
 * settings: tiles of one row, float32 quantised with SUBTRACTIVE_DITHER_1, q = 4, ZDITHER0 = 1; integers lossless.
 * Neither side fsyncs (our write does not). Images: the export benchmark's limb-darkened disk with noise, float32 at
 * 2048² and 4096², and the same rounded to int32 and int16 at 4096².
 *
 * <p>After the rounds, the files of both sides are read back by astropy: integers equal to the source, floats within
 * half a quantisation step (ZSCALE) of it; and fitsverify passes ours. Run with
 * {@code ./mvnw -o -Pbench test -Dtest=RiceBenchmark}.
 */
@Tag("benchmark")
class RiceBenchmark {

    static final double MB = 1e6;

    @TempDir
    Path dir;

    static final String PYTHON = """
            import sys, time, os
            import numpy as np
            from astropy.io import fits
            src = {}
            def load(name, path):
                src[name] = np.ascontiguousarray(fits.getdata(path, do_not_scale_image_data=True))  # ints stay ints (BLANK)
            def write(name, out):
                d = src[name]
                if d.dtype.kind == 'f':
                    hdu = fits.CompImageHDU(d, compression_type='RICE_1', quantize_level=4,
                                            quantize_method=1, dither_seed=1)
                else:
                    hdu = fits.CompImageHDU(d, compression_type='RICE_1')
                fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(out, overwrite=True)
            def run(cmd, name, arg):
                if cmd == 'load':
                    load(name, arg)
                    return 1
                if cmd == 'check':
                    # arg: our file, astropy's file; 1 when both read back right
                    ours, theirs = arg.split(',')
                    d = src[name].astype(np.float64)
                    for f in (ours, theirs):
                        with fits.open(f) as hl:
                            h = hl[1]
                            got = np.asarray(h.data, dtype=np.float64)
                            if got.shape != d.shape:
                                raise ValueError('%s: shape %s' % (f, got.shape))
                            if src[name].dtype.kind == 'f':
                                step = float(np.max(h.compressed_data['ZSCALE']))
                                err = float(np.max(np.abs(got - d)))
                                if err > step * 0.5 + 1e-3:
                                    raise ValueError('%s: error %g > half step %g' % (f, err, step / 2))
                            elif not np.array_equal(got, d):
                                raise ValueError('%s: values differ' % f)
                    return 1
                t = time.perf_counter()
                write(name, arg)
                return time.perf_counter() - t
            """;

    record Image(String name, SegmentArray array) {
        double mb() {
            return (double) array.length() * SegmentArray.elementSize(array.type()) / MB;
        }
    }

    @Test
    void riceNextToAstropy() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(PythonWorker.PYTHON) && Files.isExecutable(Path.of("/usr/bin/fitsverify")),
                "astropy and fitsverify needed");
        List<Image> images = new ArrayList<>();
        images.add(new Image("float32 2048²", SegmentArray.ofFloats(TestImages.solarDisk(2048, 1), 2048, 2048)));
        float[] big = TestImages.solarDisk(4096, 2);
        images.add(new Image("float32 4096²", SegmentArray.ofFloats(big, 4096, 4096)));
        int[] ints = new int[big.length];
        short[] shorts = new short[big.length];
        for (int i = 0; i < big.length; i++) {
            ints[i] = Math.round(big[i] * 1000); // a wider range than int16 allows
            shorts[i] = (short) Math.round(big[i]);
        }
        images.add(new Image("int32 4096²", SegmentArray.ofInts(ints, 4096, 4096)));
        images.add(new Image("int16 4096²", SegmentArray.ofShorts(shorts, 4096, 4096)));

        Map<String, String> keys = new LinkedHashMap<>();
        try (PythonWorker py = new PythonWorker(PYTHON)) {
            for (Image im : images) {
                String key = im.name().replace(' ', '_').replace("²", "");
                keys.put(im.name(), key);
                Path src = dir.resolve(key + "-src.fits");
                FitsFormat.write(src, im.array(), FitsCompression.NONE, List.of(), false);
                py.call("load", key, src.toString());
            }
            Bench bench = new Bench("RiceBenchmark", "Rice (RICE_1) compression to a file, one image per run: "
                    + "float32 2048² and 4096² (q = 4, SUBTRACTIVE_DITHER_1), int32 and int16 4096²");
            for (Image im : images) {
                String key = keys.get(im.name());
                Path ours = dir.resolve(key + "-ours.fits");
                Path theirs = dir.resolve(key + "-astropy.fits");
                bench.rate("ours " + im.name(), "MB/s", () -> im.mb()
                        / Bench.seconds(() -> FitsFormat.write(ours, im.array(), FitsCompression.RICE, List.of(), false)));
                bench.rate("astropy " + im.name(), "MB/s", () -> im.mb() / py.call("write", key, theirs.toString()));
            }
            for (Image im : images) {
                bench.compare("ours " + im.name(), "astropy " + im.name(), 1.0);
            }
            bench.note("MB/s of image data; no fsync on either side; astropy " + astropyVersion() + ", /usr/bin/python3");
            bench.run();

            for (Image im : images) {
                String key = keys.get(im.name());
                Path ours = dir.resolve(key + "-ours.fits");
                Path theirs = dir.resolve(key + "-astropy.fits");
                assertThat(py.call("check", key, ours + "," + theirs)).isEqualTo(1);
                String out = Limits.run(List.of("/usr/bin/fitsverify", ours.toString()));
                assertThat(out).as("fitsverify %s:%n%s", ours, out).containsPattern("and 0 error\\(s\\)");
                System.out.printf("RiceBenchmark %s: ours %d bytes, astropy %d bytes%n", im.name(), Files.size(ours),
                        Files.size(theirs));
            }
        }
    }

    private static String astropyVersion() throws Exception {
        return Limits.run(List.of(PythonWorker.PYTHON.toString(), "-c", "import astropy; print(astropy.__version__)"))
                .trim();
    }
}
