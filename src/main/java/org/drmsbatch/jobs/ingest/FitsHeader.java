package org.drmsbatch.jobs.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import nom.tam.fits.HeaderCard;

/**
 * The primary header of a FITS file as the ingest job reads it: its value cards by keyword, the image's BITPIX, axes,
 * BZERO and BSCALE, and whether the file is complete (the header ends with {@code END} and the file holds all the
 * data the header announces).
 *
 * @param cards    value cards by upper-case keyword (the first of a repeated keyword), reserved cards included
 * @param dims     the axis lengths (NAXIS1 first)
 * @param complete whether the whole header and data are in the file (false: still being written, or truncated)
 */
record FitsHeader(Map<String, HeaderCard> cards, int bitpix, int[] dims, double bzero, double bscale,
                  boolean complete) {

    static final int BLOCK = 2880;
    static final int CARD = 80;

    /**
     * The FITS structural and reserved keywords: never taken as record keywords (the segment's own keywords, such
     * as its bzero and bscale, come from them).
     */
    static final Set<String> RESERVED = Set.of("SIMPLE", "BITPIX", "NAXIS", "EXTEND", "BZERO", "BSCALE", "BLANK",
            "PCOUNT", "GCOUNT", "XTENSION", "EXTNAME", "EXTVER", "EXTLEVEL",
            "CHECKSUM", "DATASUM", "END", "COMMENT", "HISTORY", "CONTINUE", "HIERARCH", "GROUPS", "BLOCKED",
            "TFIELDS", "THEAP", "ZIMAGE", "ZBITPIX", "ZNAXIS", "ZCMPTYPE");

    /** Whether {@code key} is a FITS reserved keyword (also NAXISn, and the table and compression families). */
    static boolean reserved(String key) {
        String k = key.toUpperCase(Locale.ROOT);
        return RESERVED.contains(k) || k.matches("NAXIS\\d+|ZNAXIS\\d+|ZTILE\\d+|ZNAME\\d+|ZVAL\\d+|T[A-Z]+\\d+");
    }

    /** A file that is not a FITS image file as ingest takes them; the message is the reason. */
    static final class Malformed extends Exception {
        Malformed(String reason) {
            super(reason);
        }
    }

    /** Reads the primary header of {@code file}. */
    static FitsHeader read(Path file) throws IOException, Malformed {
        long size = Files.size(file);
        Map<String, HeaderCard> cards = new LinkedHashMap<>();
        long headerBytes = 0;
        boolean ended = false;
        try (InputStream in = Files.newInputStream(file)) {
            byte[] block = new byte[BLOCK];
            while (!ended) {
                int n = in.readNBytes(block, 0, BLOCK);
                if (n < BLOCK) {
                    if (headerBytes == 0 && n < 9) {
                        if (n == 0 || startsLikeFits(block, n)) {
                            return incomplete(cards);
                        }
                    }
                    if (headerBytes == 0 && !startsLikeFits(block, n)) {
                        throw new Malformed("not a FITS file: it does not start with SIMPLE  =");
                    }
                    return incomplete(cards); // the header is not all there yet
                }
                if (headerBytes == 0 && !startsLikeFits(block, n)) {
                    throw new Malformed("not a FITS file: it does not start with SIMPLE  =");
                }
                headerBytes += BLOCK;
                for (int i = 0; i < BLOCK / CARD; i++) {
                    String card = new String(block, i * CARD, CARD, StandardCharsets.US_ASCII);
                    String key = card.substring(0, 8).trim().toUpperCase(Locale.ROOT);
                    if (key.equals("END")) {
                        ended = true;
                        break;
                    }
                    if (key.isEmpty() || card.length() < 10 || !card.startsWith("= ", 8)) {
                        continue; // comment, history, blank or a card without a value
                    }
                    HeaderCard c;
                    try {
                        c = HeaderCard.create(card);
                    } catch (RuntimeException e) {
                        throw new Malformed("bad header card '" + card.trim() + "': " + e.getMessage());
                    }
                    cards.putIfAbsent(key, c);
                }
                if (headerBytes > 1000L * BLOCK) {
                    throw new Malformed("no END card in the first " + headerBytes + " bytes");
                }
            }
        }
        if (!"T".equals(value(cards, "SIMPLE"))) {
            throw new Malformed("not a standard FITS file (SIMPLE is not T)");
        }
        int bitpix = integer(cards, "BITPIX");
        if (bitpix != 8 && bitpix != 16 && bitpix != 32 && bitpix != 64 && bitpix != -32 && bitpix != -64) {
            throw new Malformed("unsupported BITPIX " + bitpix);
        }
        int naxis = integer(cards, "NAXIS");
        if (naxis < 1 || naxis > 999) {
            throw new Malformed(naxis == 0 ? "no image in the primary HDU (NAXIS = 0)" : "bad NAXIS " + naxis);
        }
        int[] dims = new int[naxis];
        long count = 1;
        for (int i = 0; i < naxis; i++) {
            dims[i] = integer(cards, "NAXIS" + (i + 1));
            if (dims[i] < 0) {
                throw new Malformed("NAXIS" + (i + 1) + " is negative");
            }
            count *= dims[i];
        }
        long dataBytes = count * Math.abs(bitpix) / 8;
        double bzero = decimal(cards, "BZERO", 0);
        double bscale = decimal(cards, "BSCALE", 1);
        return new FitsHeader(cards, bitpix, dims, bzero, bscale, size >= headerBytes + dataBytes);
    }

    private static FitsHeader incomplete(Map<String, HeaderCard> cards) {
        return new FitsHeader(cards, 0, new int[0], 0, 1, false);
    }

    private static boolean startsLikeFits(byte[] block, int n) {
        String start = new String(block, 0, Math.min(n, 9), StandardCharsets.US_ASCII);
        return "SIMPLE  =".startsWith(start) || start.equals("SIMPLE  =");
    }

    private static String value(Map<String, HeaderCard> cards, String key) {
        HeaderCard c = cards.get(key);
        return c == null ? null : c.getValue();
    }

    private static int integer(Map<String, HeaderCard> cards, String key) throws Malformed {
        String v = value(cards, key);
        if (v == null) {
            throw new Malformed("the header has no " + key);
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new Malformed(key + " = '" + v.trim() + "' is not an integer");
        }
    }

    private static double decimal(Map<String, HeaderCard> cards, String key, double dflt) throws Malformed {
        String v = value(cards, key);
        if (v == null) {
            return dflt;
        }
        try {
            return Double.parseDouble(v.trim().replace('D', 'E').replace('d', 'e'));
        } catch (NumberFormatException e) {
            throw new Malformed(key + " = '" + v.trim() + "' is not a number");
        }
    }
}
