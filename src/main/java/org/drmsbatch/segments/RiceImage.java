package org.drmsbatch.segments;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.IntStream;

import nom.tam.fits.FitsException;
import nom.tam.fits.Header;
import nom.tam.fits.HeaderCard;
import nom.tam.fits.utilities.FitsCheckSum;
import nom.tam.util.FitsOutputStream;
import org.drmsbatch.drms.types.DrmsType;

/**
 * Writes a Rice-compressed (RICE_1) FITS image without nom-tam's tile compressor: an empty primary HDU, then the
 * compressed image as a binary table (one row per tile: {@code COMPRESSED_DATA} as a 1PB descriptor into the heap,
 * and for floating images {@code ZSCALE} and {@code ZZERO}), laid out as CFITSIO (fpack) writes it. The tiles are
 * coded by {@link RiceCoder} (BYTEPIX 4 for int and quantised float images, 2 for short images, as CFITSIO) in
 * parallel on the common fork-join pool; float tiles are first quantised by {@link RiceQuantizer}
 * (SUBTRACTIVE_DITHER_1, q = {@value #QLEVEL}, ZDITHER0 = {@value #DITHER_SEED}), so the tile bytes equal CFITSIO's
 * for the same image.
 *
 * <p>nom-tam's path spent most of its time in its quantiser's median selection (on doubles) and its Rice coder;
 * this one is several times faster. Images it does not handle (other types, a float tile that cannot be quantised:
 * zero noise, e.g. all values equal) are left to nom-tam ({@link #write} returns false and writes nothing).
 */
final class RiceImage {

    static final float QLEVEL = 4f;
    static final int DITHER_SEED = 1;

    private RiceImage() {
    }

    /** Whether this writer takes images of this type. */
    static boolean handles(DrmsType type) {
        return type == DrmsType.SHORT || type == DrmsType.INT || type == DrmsType.FLOAT;
    }

    /** The compressed tiles of an image. */
    record Tiles(byte[][] data, double[] scale, double[] zero, boolean anyNull, int bytepix) {
    }

    /**
     * Compresses {@code data} ({@code short[]}, {@code int[]} or {@code float[]} in FITS order) in tiles of
     * {@code tile} pixels per axis; null when a float tile cannot be quantised.
     */
    static Tiles compress(Object data, int[] dims, int[] tile, int ditherSeed) {
        Geometry g = new Geometry(dims, tile);
        int n = g.count;
        byte[][] out = new byte[n][];
        boolean floating = data instanceof float[];
        double[] scale = floating ? new double[n] : null;
        double[] zero = floating ? new double[n] : null;
        boolean[] nulls = new boolean[1];
        boolean[] failed = new boolean[1];
        int chunks = Math.min(n, Math.max(1, Runtime.getRuntime().availableProcessors() * 4));
        IntStream s = IntStream.range(0, chunks);
        if (chunks > 1 && (long) n * g.maxTilePixels > 65536) {
            s = s.parallel();
        }
        s.forEach(c -> {
            RiceCoder coder = new RiceCoder();
            RiceQuantizer quantizer = floating ? new RiceQuantizer() : null;
            int size = g.maxTilePixels;
            Object buf = data instanceof short[] ? new short[size] : data instanceof int[] ? new int[size] : new float[size];
            int[] q = floating ? new int[size] : null;
            int[] nx = new int[1];
            for (int k = (int) ((long) n * c / chunks); k < (int) ((long) n * (c + 1) / chunks); k++) {
                int m = g.gather(k, data, buf, nx);
                int len;
                if (floating) {
                    if (!quantizer.quantize(k + 1L + ditherSeed - 1, (float[]) buf, nx[0], m / nx[0], QLEVEL, q)) {
                        synchronized (failed) {
                            failed[0] = true;
                        }
                        return;
                    }
                    scale[k] = quantizer.scale;
                    zero[k] = quantizer.zero;
                    if (quantizer.anyNull) {
                        synchronized (nulls) {
                            nulls[0] = true;
                        }
                    }
                    len = coder.encode(q, 0, m);
                } else if (buf instanceof short[] sb) {
                    len = coder.encode(sb, 0, m);
                } else {
                    len = coder.encode((int[]) buf, 0, m);
                }
                out[k] = java.util.Arrays.copyOf(coder.bytes(), len);
            }
        });
        if (failed[0]) {
            return null;
        }
        return new Tiles(out, scale, zero, nulls[0], data instanceof short[] ? 2 : 4);
    }

    /**
     * Writes the file; false (nothing written) when a float tile cannot be quantised.
     *
     * @param data     the image in FITS form ({@code short[]}, {@code int[]}, {@code float[]})
     * @param scaling  cards of the image's scaling (BSCALE, BZERO) and ZBLANK, written after the compression cards
     * @param cards    more cards (a record's keywords), after those
     * @param checksum whether to write CHECKSUM and DATASUM in both HDUs
     */
    static boolean write(Path file, DrmsType type, Object data, int[] dims, int[] tile, List<HeaderCard> scaling,
                         List<HeaderCard> cards, boolean checksum) throws IOException, FitsException {
        return write(file, type, data, dims, tile, scaling, cards, checksum, DITHER_SEED);
    }

    /** As the other {@code write}, with another ZDITHER0 (1 to 10000): tests compare with fpack, which picks one. */
    static boolean write(Path file, DrmsType type, Object data, int[] dims, int[] tile, List<HeaderCard> scaling,
                         List<HeaderCard> cards, boolean checksum, int ditherSeed) throws IOException, FitsException {
        Tiles t = compress(data, dims, tile, ditherSeed);
        if (t == null) {
            return false;
        }
        boolean floating = type == DrmsType.FLOAT;
        int rows = t.data().length;
        // nom-tam (our reader) finds the null value of float tiles only in a ZBLANK column, CFITSIO in either
        boolean blankColumn = floating && t.anyNull();
        int rowBytes = floating ? (blankColumn ? 28 : 24) : 8;
        long heap = 0;
        int maxLen = 0;
        for (byte[] b : t.data()) {
            heap += b.length;
            maxLen = Math.max(maxLen, b.length);
        }
        long dataBytes = (long) rows * rowBytes + heap;
        if (dataBytes > Integer.MAX_VALUE - 2880) {
            return false;
        }
        ByteBuffer body = ByteBuffer.allocate((int) ((dataBytes + 2879) / 2880 * 2880));
        int offset = 0;
        for (int r = 0; r < rows; r++) {
            body.putInt(t.data()[r].length).putInt(offset);
            offset += t.data()[r].length;
            if (floating) {
                body.putDouble(t.scale()[r]).putDouble(t.zero()[r]);
                if (blankColumn) {
                    body.putInt(RiceQuantizer.NULL_VALUE);
                }
            }
        }
        for (byte[] b : t.data()) {
            body.put(b);
        }
        body.clear();

        Header primary = new Header();
        primary.setKeywordChecking(Header.KeywordCheck.NONE);
        primary.addLine(new HeaderCard("SIMPLE", true, "Java FITS: compressed image in extension 1"));
        primary.addLine(new HeaderCard("BITPIX", 8, "bits per data element"));
        primary.addLine(new HeaderCard("NAXIS", 0, "dimensionality of data"));
        primary.addLine(new HeaderCard("EXTEND", true, "allow extensions"));

        Header h = new Header();
        h.setKeywordChecking(Header.KeywordCheck.NONE);
        h.addLine(new HeaderCard("XTENSION", "BINTABLE", "binary table extension"));
        h.addLine(new HeaderCard("BITPIX", 8, "8-bit bytes"));
        h.addLine(new HeaderCard("NAXIS", 2, "2-dimensional binary table"));
        h.addLine(new HeaderCard("NAXIS1", rowBytes, "width of table in bytes"));
        h.addLine(new HeaderCard("NAXIS2", rows, "number of rows in table"));
        h.addLine(new HeaderCard("PCOUNT", heap, "size of special data area"));
        h.addLine(new HeaderCard("GCOUNT", 1, "one data group (required keyword)"));
        h.addLine(new HeaderCard("TFIELDS", floating ? (blankColumn ? 4 : 3) : 1, "number of fields in each row"));
        h.addLine(new HeaderCard("TTYPE1", "COMPRESSED_DATA", "label for field 1"));
        h.addLine(new HeaderCard("TFORM1", "1PB(" + maxLen + ")", "data format of field: variable length array"));
        if (floating) {
            h.addLine(new HeaderCard("TTYPE2", "ZSCALE", "label for field 2"));
            h.addLine(new HeaderCard("TFORM2", "1D", "data format of field: 8-byte DOUBLE"));
            h.addLine(new HeaderCard("TTYPE3", "ZZERO", "label for field 3"));
            h.addLine(new HeaderCard("TFORM3", "1D", "data format of field: 8-byte DOUBLE"));
            if (blankColumn) {
                h.addLine(new HeaderCard("TTYPE4", "ZBLANK", "label for field 4"));
                h.addLine(new HeaderCard("TFORM4", "1J", "data format of field: 4-byte INTEGER"));
            }
        }
        h.addLine(new HeaderCard("ZIMAGE", true, "extension contains compressed image"));
        for (int i = 0; i < tile.length; i++) {
            h.addLine(new HeaderCard("ZTILE" + (i + 1), tile[i], "size of tiles to be compressed"));
        }
        h.addLine(new HeaderCard("ZCMPTYPE", "RICE_1", "compression algorithm"));
        if (floating && t.anyNull()) {
            h.addLine(new HeaderCard("ZBLANK", RiceQuantizer.NULL_VALUE, "null value in the compressed integer array"));
        }
        h.addLine(new HeaderCard("ZNAME1", "BLOCKSIZE", "compression block size"));
        h.addLine(new HeaderCard("ZVAL1", RiceCoder.BLOCK, "pixels per block"));
        h.addLine(new HeaderCard("ZNAME2", "BYTEPIX", "bytes per pixel (1, 2, 4, or 8)"));
        h.addLine(new HeaderCard("ZVAL2", t.bytepix(), "bytes per pixel (1, 2, 4, or 8)"));
        h.addLine(new HeaderCard("ZSIMPLE", true, "file does conform to FITS standard"));
        h.addLine(new HeaderCard("ZBITPIX", type.bitpix(), "data type of original image"));
        h.addLine(new HeaderCard("ZNAXIS", dims.length, "dimension of original image"));
        for (int i = 0; i < dims.length; i++) {
            h.addLine(new HeaderCard("ZNAXIS" + (i + 1), dims[i], "length of original image axis"));
        }
        h.addLine(new HeaderCard("ZEXTEND", true, "allow extensions"));
        if (floating) {
            h.addLine(new HeaderCard("ZQUANTIZ", "SUBTRACTIVE_DITHER_1", "Pixel Quantization Algorithm"));
            h.addLine(new HeaderCard("ZDITHER0", ditherSeed, "dithering offset when quantizing floats"));
        }
        for (HeaderCard c : scaling) {
            h.addLine(c);
        }
        for (HeaderCard c : cards) {
            h.addLine(c);
        }
        if (checksum) {
            FitsCheckSum.setDatasum(primary, 0);
            FitsCheckSum.setDatasum(h, FitsCheckSum.checksum(body.duplicate()));
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            for (ByteBuffer b : new ByteBuffer[] {serialise(primary), serialise(h), body}) {
                while (b.hasRemaining()) {
                    ch.write(b);
                }
            }
        }
        return true;
    }

    private static ByteBuffer serialise(Header h) throws IOException, FitsException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (FitsOutputStream out = new FitsOutputStream(bytes)) {
            h.write(out);
        }
        return ByteBuffer.wrap(bytes.toByteArray());
    }

    /** Tiles of an n-dimensional image (first axis fastest), numbered first axis fastest as FITS does. */
    static final class Geometry {
        final int[] dims;
        final int[] tile;
        final int[] across;
        final int count;
        final int maxTilePixels;

        Geometry(int[] dims, int[] tile) {
            this.dims = dims.clone();
            this.tile = tile.clone();
            across = new int[dims.length];
            int c = 1;
            int px = 1;
            for (int i = 0; i < dims.length; i++) {
                across[i] = (dims[i] + tile[i] - 1) / tile[i];
                c *= across[i];
                px *= Math.min(tile[i], dims[i]);
            }
            count = c;
            maxTilePixels = px;
        }

        /**
         * Copies tile {@code k}'s pixels into {@code buf} (first axis fastest), sets {@code nx[0]} to its length along
         * the first axis, and returns its pixel count.
         */
        int gather(int k, Object src, Object buf, int[] nx) {
            int n = dims.length;
            int[] start = new int[n];
            int[] len = new int[n];
            int rest = k;
            int pixels = 1;
            for (int i = 0; i < n; i++) {
                int c = rest % across[i];
                rest /= across[i];
                start[i] = c * tile[i];
                len[i] = Math.min(tile[i], dims[i] - start[i]);
                pixels *= len[i];
            }
            int[] pos = new int[n]; // position within the tile along axes 1..n-1
            int out = 0;
            while (out < pixels) {
                long offset = start[0];
                long stride = dims[0];
                for (int i = 1; i < n; i++) {
                    offset += (start[i] + pos[i]) * stride;
                    stride *= dims[i];
                }
                System.arraycopy(src, (int) offset, buf, out, len[0]);
                out += len[0];
                for (int i = 1; i < n; i++) {
                    if (++pos[i] < len[i]) {
                        break;
                    }
                    pos[i] = 0;
                }
            }
            nx[0] = len[0];
            return pixels;
        }
    }
}
