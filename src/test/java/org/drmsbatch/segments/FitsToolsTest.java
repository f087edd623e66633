package org.drmsbatch.segments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.drmsbatch.drms.types.DrmsType;
import org.drmsbatch.drms.types.Protocol;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.drms.types.SegmentLayout;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Our FITS files checked by the real tools: fitsverify and astropy (system python). */
class FitsToolsTest {

    private static final Path FITSVERIFY = Path.of("/usr/bin/fitsverify");
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    /** Reads the image with astropy twice: raw cards applied by hand, and astropy's own scaling. */
    private static final String ASTROPY = """
            import sys
            import numpy as np
            from astropy.io import fits
            path = sys.argv[1]
            idx = [int(a) for a in sys.argv[2:]]
            with fits.open(path, do_not_scale_image_data=True) as hl:
                hdu = hl[0] if hl[0].header.get('NAXIS', 0) > 0 else hl[1]
                hdr = hdu.header
                raw = np.asarray(hdu.data).ravel()
                bzero = float(hdr.get('BZERO', 0.0))
                bscale = float(hdr.get('BSCALE', 1.0))
                phys = bzero + bscale * raw.astype(np.float64)
                table = hdu._header if isinstance(hdu, fits.CompImageHDU) else hdr  # ZBLANK is in the table header
                blank = hdr.get('BLANK', table.get('ZBLANK')) if hdr['BITPIX'] > 0 else None
                if blank is not None:
                    phys[raw == blank] = np.nan
                print('BITPIX=%d' % hdr['BITPIX'])
                print('NAXIS=%s' % ','.join(str(hdr['NAXIS%d' % (i + 1)]) for i in range(hdr['NAXIS'])))
                print('BZERO=%r' % bzero)
                print('BSCALE=%r' % bscale)
                print('BLANK=%s' % (blank if blank is not None else 'none'))
                print('NMISSING=%d' % np.isnan(phys).sum())
                print('SUM=%r' % np.nansum(phys))
                for i in idx:
                    print('PIX%d=%r' % (i, phys[i]))
            try:
                with fits.open(path) as hl:
                    hdu = hl[0] if hl[0].header.get('NAXIS', 0) > 0 else hl[1]
                    d = np.asarray(hdu.data, dtype=np.float64).ravel()
                    h = hdu.header
                    t = hdu._header if isinstance(hdu, fits.CompImageHDU) else h
                    b = h.get('BLANK', t.get('ZBLANK')) if h['BITPIX'] > 0 else None
                    if b is not None and not ('BZERO' in h or 'BSCALE' in h):
                        d[np.asarray(hdu.data).ravel() == b] = np.nan
                    print('SCALEDSUM=%r' % np.nansum(d))
            except Exception as e:
                print('SCALEDSUM=error %s' % type(e).__name__)
            """;

    private final SegmentFiles files = new SegmentFiles();

    @TempDir
    Path dir;

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String[] v : new String[][] {{"fits", ""}, {"fits", "compress Rice"}, {"fits", "compress GZIP"}, {"fitz", ""}}) {
            for (DrmsType t : new DrmsType[] {DrmsType.CHAR, DrmsType.SHORT, DrmsType.INT, DrmsType.LONGLONG,
                    DrmsType.FLOAT, DrmsType.DOUBLE}) {
                boolean compressed = !v[1].isEmpty() || v[0].equals("fitz");
                if (compressed && t == DrmsType.LONGLONG) {
                    continue;
                }
                out.add(Arguments.of(Protocol.fromJsdName(v[0]), v[1], t, 0.0, 1.0));
            }
        }
        // scaled integers: aia.lev0 image_sm style and a scaled char
        out.add(Arguments.of(Protocol.FITS, "", DrmsType.SHORT, 8192.0, 0.25));
        out.add(Arguments.of(Protocol.FITS, "", DrmsType.CHAR, 100.0, 2.0));
        out.add(Arguments.of(Protocol.FITS, "", DrmsType.INT, -5.0, 0.001));
        out.add(Arguments.of(Protocol.FITS, "compress Rice", DrmsType.SHORT, 8192.0, 0.25));
        out.add(Arguments.of(Protocol.FITZ, "", DrmsType.CHAR, 100.0, 2.0));
        out.add(Arguments.of(Protocol.FITS, "compress GZIP", DrmsType.INT, -5.0, 0.001));
        return out.stream();
    }

    @ParameterizedTest(name = "{0} ''{1}'' {2} bzero={3} bscale={4}")
    @MethodSource("cases")
    void fitsverifyAndAstropyAgree(Protocol p, String cparms, DrmsType type, double bzero, double bscale) throws Exception {
        int nx = 200;
        int ny = 150;
        SegmentLayout def = Samples.def("image", type, p, cparms, bzero, bscale, nx, ny);
        SegmentArray stored = Samples.physical(type, nx, ny);
        if (type == DrmsType.CHAR || type == DrmsType.SHORT || type == DrmsType.INT) {
            stored.data(); // keep as is
        }
        if (stored.data() instanceof float[] f) {
            f[1] = 123.5f; // keep quantised float tiles well-conditioned
        }
        if (stored.data() instanceof double[] d) {
            for (int i = 0; i < d.length; i++) {
                d[i] = Double.isNaN(d[i]) ? d[i] : (i % nx) * 0.5 - (i / nx) * 0.25;
            }
        }
        SegmentArray in = type.isInteger() ? SegmentArray.raw(type, stored.dims(), stored.data(), bzero, bscale) : stored;
        Path f = dir.resolve("image.fits");
        files.write(def, f, in);

        // expected values, computed here from the array
        double sum = 0;
        int missing = 0;
        for (int i = 0; i < in.length(); i++) {
            double v = in.physical(i);
            if (Double.isNaN(v)) {
                missing++;
            } else {
                sum += v;
            }
        }

        assertFitsverifyOk(f);

        Assumptions.assumeTrue(Files.isExecutable(PYTHON), "no /usr/bin/python3");
        int[] pix = {1, 2, 5, 77, 1000, nx * ny - 1};
        Map<String, String> r = astropy(f, pix);
        boolean lossy = type.isFloating() && (cparms.contains("Rice") || p == Protocol.FITZ);
        assertThat(r.get("NAXIS")).isEqualTo(nx + "," + ny);
        assertThat(Integer.parseInt(r.get("BITPIX"))).isEqualTo(type.bitpix());
        assertThat(Integer.parseInt(r.get("NMISSING"))).isEqualTo(missing);
        double tol = lossy ? Math.abs(sum) * 1e-3 + in.length() * 0.1 : Math.abs(sum) * 1e-12 + 1e-6;
        assertThat(Double.parseDouble(r.get("SUM"))).isCloseTo(sum, within(tol));
        if (type != DrmsType.CHAR) { // astropy 5.2 fails to scale uint8 with BZERO=-128 and BLANK itself
            assertThat(Double.parseDouble(r.get("SCALEDSUM"))).isCloseTo(sum, within(tol));
        }
        if (type.isInteger()) {
            assertThat(r.get("BLANK")).isNotEqualTo("none");
        }
        for (int i : pix) {
            double want = in.physical(i);
            double got = Double.parseDouble(r.get("PIX" + i).replace("nan", "NaN"));
            if (Double.isNaN(want)) {
                assertThat(got).as("pixel %d", i).isNaN();
            } else {
                assertThat(got).as("pixel %d", i).isCloseTo(want, within(lossy ? Math.abs(want) * 1e-2 + 0.5 : Math.abs(want) * 1e-12));
            }
        }
    }

    /**
     * Realistic and incompressible data: a 128x128 limb-darkened disk (short, BSCALE 0.5) and full-range noise,
     * whose tiles nom-tam stores raw or GZIP-compressed (the UNCOMPRESSED_DATA / GZIP_COMPRESSED_DATA paths).
     */
    @ParameterizedTest(name = "{0} ''{1}'' {2} {3}")
    @MethodSource("realisticCases")
    void realisticAndNoiseImages(Protocol p, String cparms, DrmsType type, String kind) throws Exception {
        int n = 128;
        java.util.Random rnd = new java.util.Random(42);
        Object data = SegmentArray.newData(type, n * n);
        for (int i = 0; i < n * n; i++) {
            double x = (i % n - 63.5) / 60.0;
            double y = (i / n - 63.5) / 60.0;
            double r2 = x * x + y * y;
            double disk = r2 < 1 ? 10000 * (1 - 0.6 * (1 - Math.sqrt(1 - r2))) + rnd.nextGaussian() * 30 : rnd.nextGaussian() * 5;
            boolean noise = kind.equals("noise");
            switch (type) {
                case SHORT -> ((short[]) data)[i] = (short) (noise ? rnd.nextInt(65535) - 32767 : Math.round(disk));
                case INT -> ((int[]) data)[i] = noise ? rnd.nextInt() | 1 : (int) Math.round(disk);
                case FLOAT -> ((float[]) data)[i] = noise ? Float.intBitsToFloat(rnd.nextInt(0x7f000000)) : (float) disk;
                default -> ((double[]) data)[i] = noise ? rnd.nextDouble() * 1e300 : disk;
            }
        }
        double bzero = 0;
        double bscale = type == DrmsType.SHORT && kind.equals("disk") ? 0.5 : 1;
        SegmentLayout def = Samples.def("image", type, p, cparms, bzero, bscale, n, n);
        SegmentArray in = type.isInteger() ? SegmentArray.raw(type, new int[] {n, n}, data, bzero, bscale)
                : SegmentArray.of(type, new int[] {n, n}, data);
        Path f = dir.resolve("real.fits");
        files.write(def, f, in);
        assertFitsverifyOk(f);
        SegmentArray back = new FitsFormat(p == Protocol.FITZ).read(f, def);
        boolean lossy = type.isFloating() && (cparms.contains("Rice") || p == Protocol.FITZ);
        double sum = 0;
        for (int i = 0; i < in.length(); i++) {
            sum += in.physical(i);
            if (!lossy) {
                assertThat(back.physical(i)).as("pixel %d", i).isEqualTo(in.physical(i));
            }
        }
        Assumptions.assumeTrue(Files.isExecutable(PYTHON), "no /usr/bin/python3");
        int[] pix = {0, 64 * n + 64, n * n - 1};
        Map<String, String> r = astropy(f, pix);
        assertThat(Integer.parseInt(r.get("NMISSING"))).isZero();
        double tol = lossy ? Math.abs(sum) * 1e-3 + in.length() * 5.0 : Math.abs(sum) * 1e-12 + 1e-6;
        assertThat(Double.parseDouble(r.get("SUM"))).isCloseTo(sum, within(tol));
        assertThat(Double.parseDouble(r.get("SCALEDSUM"))).isCloseTo(sum, within(tol));
        for (int i : pix) {
            double want = in.physical(i);
            assertThat(Double.parseDouble(r.get("PIX" + i))).as("pixel %d", i)
                    .isCloseTo(want, within(lossy ? Math.abs(want) * 1e-2 + 20 : Math.abs(want) * 1e-12));
        }
    }

    static Stream<Arguments> realisticCases() {
        List<Arguments> out = new ArrayList<>();
        for (String kind : new String[] {"disk", "noise"}) {
            for (String[] v : new String[][] {{"fits", "compress Rice"}, {"fits", "compress GZIP"}, {"fitz", ""}}) {
                for (DrmsType t : new DrmsType[] {DrmsType.SHORT, DrmsType.INT, DrmsType.FLOAT, DrmsType.DOUBLE}) {
                    if (kind.equals("noise") && t.isFloating() && !v[1].contains("GZIP")) {
                        continue; // quantising noise is not lossless by design; GZIP covers the float paths
                    }
                    out.add(Arguments.of(Protocol.fromJsdName(v[0]), v[1], t, kind));
                }
            }
        }
        return out.stream();
    }

    private static void assertFitsverifyOk(Path f) throws IOException, InterruptedException {
        Assumptions.assumeTrue(Files.isExecutable(FITSVERIFY), "no fitsverify");
        Process proc = new ProcessBuilder(FITSVERIFY.toString(), f.toString()).redirectErrorStream(true).start();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        proc.waitFor();
        assertThat(out).as(out).containsPattern("and 0 error\\(s\\)");
    }

    private static Map<String, String> astropy(Path f, int[] pix) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(PYTHON.toString(), "-c", ASTROPY, f.toString()));
        for (int i : pix) {
            cmd.add(Integer.toString(i));
        }
        Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = proc.waitFor();
        assertThat(rc).as(out).isZero();
        Map<String, String> m = new HashMap<>();
        for (String line : out.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                m.put(line.substring(0, eq), line.substring(eq + 1).trim());
            }
        }
        return m;
    }
}
