package org.drmsbatch.segments;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import nom.tam.fits.Fits;
import nom.tam.fits.Header;
import nom.tam.fits.HeaderCard;
import nom.tam.fits.ImageData;
import nom.tam.fits.ImageHDU;
import nom.tam.fits.header.Standard;
import nom.tam.util.ArrayFuncs;
import nom.tam.util.FitsOutputStream;
import org.drmsbatch.drms.types.DrmsType;
import org.drmsbatch.drms.types.SegmentArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An uncompressed FITS file with header cards and CHECKSUM/DATASUM (what export writes) is, byte for byte, the file
 * nom-tam-fits's own writer makes of the same image with {@link Fits#setChecksum()}: same cards in the same order,
 * same data, same checksums.
 */
class FitsExportWriteTest {

    @TempDir
    Path dir;

    static final List<HeaderCard> CARDS = List.of(new HeaderCard("TELESCOP", "SDO/AIA", "telescope"),
            new HeaderCard("EXPTIME", 2.9, "[s] exposure"), new HeaderCard("FSN", 123456, "frame"),
            HeaderCard.createCommentCard("exported by drms-batch"));

    /** nom-tam's general writer: image HDU from the n-dimensional array, scaling, cards, setChecksum. */
    static byte[] nomTam(SegmentArray a, Object fitsData, double bzero, double bscale) throws Exception {
        int[] d = a.dims();
        int[] rev = new int[d.length];
        for (int i = 0; i < d.length; i++) {
            rev[i] = d[d.length - 1 - i];
        }
        ImageData id = ImageData.from(d.length <= 1 ? fitsData : ArrayFuncs.curl(fitsData, rev));
        Header h = ImageHDU.manufactureHeader(id);
        if (a.type().isInteger()) {
            if (bscale != 1) {
                h.addValue(Standard.BSCALE, bscale);
            }
            if (bzero != 0) {
                h.addValue(Standard.BZERO, bzero);
            }
            h.addValue(Standard.BLANK, a.type() == DrmsType.CHAR ? 0L : ((Number) a.type().missing()).longValue());
        }
        for (HeaderCard c : CARDS) {
            h.addLine(c);
        }
        Fits f = new Fits();
        f.addHDU(new ImageHDU(h, id));
        f.setChecksum();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (FitsOutputStream o = new FitsOutputStream(out)) {
            f.write(o);
        }
        return out.toByteArray();
    }

    /**
     * Asserts two files hold the same cards (names, values and comments in order; the dates nom-tam writes in
     * SIMPLE's, DATASUM's and CHECKSUM's comments, and the CHECKSUM that depends on them, aside) and the same data bytes, and
     * that ours checksums to all ones (the FITS rule: header plus data sum to -0).
     */
    static void assertSameFile(byte[] ours, byte[] theirs) {
        List<String> a = cards(ours);
        List<String> b = cards(theirs);
        assertThat(a).isEqualTo(b);
        int ha = headerLength(ours);
        int hb = headerLength(theirs);
        assertThat(ours.length - ha).as("data length").isEqualTo(theirs.length - hb);
        assertThat(java.util.Arrays.equals(ours, ha, ours.length, theirs, hb, theirs.length)).as("same data bytes")
                .isTrue();
        assertThat(nom.tam.fits.utilities.FitsCheckSum.checksum(ours)).as("HDU checksum")
                .isEqualTo(0xFFFFFFFFL);
    }

    static int headerLength(byte[] f) {
        for (int i = 0; i + 80 <= f.length; i += 80) {
            if (new String(f, i, 80, java.nio.charset.StandardCharsets.US_ASCII).startsWith("END     ")) {
                return (i / 2880 + 1) * 2880;
            }
        }
        throw new AssertionError("no END");
    }

    static List<String> cards(byte[] f) {
        List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < headerLength(f); i += 80) {
            String c = new String(f, i, 80, java.nio.charset.StandardCharsets.US_ASCII);
            if (c.startsWith("SIMPLE  ") || c.startsWith("DATASUM ")) {
                c = c.substring(0, 30);
            } else if (c.startsWith("CHECKSUM")) {
                c = "CHECKSUM";
            }
            out.add(c.stripTrailing());
        }
        return out;
    }

    byte[] ours(SegmentArray a) throws Exception {
        Path p = dir.resolve("ours.fits");
        FitsFormat.write(p, a, FitsCompression.NONE, CARDS, true);
        return Files.readAllBytes(p);
    }

    @Test
    void floatImageAsNomTamWritesIt() throws Exception {
        Random rnd = new Random(1);
        float[] v = new float[37 * 53];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian() * 1000;
        }
        v[5] = Float.NaN;
        SegmentArray a = SegmentArray.ofFloats(v, 37, 53);
        assertSameFile(ours(a), nomTam(a, v.clone(), 0, 1));
    }

    @Test
    void largeFloatImageAsNomTamWritesIt() throws Exception {
        Random rnd = new Random(2);
        float[] v = new float[1500 * 1100]; // several of the writer's blocks, not a multiple of 2880 bytes
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextFloat() * 4000;
        }
        SegmentArray a = SegmentArray.ofFloats(v, 1500, 1100);
        assertSameFile(ours(a), nomTam(a, v.clone(), 0, 1));
    }

    @Test
    void doubleCubeAsNomTamWritesIt() throws Exception {
        Random rnd = new Random(3);
        double[] v = new double[7 * 5 * 3];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextGaussian();
        }
        SegmentArray a = SegmentArray.ofDoubles(v, 7, 5, 3);
        assertSameFile(ours(a), nomTam(a, v.clone(), 0, 1));
    }

    @Test
    void scaledShortsAndOddLengthAsNomTamWritesThem() throws Exception {
        Random rnd = new Random(4);
        short[] v = new short[33 * 7]; // odd count: the last 32-bit word of the data is half padding
        for (int i = 0; i < v.length; i++) {
            v[i] = (short) rnd.nextInt();
        }
        v[3] = Short.MIN_VALUE;
        SegmentArray a = SegmentArray.of(DrmsType.SHORT, new int[] {33, 7}, v, 8192, 0.25, true);
        assertSameFile(ours(a), nomTam(a, v.clone(), 8192, 0.25));
    }

    @Test
    void charsShiftedAndIntsAndLongsAsNomTamWritesThem() throws Exception {
        Random rnd = new Random(5);
        byte[] c = new byte[11 * 3];
        rnd.nextBytes(c);
        byte[] shifted = new byte[c.length];
        for (int i = 0; i < c.length; i++) {
            shifted[i] = (byte) (c[i] ^ 0x80);
        }
        SegmentArray ca = SegmentArray.of(DrmsType.CHAR, new int[] {11, 3}, c, 100, 2, true);
        assertSameFile(ours(ca), nomTam(ca, shifted, 100 - 128 * 2, 2));

        int[] iv = rnd.ints(13 * 4).toArray();
        SegmentArray ia = SegmentArray.of(DrmsType.INT, new int[] {13, 4}, iv, 0, 1, true);
        assertSameFile(ours(ia), nomTam(ia, iv.clone(), 0, 1));

        long[] lv = rnd.longs(9).toArray();
        SegmentArray la = SegmentArray.of(DrmsType.LONGLONG, new int[] {9}, lv, 0, 1, true);
        assertSameFile(ours(la), nomTam(la, lv.clone(), 0, 1));
    }
}
