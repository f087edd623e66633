package org.drmsbatch.segments;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPInputStream;

import nom.tam.fits.BinaryTable;
import nom.tam.fits.BinaryTableHDU;
import nom.tam.fits.FitsException;
import nom.tam.fits.Header;
import nom.tam.fits.HeaderCard;
import nom.tam.fits.header.Compression;
import nom.tam.fits.header.Standard;
import nom.tam.image.compression.hdu.CompressedImageHDU;
import org.drmsbatch.drms.types.DrmsType;

/**
 * Rewrites the binary table of a tile-compressed image made by nom-tam-fits into the layout CFITSIO (fitsverify,
 * fpack/funpack, astropy) reads.
 *
 * <p>nom-tam 1.21 adds a data column only when some tile uses it, so an image whose tiles all fell back to GZIP or to
 * raw storage has no {@code COMPRESSED_DATA} column (CFITSIO: "Bad HDU?"); its raw tiles go to a byte column
 * ({@code 800B}, even fixed-width) although CFITSIO reads {@code UNCOMPRESSED_DATA} as a variable-length column of
 * the image's own type; CFITSIO reads {@code GZIP_COMPRESSED_DATA} only for floating images; and the integer image's
 * {@code BLANK} stays {@code BLANK} instead of {@code ZBLANK}. Tiles fall back when their compressed form would be
 * larger than the raw one (nom-tam allows no more room), i.e. on incompressible data.
 *
 * <p>The rewritten table has: {@code COMPRESSED_DATA} (1PB, always; empty for tiles not compressed with ZCMPTYPE),
 * {@code GZIP_COMPRESSED_DATA} (1PB, floating images whose quantisation failed for some tile), {@code
 * UNCOMPRESSED_DATA} (1PB/1PI/1PJ/1PE/1PD, the other tiles), then nom-tam's other columns (ZSCALE, ZZERO, ZBLANK).
 * nom-tam reads this layout back as well.
 */
final class CompressedTable {

    private static final Set<String> STRUCTURAL = Set.of("XTENSION", "BITPIX", "NAXIS", "NAXIS1", "NAXIS2", "PCOUNT",
            "GCOUNT", "TFIELDS", "THEAP", "END");

    private CompressedTable() {
    }

    static BinaryTableHDU rewrite(CompressedImageHDU c, DrmsType type) throws FitsException, IOException {
        Header h = c.getHeader();
        BinaryTable t = c.getData();
        int rows = t.getNRows();
        int cols = t.getNCols();
        Object[] comp = null;
        Object[] gzip = null;
        Object[] raw = null;
        List<Integer> others = new ArrayList<>();
        for (int i = 0; i < cols; i++) {
            String name = h.getStringValue(Standard.TTYPEn.n(i + 1));
            name = name == null ? "" : name.trim();
            switch (name) {
                case Compression.COMPRESSED_DATA_COLUMN -> comp = (Object[]) t.getColumn(i);
                case Compression.GZIP_COMPRESSED_DATA_COLUMN -> gzip = (Object[]) t.getColumn(i);
                case Compression.UNCOMPRESSED_DATA_COLUMN -> raw = (Object[]) t.getColumn(i);
                default -> others.add(i);
            }
        }
        boolean floating = type.isFloating();
        byte[][] outComp = new byte[rows][];
        byte[][] outGzip = new byte[rows][];
        Object[] outRaw = new Object[rows];
        boolean anyGzip = false;
        boolean anyRaw = false;
        for (int r = 0; r < rows; r++) {
            byte[] cb = entry(comp, r);
            byte[] gb = entry(gzip, r);
            byte[] rb = entry(raw, r);
            outComp[r] = cb;
            outGzip[r] = new byte[0];
            outRaw[r] = rawArray(type, new byte[0]);
            if (cb.length > 0) {
                continue;
            }
            if (gb.length > 0 && floating) {
                outGzip[r] = gb;
                anyGzip = true;
            } else if (gb.length > 0) {
                outRaw[r] = rawArray(type, gunzip(gb));
                anyRaw = true;
            } else if (rb.length > 0) {
                outRaw[r] = rawArray(type, rb);
                anyRaw = true;
            }
        }

        BinaryTable nt = new BinaryTable();
        List<String> names = new ArrayList<>();
        nt.addColumn(BinaryTable.ColumnDesc.createForVariableSize(byte.class));
        names.add(Compression.COMPRESSED_DATA_COLUMN);
        if (anyGzip) {
            nt.addColumn(BinaryTable.ColumnDesc.createForVariableSize(byte.class));
            names.add(Compression.GZIP_COMPRESSED_DATA_COLUMN);
        }
        if (anyRaw) {
            nt.addColumn(BinaryTable.ColumnDesc.createForVariableSize(elementClass(type)));
            names.add(Compression.UNCOMPRESSED_DATA_COLUMN);
        }
        for (int i : others) {
            nt.addColumn(BinaryTable.ColumnDesc.createForScalars(t.getDescriptor(i).getElementClass()));
            names.add(h.getStringValue(Standard.TTYPEn.n(i + 1)).trim());
        }
        for (int r = 0; r < rows; r++) {
            List<Object> row = new ArrayList<>();
            row.add(outComp[r]);
            if (anyGzip) {
                row.add(outGzip[r]);
            }
            if (anyRaw) {
                row.add(outRaw[r]);
            }
            for (int i : others) {
                row.add(t.get(r, i));
            }
            nt.addRow(row.toArray());
        }

        BinaryTableHDU out = BinaryTableHDU.wrap(nt);
        for (int i = 0; i < names.size(); i++) {
            out.setColumnName(i, names.get(i), null);
        }
        Header nh = out.getHeader();
        nh.setKeywordChecking(Header.KeywordCheck.NONE); // image keywords (BZERO, BSCALE) belong in this header
        boolean hasZblank = h.containsKey(Compression.ZBLANK) || names.contains(Compression.ZBLANK_COLUMN);
        for (Iterator<HeaderCard> it = h.iterator(); it.hasNext();) {
            HeaderCard card = it.next();
            String key = card.getKey();
            if (STRUCTURAL.contains(key) || key.startsWith("TTYPE") || key.startsWith("TFORM") || key.startsWith("TDIM")
                    || key.startsWith("TSCAL") || key.startsWith("TZERO") || key.startsWith("TNULL")) {
                continue;
            }
            if (key.equals(Standard.BLANK.key())) {
                if (!floating && !hasZblank) {
                    nh.addValue(Compression.ZBLANK, card.getValue(Long.class, 0L));
                }
                continue;
            }
            nh.addLine(card.copy());
        }
        if (floating && !nh.containsKey(Compression.ZQUANTIZ)) {
            // lossless floating tiles (GZIP): without ZQUANTIZ = 'NONE' CFITSIO decodes them as quantised integers
            nh.addValue(Compression.ZQUANTIZ.key(), "NONE", "floating values stored losslessly");
        }
        return out;
    }

    private static byte[] entry(Object[] column, int row) {
        if (column == null || column[row] == null) {
            return new byte[0];
        }
        return (byte[]) column[row];
    }

    private static Class<?> elementClass(DrmsType type) {
        return switch (type) {
            case CHAR -> byte.class;
            case SHORT -> short.class;
            case INT -> int.class;
            case FLOAT -> float.class;
            case DOUBLE, TIME -> double.class;
            default -> throw new IllegalArgumentException("no tile compression for " + type);
        };
    }

    /** Big-endian raw tile bytes as an array of the image's element type. */
    private static Object rawArray(DrmsType type, byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        return switch (type) {
            case CHAR -> bytes;
            case SHORT -> {
                short[] a = new short[bytes.length / 2];
                b.asShortBuffer().get(a);
                yield a;
            }
            case INT -> {
                int[] a = new int[bytes.length / 4];
                b.asIntBuffer().get(a);
                yield a;
            }
            case FLOAT -> {
                float[] a = new float[bytes.length / 4];
                b.asFloatBuffer().get(a);
                yield a;
            }
            case DOUBLE, TIME -> {
                double[] a = new double[bytes.length / 8];
                b.asDoubleBuffer().get(a);
                yield a;
            }
            default -> throw new IllegalArgumentException("no tile compression for " + type);
        };
    }

    private static byte[] gunzip(byte[] gz) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            return in.readAllBytes();
        }
    }
}
