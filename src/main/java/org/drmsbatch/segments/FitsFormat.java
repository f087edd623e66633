package org.drmsbatch.segments;

import java.io.IOException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import nom.tam.fits.BasicHDU;
import nom.tam.fits.Fits;
import nom.tam.fits.FitsException;
import nom.tam.fits.Header;
import nom.tam.fits.HeaderCard;
import nom.tam.fits.ImageData;
import nom.tam.fits.ImageHDU;
import nom.tam.fits.compression.algorithm.quant.QuantizeOption;
import nom.tam.fits.header.Compression;
import nom.tam.fits.header.Standard;
import nom.tam.fits.utilities.FitsCheckSum;
import nom.tam.image.compression.hdu.CompressedImageHDU;
import nom.tam.util.ArrayFuncs;
import nom.tam.util.FitsFile;
import nom.tam.util.FitsOutputStream;
import org.drmsbatch.drms.types.DrmsType;
import org.drmsbatch.drms.types.Protocol;
import org.drmsbatch.drms.types.SegmentArray;
import org.drmsbatch.drms.types.SegmentLayout;

/**
 * Protocols {@code fits} and {@code fitz} (specs/drms.md §4.2, §4.4): one FITS file per segment, written with
 * nom-tam-fits.
 *
 * <ul>
 * <li>Without compression the image is the primary HDU; with a cparms compression (always Rice for {@code fitz})
 *     it is a tile-compressed image extension after an empty primary HDU.</li>
 * <li>BITPIX follows the type; integer images always carry {@code BLANK} = the type's MISSING value;
 *     {@code BZERO}/{@code BSCALE} are written when the scaling is non-trivial.</li>
 * <li>char: FITS BITPIX 8 is unsigned, so stored values are shifted by +128 in the file, with BZERO lowered by
 *     128 &times; BSCALE and BLANK = 0, and shifted back on reading (cfitsio's convention).</li>
 * <li>Integer compression is lossless. Floating images compressed with Rice are quantised with CFITSIO's defaults
 *     (subtractive dither, q = 4), hence lossy, NaN preserved; GZIP keeps floating values exactly.</li>
 * </ul>
 */
public final class FitsFormat implements SegmentFormat {

    private final boolean alwaysRice;

    /** @param alwaysRice true for {@code fitz}: Rice compression unless cparms names tiles or another algorithm */
    public FitsFormat(boolean alwaysRice) {
        this.alwaysRice = alwaysRice;
    }

    public static FitsFormat forProtocol(Protocol p) {
        return new FitsFormat(p == Protocol.FITZ);
    }

    /** The compression used for a segment. */
    public FitsCompression compression(SegmentLayout def) {
        FitsCompression c = FitsCompression.parse(def.cparms());
        return alwaysRice && !c.compressed() ? FitsCompression.RICE : c;
    }

    @Override
    public void write(Path file, SegmentLayout def, SegmentArray a) throws IOException {
        FitsCompression comp = compression(def);
        if (comp.compressed() && a.type() == DrmsType.LONGLONG) {
            throw new IllegalArgumentException("segment '" + def.name() + "': longlong images cannot be tile-compressed ('"
                    + def.cparms() + "', protocol " + def.protocol().jsdName() + ")");
        }
        write(file, a, comp, List.of(), false);
    }

    /**
     * Writes an array as a FITS file (as {@link #write(Path, SegmentLayout, SegmentArray)} does) with {@code cards}
     * after the image's structural cards (BITPIX, NAXISn, BZERO, BSCALE, BLANK), compressed with {@code comp},
     * and, when {@code checksum}, with CHECKSUM and DATASUM in every HDU (nom-tam's {@link Fits#setChecksum()}).
     * Used by the export, which writes a record's keywords into the header.
     */
    public static void write(Path file, SegmentArray a, FitsCompression comp, List<HeaderCard> cards,
                             boolean checksum) throws IOException {
        if (comp.compressed() && a.type() == DrmsType.LONGLONG) {
            throw new IllegalArgumentException("longlong images cannot be tile-compressed ('" + comp + "')");
        }
        NomTamThreads.sizeToMachine(); // before nom-tam makes its own pool (checksums use it too)
        try {
            if (!comp.compressed() && a.naxis() > 0) { // a segment file, or an uncompressed export
                writePlain(file, a, cards, checksum);
                return;
            }
            if (comp.compressed() && riceWrite(file, a, comp, cards, checksum)) {
                return;
            }
            ImageHDU image = imageHdu(a);
            Header ih = image.getHeader();
            for (HeaderCard c : cards) {
                ih.addLine(c);
            }
            Fits fits = new Fits();
            if (comp.compressed()) {
                NomTamThreads.sizeToMachine();
                Header h = image.getHeader();
                h.deleteKey(Standard.PCOUNT); // nom-tam would carry them into the compressed header
                h.deleteKey(Standard.GCOUNT);
                CompressedImageHDU c = CompressedImageHDU.fromImageHDU(image, tiles(comp, a.dims()));
                c.setCompressAlgorithm(fileAlgorithm(comp, a.type()));
                if (a.type().isFloating()) {
                    if (!fileAlgorithm(comp, a.type()).startsWith("GZIP")) {
                        c.setQuantAlgorithm(Compression.ZQUANTIZ_SUBTRACTIVE_DITHER_1);
                        c.getCompressOption(QuantizeOption.class).setQlevel(4).setCheckNull(true);
                    }
                }
                // BYTEPIX stays nom-tam's 4: with 2 (1) its 16-bit (8-bit) Rice coder loses large differences
                // (e.g. next to a MISSING value); CFITSIO (astropy) handles 4 for short and int images.
                c.compress();
                fits.addHDU(CompressedTable.rewrite(c, a.type()));
            } else {
                fits.addHDU(image);
            }
            if (checksum) {
                for (int i = 0; i < fits.getNumberOfHDUs(); i++) {
                    BasicHDU<?> hdu = fits.getHDU(i);
                    long sum = hdu == image ? imageDatasum(a) : datasum(hdu);
                    FitsCheckSum.setDatasum(hdu.getHeader(), sum);
                }
            }
            fits.write(file.toFile());
            fits.close();
        } catch (FitsException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Rice compression of short, int and float images by our own coder ({@link RiceImage}: CFITSIO's bytes, several
     * times faster than nom-tam's); false when it does not apply (another algorithm or type, or a float tile that
     * cannot be quantised), nothing written then.
     */
    private static boolean riceWrite(Path file, SegmentArray a, FitsCompression comp, List<HeaderCard> cards,
                                     boolean checksum) throws IOException, FitsException {
        if (!Compression.ZCMPTYPE_RICE_1.equals(fileAlgorithm(comp, a.type())) || !RiceImage.handles(a.type())
                || a.naxis() == 0) {
            return false;
        }
        FitsData fd = FitsData.of(a);
        Header s = new Header();
        fd.addScaling(s, a.type());
        List<HeaderCard> scaling = new java.util.ArrayList<>();
        for (java.util.Iterator<HeaderCard> it = s.iterator(); it.hasNext();) {
            HeaderCard c = it.next();
            String key = c.getKey();
            if (key.equals(Standard.BLANK.key())) { // the table's null value (CompressedTable does the same)
                scaling.add(new HeaderCard(Compression.ZBLANK.key(), c.getValue(Long.class, 0L), "null value in the compressed integer array"));
            } else if (!key.isBlank() && !key.equals("END")) {
                scaling.add(c);
            }
        }
        return RiceImage.write(file, a.type(), fd.data(), a.dims(), tiles(comp, a.dims()), scaling, cards, checksum);
    }

    /**
     * The FITS data checksum of an image's data as written (big-endian, char shifted), summed a block at a time:
     * nom-tam's {@link Fits#setChecksum()} pipes the data through a thread and is about 10 times slower.
     */
    static long imageDatasum(SegmentArray a) {
        int n = a.length();
        int size = SegmentArray.elementSize(a.type());
        int perBlock = (1 << 20) / size;
        ByteBuffer b = ByteBuffer.allocate(perBlock * size).order(ByteOrder.BIG_ENDIAN);
        long sum = 0;
        for (int start = 0; start < n; start += perBlock) {
            int end = Math.min(n, start + perBlock);
            b.clear();
            switch (a.type()) {
                case CHAR -> {
                    byte[] v = a.bytes();
                    for (int i = start; i < end; i++) {
                        b.put((byte) (v[i] ^ 0x80));
                    }
                }
                case SHORT -> b.asShortBuffer().put(a.shorts(), start, end - start);
                case INT -> b.asIntBuffer().put(a.ints(), start, end - start);
                case LONGLONG -> b.asLongBuffer().put(a.longs(), start, end - start);
                case FLOAT -> b.asFloatBuffer().put(a.floats(), start, end - start);
                default -> b.asDoubleBuffer().put(a.doubles(), start, end - start);
            }
            int bytes = (end - start) * size;
            if (a.type() != DrmsType.CHAR) {
                b.position(bytes);
            }
            // a block's byte count is a multiple of 4 except the last, whose zero padding FITS adds anyway
            int padded = (bytes + 3) / 4 * 4;
            while (b.position() < padded) {
                b.put((byte) 0);
            }
            b.flip();
            sum = FitsCheckSum.sumOf(sum, FitsCheckSum.checksum(b));
        }
        return sum;
    }

    /** The data checksum of another HDU (the compressed table, the empty primary), from its serialised data. */
    private static long datasum(BasicHDU<?> hdu) throws FitsException, IOException {
        if (hdu.getData() == null || hdu.getData().getSize() == 0) {
            return 0;
        }
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream((int) hdu.getData().getSize());
        try (FitsOutputStream out = new FitsOutputStream(bytes)) {
            hdu.getData().write(out);
        }
        return FitsCheckSum.checksum(ByteBuffer.wrap(bytes.toByteArray()));
    }

    /**
     * The ZCMPTYPE actually written. Byte (char) images are never Rice-compressed but GZIP-compressed (lossless
     * too): nom-tam's Rice coder codes bytes as signed values with BYTEPIX 4, which CFITSIO (fitsverify's library,
     * astropy, funpack) decodes to values it cannot store in an unsigned BITPIX 8 image ("numerical overflow"), and
     * its BYTEPIX 1 coder loses large differences.
     */
    static String fileAlgorithm(FitsCompression comp, DrmsType type) {
        if (type == DrmsType.CHAR && Compression.ZCMPTYPE_RICE_1.equals(comp.algorithm())) {
            return Compression.ZCMPTYPE_GZIP_1;
        }
        return comp.algorithm();
    }

    private static int[] tiles(FitsCompression comp, int[] dims) {
        int[] t = new int[dims.length];
        int[] given = comp.tiles();
        for (int i = 0; i < dims.length; i++) {
            int d = Math.max(dims[i], 1);
            t[i] = i < given.length ? Math.min(given[i], d) : (given.length == 0 && i > 0 ? 1 : d);
        }
        return t;
    }

    /**
     * An array's data as FITS stores it, with its scaling: char (signed in DRMS) is shifted to FITS's unsigned bytes
     * and its bzero moved by 128 bscale.
     */
    private record FitsData(Object data, double bzero, double bscale) {
        static FitsData of(SegmentArray a) {
            if (a.type() != DrmsType.CHAR) {
                return new FitsData(a.data(), a.bzero(), a.bscale());
            }
            byte[] src = a.bytes();
            byte[] u = new byte[src.length];
            for (int i = 0; i < src.length; i++) {
                u[i] = (byte) (src[i] ^ 0x80);
            }
            return new FitsData(u, a.bzero() - 128 * a.bscale(), a.bscale());
        }

        /** BSCALE and BZERO when not the identity, and BLANK, for integer images. */
        void addScaling(Header h, DrmsType type) throws FitsException {
            if (type.isInteger()) {
                if (bscale != 1) {
                    h.addValue(Standard.BSCALE, bscale);
                }
                if (bzero != 0) {
                    h.addValue(Standard.BZERO, bzero);
                }
                h.addValue(Standard.BLANK, type == DrmsType.CHAR ? 0L : ((Number) type.missing()).longValue());
            }
        }
    }

    /**
     * An uncompressed image as the primary HDU, written straight from the flat array: the header by nom-tam-fits
     * (the cards its image HDU has: SIMPLE, BITPIX, NAXIS, NAXISn, EXTEND, then the scaling and BLANK, then
     * {@code cards}, then DATASUM and CHECKSUM when {@code checksum}), the data through a file channel in large
     * big-endian blocks ({@link RawCodec}), padded to the FITS block. The data checksum is summed over each block
     * as it is written, and the header, whose length does not depend on the checksums' values, written first
     * and rewritten in place with them: one pass over the array. The file is the one nom-tam's general writer
     * makes of the image (FitsExportWriteTest), which first copies the array into an n-dimensional one and sums
     * the data in a separate pass.
     */
    private static void writePlain(Path file, SegmentArray a, List<HeaderCard> cards, boolean checksum)
            throws IOException, FitsException {
        DrmsType type = a.type();
        FitsData fd = FitsData.of(a);
        int[] dims = a.dims();
        Header h = new Header();
        h.addValue(Standard.SIMPLE, true);
        h.addValue(Standard.BITPIX, type.bitpix());
        h.addValue(Standard.NAXIS, dims.length);
        for (int i = 0; i < dims.length; i++) {
            h.addValue(Standard.NAXISn.n(i + 1), dims[i]);
        }
        h.addValue(Standard.EXTEND, true);
        fd.addScaling(h, type);
        for (HeaderCard c : cards) {
            h.addLine(c);
        }
        if (checksum) {
            FitsCheckSum.setDatasum(h, 0); // the cards in place: their values do not change the header's length
        }
        byte[] first = headerBytes(h);
        int headerLength = first.length;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            // the file written in order (the header's checksums rewritten in place at the end): no hole in front
            ByteBuffer fb = ByteBuffer.wrap(first);
            while (fb.hasRemaining()) {
                ch.write(fb);
            }
            long sum = RawCodec.write(ch, type, fd.data(), ByteOrder.BIG_ENDIAN, checksum);
            long bytes = (long) a.length() * SegmentArray.elementSize(type);
            ByteBuffer pad = ByteBuffer.allocate((int) ((2880 - bytes % 2880) % 2880));
            while (pad.hasRemaining()) {
                ch.write(pad);
            }
            if (!checksum) {
                return;
            }
            FitsCheckSum.setDatasum(h, sum);
            ByteBuffer hb = ByteBuffer.wrap(headerBytes(h));
            if (hb.remaining() != headerLength) {
                throw new IllegalStateException("FITS header changed length from " + headerLength + " to "
                        + hb.remaining() + " bytes when its checksums were set");
            }
            for (long at = 0; hb.hasRemaining(); ) {
                at += ch.write(hb, at);
            }
        }
    }

    private static byte[] headerBytes(Header h) throws IOException, FitsException {
        java.io.ByteArrayOutputStream header = new java.io.ByteArrayOutputStream();
        try (nom.tam.util.FitsOutputStream out = new nom.tam.util.FitsOutputStream(header)) {
            h.write(out);
        }
        return header.toByteArray();
    }

    /** The plain image HDU of an array: data in FITS form (char shifted), header with scaling and BLANK. */
    private static ImageHDU imageHdu(SegmentArray a) throws FitsException {
        DrmsType type = a.type();
        FitsData fd = FitsData.of(a);
        int[] dims = a.dims();
        Object kernel = dims.length <= 1 ? fd.data() : ArrayFuncs.curl(fd.data(), reversed(dims));
        ImageData id = ImageData.from(kernel);
        Header h = ImageHDU.manufactureHeader(id);
        fd.addScaling(h, type);
        return new ImageHDU(h, id);
    }

    private static int[] reversed(int[] d) {
        int[] r = new int[d.length];
        for (int i = 0; i < d.length; i++) {
            r[i] = d[d.length - 1 - i];
        }
        return r;
    }

    @Override
    public SegmentArray read(Path file, SegmentLayout def) throws IOException {
        try (Fits fits = open(file)) {
            BasicHDU<?> hdu = fits.readHDU();
            while (hdu != null && !(hdu instanceof CompressedImageHDU) && hdu.getHeader().getIntValue(Standard.NAXIS, 0) == 0) {
                hdu = fits.readHDU();
            }
            if (hdu == null) {
                throw new IOException(file + ": no image in FITS file");
            }
            if (hdu instanceof CompressedImageHDU c) {
                NomTamThreads.sizeToMachine();
                Header h = c.getImageHeader();
                DrmsType type = typeOf(h, def, file);
                int[] dims = dims(h);
                Object data = SegmentArray.newData(type, SegmentArray.count(dims));
                Buffer b = c.getUncompressedData();
                b.rewind();
                switch (type) {
                    case CHAR -> ((ByteBuffer) b).get((byte[]) data);
                    case SHORT -> ((ShortBuffer) b).get((short[]) data);
                    case INT -> ((IntBuffer) b).get((int[]) data);
                    case LONGLONG -> ((LongBuffer) b).get((long[]) data);
                    case FLOAT -> ((FloatBuffer) b).get((float[]) data);
                    default -> ((DoubleBuffer) b).get((double[]) data);
                }
                return finish(h, type, dims, data);
            }
            if (!(hdu instanceof ImageHDU)) {
                throw new IOException(file + ": first HDU with data is not an image but " + hdu.getClass().getSimpleName());
            }
            Header h = hdu.getHeader();
            DrmsType type = typeOf(h, def, file);
            int[] dims = dims(h);
            Object data = SegmentArray.newData(type, SegmentArray.count(dims));
            long offset = hdu.getData().getFileOffset();
            long bytes = (long) SegmentArray.count(dims) * SegmentArray.elementSize(type);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                if (bytes >= RawCodec.MAP_THRESHOLD && ch.size() >= offset + bytes) {
                    RawCodec.readMapped(ch, offset, type, data, ByteOrder.BIG_ENDIAN);
                } else {
                    ch.position(offset);
                    RawCodec.read(ch, type, data, ByteOrder.BIG_ENDIAN);
                }
            }
            return finish(h, type, dims, data);
        } catch (FitsException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Opens a FITS file for reading. A plain FITS file (it starts with {@code SIMPLE}) is opened directly; only
     * other files go through nom-tam's {@code Fits(File)}, which looks for a compression provider (gzip, bzip2, ...)
     * with a {@link java.util.ServiceLoader} each time, a cost that showed in the profile of the rescale job.
     */
    private static Fits open(Path file) throws IOException, FitsException {
        byte[] start = new byte[6];
        int n = 0;
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
            n = in.readNBytes(start, 0, start.length);
        }
        if (n == start.length && new String(start, java.nio.charset.StandardCharsets.US_ASCII).equals("SIMPLE")) {
            FitsFile f = new FitsFile(file.toFile(), "r");
            try {
                return new Fits(f);
            } catch (RuntimeException e) { // FitsException included
                f.close();
                throw e;
            }
        }
        return new Fits(file.toFile());
    }

    private static SegmentArray finish(Header h, DrmsType type, int[] dims, Object data) {
        double bscale = h.getDoubleValue(Standard.BSCALE, 1.0);
        double bzero = h.getDoubleValue(Standard.BZERO, 0.0);
        if (type == DrmsType.CHAR) {
            byte[] b = (byte[]) data;
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) (b[i] ^ 0x80);
            }
            bzero += 128 * bscale;
        }
        if (type.isInteger() && (h.containsKey(Standard.BLANK) || h.containsKey(Compression.ZBLANK))) {
            long fitsBlank = h.containsKey(Standard.BLANK) ? h.getLongValue(Standard.BLANK) : h.getLongValue(Compression.ZBLANK);
            long blank = fitsBlank - (type == DrmsType.CHAR ? 128 : 0);
            replaceBlank(type, data, blank);
        }
        return SegmentArray.of(type, dims, data, bzero, bscale, true);
    }

    /** Files written by other programs may use another BLANK: make those values this type's MISSING. */
    private static void replaceBlank(DrmsType type, Object data, long blank) {
        switch (type) {
            case CHAR -> {
                if (blank != Byte.MIN_VALUE && blank >= Byte.MIN_VALUE && blank <= Byte.MAX_VALUE) {
                    byte[] a = (byte[]) data;
                    for (int i = 0; i < a.length; i++) {
                        if (a[i] == blank) {
                            a[i] = Byte.MIN_VALUE;
                        }
                    }
                }
            }
            case SHORT -> {
                if (blank != Short.MIN_VALUE && blank >= Short.MIN_VALUE && blank <= Short.MAX_VALUE) {
                    short[] a = (short[]) data;
                    for (int i = 0; i < a.length; i++) {
                        if (a[i] == blank) {
                            a[i] = Short.MIN_VALUE;
                        }
                    }
                }
            }
            case INT -> {
                if (blank != Integer.MIN_VALUE && blank >= Integer.MIN_VALUE && blank <= Integer.MAX_VALUE) {
                    int[] a = (int[]) data;
                    for (int i = 0; i < a.length; i++) {
                        if (a[i] == blank) {
                            a[i] = Integer.MIN_VALUE;
                        }
                    }
                }
            }
            case LONGLONG -> {
                if (blank != Long.MIN_VALUE) {
                    long[] a = (long[]) data;
                    for (int i = 0; i < a.length; i++) {
                        if (a[i] == blank) {
                            a[i] = Long.MIN_VALUE;
                        }
                    }
                }
            }
            default -> {
            }
        }
    }

    private static DrmsType typeOf(Header h, SegmentLayout def, Path file) throws IOException {
        int bitpix = h.getIntValue(Standard.BITPIX);
        return switch (bitpix) {
            case 8 -> DrmsType.CHAR;
            case 16 -> DrmsType.SHORT;
            case 32 -> DrmsType.INT;
            case 64 -> DrmsType.LONGLONG;
            case -32 -> DrmsType.FLOAT;
            case -64 -> def != null && def.type() == DrmsType.TIME ? DrmsType.TIME : DrmsType.DOUBLE;
            default -> throw new IOException(file + ": unsupported BITPIX " + bitpix);
        };
    }

    private static int[] dims(Header h) {
        int naxis = h.getIntValue(Standard.NAXIS);
        int[] d = new int[naxis];
        for (int i = 0; i < naxis; i++) {
            d[i] = h.getIntValue(Standard.NAXISn.n(i + 1));
        }
        return d;
    }
}
